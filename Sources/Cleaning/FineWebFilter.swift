import DomainForgeCore
import Segmentation

/// FineWeb's quality rules (`fineweb`), computed as datatrove 0.10's `FineWebQualityFilter`, in its order:
///
/// | rule (default) | reason |
/// |---|---|
/// | no non-blank line | `empty` |
/// | lines ending in terminal punctuation / lines < `line_punct_thr` (0.12) | `line_punct_ratio` |
/// | lines of <= `short_line_length` (30) chars / lines > `short_line_thr` (0.67) | `short_line_ratio` |
/// | chars in duplicated lines / chars without newlines > `char_duplicates_ratio` (0.1) | `char_dup_ratio` |
/// | newlines / words > `new_line_ratio` (0.3) | `list_ratio` |
///
/// Lines are the text split on `\n` without the blank ones; they are not stripped (a line ending in `. ` does not
/// count as punctuated). Terminal punctuation is Unicode's Sentence_Terminal set (`.` `!` `?` `。` `！` `।` ...),
/// which datatrove's `TERMINAL_PUNCTUATION` follows. `line_punct_exclude_zero` keeps documents with no punctuated
/// line at all. `char_duplicates_ratio` defaults to 0.1, the value FineWeb used; datatrove's class default is 0.01,
/// which drops far more (any document with ~1% repeated lines). Words are `tokenizeWords` tokens; a document with
/// newlines and no words is dropped as `list_ratio`. A `null` threshold turns its rule off.
///
/// Other languages: words come from ICU's segmenter, lines ending in closing quotes after a terminal mark
/// (`。」`) count as punctuated, and the thresholds are the language's (``LanguageRules``; `languages:` overrides).
public struct FineWebFilter: LanguageAwareStage {
    public static let type = "fineweb"
    public var name: String { Self.type }

    public struct Options: StageOptions {
        public var linePunctThr: Double? = 0.12
        public var linePunctExcludeZero: Bool = false
        public var shortLineThr: Double? = 0.67
        public var shortLineLength: Int = 30
        public var charDuplicatesRatio: Double? = 0.1
        public var newLineRatio: Double? = 0.3

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case linePunctThr = "line_punct_thr"
            case linePunctExcludeZero = "line_punct_exclude_zero"
            case shortLineThr = "short_line_thr"
            case shortLineLength = "short_line_length"
            case charDuplicatesRatio = "char_duplicates_ratio"
            case newLineRatio = "new_line_ratio"
        }

        public func validate() throws {
            try StageOptionError.ratio(linePunctThr, CodingKeys.linePunctThr)
            try StageOptionError.ratio(shortLineThr, CodingKeys.shortLineThr)
            try StageOptionError.nonNegative(shortLineLength, CodingKeys.shortLineLength)
            try StageOptionError.ratio(charDuplicatesRatio, CodingKeys.charDuplicatesRatio)
            try StageOptionError.nonNegative(newLineRatio, CodingKeys.newLineRatio)
        }
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("FineWeb quality rules as datatrove 0.10's FineWebQualityFilter: reasons empty, line_punct_ratio, short_line_ratio, char_dup_ratio, list_ratio. Blank lines are ignored. null turns a rule off.", keys: Options.CodingKeys.self, [
        .number(.linePunctThr, min: 0, max: 1, nullable: true, "Drop when the share of lines ending in terminal punctuation (Unicode Sentence_Terminal: . ! ? 。 ...) is below this (line_punct_ratio)."),
        .bool(.linePunctExcludeZero, "Keep documents where no line ends in punctuation (ratio 0)."),
        .number(.shortLineThr, min: 0, max: 1, nullable: true, "Drop when the share of short lines is above this (short_line_ratio)."),
        .integer(.shortLineLength, min: 0, "A line of at most this many characters is short."),
        .number(.charDuplicatesRatio, min: 0, max: 1, nullable: true, "Drop when the share of characters in duplicated lines is above this (char_dup_ratio); FineWeb used 0.1, datatrove's class default is 0.01."),
        .number(.newLineRatio, min: 0, nullable: true, "Drop when newlines / words is above this (list_ratio)."),
        .languages,
    ])

    public let options: Options

    /// The language of this variant (nil: English rules and tokenizer).
    public let language: String?
    /// Variants by language, picked per document (see ``LanguageRouting``).
    public var languageStages: [String: FineWebFilter] = [:]

    public init(options: Options = .init()) {
        self.init(options: options, language: nil)
    }

    /// A stage judging `language` documents with segmented words (nil: the English code path).
    public init(options: Options, language: String?) {
        self.options = options
        self.language = language
    }

    public func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        if let variant = LanguageRouting.pick(languageStages, document) {
            return variant.process(&document, counters: &counters)
        }
        return document.text.withUTF8 { p in evaluate(p) }
    }

    func evaluate(_ p: UnsafeBufferPointer<UInt8>) -> StageVerdict {
        let o = options
        let n = p.count
        var lines = 0, punctuated = 0, short = 0
        var nonBlank = [(Int, Int)]()
        forEachLine(p) { s, e in
            let (ts, te) = trimASCIIWhitespace(p, s, e)
            if ts == te { return }
            lines += 1
            nonBlank.append((s, e))
            if language == nil ? Self.endsWithTerminal(p, s, e) : TerminalPunctuation.endsSentence(p, ts, te) {
                punctuated += 1
            }
            let len = e - s
            if len <= o.shortLineLength || (len <= 4 * o.shortLineLength && scalarCount(p, s, e) <= o.shortLineLength) {
                short += 1
            }
        }
        if lines == 0 { return .drop(reason: "empty") }
        if let thr = o.linePunctThr {
            let ratio = Double(punctuated) / Double(lines)
            if ratio < thr && !(ratio == 0 && o.linePunctExcludeZero) { return .drop(reason: "line_punct_ratio") }
        }
        if let thr = o.shortLineThr, Double(short) / Double(lines) > thr {
            return .drop(reason: "short_line_ratio")
        }
        var newlines = 0
        var k = 0
        while let nl = nextNewline(p, from: k) { newlines += 1; k = nl + 1 }
        if let thr = o.charDuplicatesRatio {
            let chars = scalarCount(p, 0, n) - newlines
            let (_, dupChars) = GopherRepetitionFilter.duplicates(p, nonBlank)
            if chars > 0 && Double(dupChars) / Double(chars) > thr { return .drop(reason: "char_dup_ratio") }
        }
        if let thr = o.newLineRatio, newlines > 0 {
            var tokens = [WordToken]()
            wordTokens(p, segmented: language != nil, into: &tokens)
            if tokens.isEmpty || Double(newlines) / Double(tokens.count) > thr { return .drop(reason: "list_ratio") }
        }
        return .keep
    }

    /// Whether the line `p[s..<e]` (non-empty) ends with a Sentence_Terminal scalar.
    @inline(__always)
    static func endsWithTerminal(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        let last = p[e - 1]
        if last < 0x80 { return last == 0x2E || last == 0x21 || last == 0x3F }
        var k = e - 1
        while k > s && (p[k] & 0xC0) == 0x80 { k -= 1 }
        guard let scalar = Unicode.Scalar(decodeScalar(p, k).value) else { return false }
        return scalar.properties.isSentenceTerminal
    }
}
