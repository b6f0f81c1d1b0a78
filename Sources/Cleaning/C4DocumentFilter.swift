import DomainForgeCore

/// C4's document rules (`c4_document`), the document half of datatrove's `C4QualityFilter` (run it after
/// ``C4LinesStage`` to get C4). Checked in this order:
/// - `lorem_ipsum`: the text contains "lorem ipsum" in any case (`filter_lorem_ipsum`);
/// - `curly_bracket`: the text contains `{` (`filter_curly_bracket`; C4 drops these as code);
/// - `too_few_sentences`: fewer than `min_num_sentences` (5) sentences.
///
/// Sentence rule (a cheap stand-in for NLTK punkt, which datatrove runs per line): a sentence is a stretch of
/// text holding at least one letter or digit, ended by a run of `.` `!` `?` `…` `。` `！` `？` (optionally
/// followed by closing quotes or brackets) that is followed by whitespace or the end of the text, or ended
/// by a line break or the end of the text. So abbreviations such as "e.g. this" count as two sentences, and
/// "3.14" or "example.com" do not end one. Counting stops once the minimum is reached.
public struct C4DocumentFilter: CleaningStage {
    public static let type = "c4_document"
    public var name: String { Self.type }

    public struct Options: StageOptions {
        public var filterLoremIpsum: Bool = true
        public var filterCurlyBracket: Bool = true
        public var minNumSentences: Int? = 5

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case filterLoremIpsum = "filter_lorem_ipsum"
            case filterCurlyBracket = "filter_curly_bracket"
            case minNumSentences = "min_num_sentences"
        }

        public func validate() throws {
            try StageOptionError.nonNegative(minNumSentences, CodingKeys.minNumSentences)
        }
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("C4 document rules (document half of datatrove's C4QualityFilter): reasons lorem_ipsum, curly_bracket, too_few_sentences.", keys: Options.CodingKeys.self, [
        .bool(.filterLoremIpsum, "Drop documents containing 'lorem ipsum' (any case)."),
        .bool(.filterCurlyBracket, "Drop documents containing '{'."),
        .integer(.minNumSentences, min: 0, nullable: true, "Minimum sentences (ended by . ! ? … 。 ！ ？ before whitespace, or by a line break); null or 0 turns it off."),
    ])

    public let options: Options

    public init(options: Options = .init()) {
        self.options = options
    }

    static let lorem = Array("lorem ipsum".utf8)

    public func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        let o = options
        return document.text.withUTF8 { p -> StageVerdict in
            if o.filterLoremIpsum && containsASCIICaseInsensitive(p, 0, p.count, Self.lorem) {
                return .drop(reason: "lorem_ipsum")
            }
            if o.filterCurlyBracket && p.contains(0x7B) {
                return .drop(reason: "curly_bracket")
            }
            if let minSentences = o.minNumSentences, minSentences > 0,
               Self.countSentences(p, upTo: minSentences) < minSentences {
                return .drop(reason: "too_few_sentences")
            }
            return .keep
        }
    }

    /// Sentences in `p` by the rule above, counting no further than `limit`.
    static func countSentences(_ p: UnsafeBufferPointer<UInt8>, upTo limit: Int = .max) -> Int {
        let n = p.count
        var count = 0
        var hasContent = false
        var i = 0
        while i < n && count < limit {
            let (v, len) = decodeScalar(p, i)
            if isTerminator(v) {
                var j = i + len
                while j < n {
                    let (u, l) = decodeScalar(p, j)
                    if isTerminator(u) || isCloser(u) { j += l } else { break }
                }
                let atBoundary: Bool
                if j >= n {
                    atBoundary = true
                } else {
                    let (u, _) = decodeScalar(p, j)
                    // CJK full stops need no following space.
                    atBoundary = isUnicodeWhitespace(u) || v >= 0x3000
                }
                if atBoundary {
                    if hasContent { count += 1 }
                    hasContent = false
                }
                i = j
                continue
            }
            if v == 0x0A {
                if hasContent { count += 1 }
                hasContent = false
            } else if !hasContent {
                if v < 0x80 {
                    hasContent = isASCIIAlnum(UInt8(v))
                } else if let s = Unicode.Scalar(v) {
                    hasContent = s.properties.isAlphabetic || s.properties.numericType != nil
                }
            }
            i += len
        }
        if hasContent && count < limit { count += 1 }
        return count
    }

    @inline(__always) static func isTerminator(_ v: UInt32) -> Bool {
        v == 0x2E || v == 0x21 || v == 0x3F || v == 0x2026 || v == 0x3002 || v == 0xFF01 || v == 0xFF1F
    }

    @inline(__always) static func isCloser(_ v: UInt32) -> Bool {
        v == 0x22 || v == 0x27 || v == 0x29 || v == 0x5D || v == 0x2019 || v == 0x201D || v == 0x300D || v == 0xFF09
    }
}
