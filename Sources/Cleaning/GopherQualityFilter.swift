import DomainForgeCore
import Segmentation

/// Gopher's quality rules (`gopher_quality`; Rae et al. 2021, table A1), computed as datatrove's
/// `GopherQualityFilter` does, in the same order and with the same drop reasons:
///
/// | rule (default) | reason |
/// |---|---|
/// | non-symbol words < `min_doc_words` (50) | `gopher_short_doc` |
/// | non-symbol words > `max_doc_words` (100,000) | `gopher_long_doc` |
/// | mean non-symbol word length < `min_avg_word_length` (3) | `gopher_below_avg_threshold` |
/// | mean non-symbol word length > `max_avg_word_length` (10) | `gopher_above_avg_threshold` |
/// | `#` count / words > `max_symbol_word_ratio` (0.1) | `gopher_too_many_hashes` |
/// | (`...` + `…`) count / words > `max_symbol_word_ratio` | `gopher_too_many_ellipsis` |
/// | lines starting with `•` or `-` / lines > `max_bullet_lines_ratio` (0.9) | `gopher_too_many_bullets` |
/// | lines ending with `...` or `…` / lines > `max_ellipsis_lines_ratio` (0.3) | `gopher_too_many_end_ellipsis` |
/// | words with a letter / words < `min_alpha_words_ratio` (0.8; datatrove's `max_non_alpha_words_ratio`) | `gopher_below_alpha_threshold` |
/// | words equal to one of `stop_words` < `min_stop_words` (2) | `gopher_enough_stop_words` |
///
/// Words come from the tokenizer described at `tokenizeWords` (NLTK-like: edge punctuation becomes separate
/// tokens, which count as words in the ratios, as in datatrove); a "symbol word" is a token made only of
/// punctuation/symbols. Stop words match exactly (case-sensitive, as datatrove: "The" is not "the").
/// Any threshold set to `null` (or 0) is off.
///
/// Other languages: a document whose language is not English (`metadata.language`, or a CJK script share) is
/// judged with words from ICU's word segmenter and that language's rules (``LanguageRules``: FineWeb-2's
/// thresholds and stop words for zh, ja, ko; `languages:` overrides them), so Chinese is not one long "word".
public struct GopherQualityFilter: LanguageAwareStage {
    public static let type = "gopher_quality"
    public var name: String { Self.type }

    public static let defaultStopWords = ["the", "be", "to", "of", "and", "that", "have", "with"]

    public struct Options: StageOptions {
        public var minDocWords: Int? = 50
        public var maxDocWords: Int? = 100_000
        public var minAvgWordLength: Double? = 3
        public var maxAvgWordLength: Double? = 10
        public var maxSymbolWordRatio: Double? = 0.1
        public var maxBulletLinesRatio: Double? = 0.9
        public var maxEllipsisLinesRatio: Double? = 0.3
        public var minAlphaWordsRatio: Double? = 0.8
        public var minStopWords: Int? = 2
        public var stopWords: [String] = GopherQualityFilter.defaultStopWords

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case minDocWords = "min_doc_words"
            case maxDocWords = "max_doc_words"
            case minAvgWordLength = "min_avg_word_length"
            case maxAvgWordLength = "max_avg_word_length"
            case maxSymbolWordRatio = "max_symbol_word_ratio"
            case maxBulletLinesRatio = "max_bullet_lines_ratio"
            case maxEllipsisLinesRatio = "max_ellipsis_lines_ratio"
            case minAlphaWordsRatio = "min_alpha_words_ratio"
            case minStopWords = "min_stop_words"
            case stopWords = "stop_words"
        }

        public func validate() throws {
            try StageOptionError.nonNegative(minDocWords, CodingKeys.minDocWords)
            try StageOptionError.nonNegative(maxDocWords, CodingKeys.maxDocWords)
            try StageOptionError.nonNegative(minAvgWordLength, CodingKeys.minAvgWordLength)
            try StageOptionError.nonNegative(maxAvgWordLength, CodingKeys.maxAvgWordLength)
            try StageOptionError.nonNegative(maxSymbolWordRatio, CodingKeys.maxSymbolWordRatio)
            try StageOptionError.ratio(maxBulletLinesRatio, CodingKeys.maxBulletLinesRatio)
            try StageOptionError.ratio(maxEllipsisLinesRatio, CodingKeys.maxEllipsisLinesRatio)
            try StageOptionError.ratio(minAlphaWordsRatio, CodingKeys.minAlphaWordsRatio)
            try StageOptionError.nonNegative(minStopWords, CodingKeys.minStopWords)
        }
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Gopher quality rules as datatrove's GopherQualityFilter (reasons gopher_short_doc, gopher_long_doc, gopher_below_avg_threshold, gopher_above_avg_threshold, gopher_too_many_hashes, gopher_too_many_ellipsis, gopher_too_many_bullets, gopher_too_many_end_ellipsis, gopher_below_alpha_threshold, gopher_enough_stop_words). null turns a rule off. English rules: text without spaces (Chinese, Japanese, Thai) fails them.", keys: Options.CodingKeys.self, [
        .integer(.minDocWords, min: 0, nullable: true, "Minimum non-symbol words (gopher_short_doc)."),
        .integer(.maxDocWords, min: 0, nullable: true, "Maximum non-symbol words (gopher_long_doc)."),
        .number(.minAvgWordLength, min: 0, nullable: true, "Minimum mean length of non-symbol words (gopher_below_avg_threshold)."),
        .number(.maxAvgWordLength, min: 0, nullable: true, "Maximum mean length of non-symbol words (gopher_above_avg_threshold)."),
        .number(.maxSymbolWordRatio, min: 0, nullable: true, "Maximum '#' count / words and ('...' + '…') count / words (gopher_too_many_hashes, gopher_too_many_ellipsis)."),
        .number(.maxBulletLinesRatio, min: 0, max: 1, nullable: true, "Maximum share of lines starting with '•' or '-' (gopher_too_many_bullets)."),
        .number(.maxEllipsisLinesRatio, min: 0, max: 1, nullable: true, "Maximum share of lines ending with '...' or '…' (gopher_too_many_end_ellipsis)."),
        .number(.minAlphaWordsRatio, min: 0, max: 1, nullable: true, "Minimum share of words with an alphabetic character (gopher_below_alpha_threshold; datatrove's max_non_alpha_words_ratio)."),
        .integer(.minStopWords, min: 0, nullable: true, "Minimum number of words that are stop words (gopher_enough_stop_words); case-sensitive."),
        .custom(.stopWords, #"{"type": "array", "items": {"type": "string"}}"#, "Stop words for min_stop_words."),
        .languages,
    ])

    public let options: Options
    /// The language of this variant (nil: English rules and tokenizer).
    public let language: String?
    /// Variants by language, picked per document (see ``LanguageRouting``).
    public var languageStages: [String: GopherQualityFilter] = [:]
    private let stopWordBytes: [[UInt8]]
    private let maxStopWordLength: Int

    public init(options: Options = .init()) {
        self.init(options: options, language: nil)
    }

    /// A stage judging `language` documents with segmented words (nil: the English code path).
    public init(options: Options, language: String?) {
        self.options = options
        self.language = language
        self.stopWordBytes = Array(Set(options.stopWords)).sorted().map { Array($0.utf8) }
        self.maxStopWordLength = stopWordBytes.map(\.count).max() ?? 0
    }

    public func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        if let variant = LanguageRouting.pick(languageStages, document) {
            return variant.process(&document, counters: &counters)
        }
        let segmented = language != nil
        return document.text.withUTF8 { p in
            var tokens = [WordToken]()
            wordTokens(p, segmented: segmented, into: &tokens)
            return evaluate(p, tokens)
        }
    }

    func evaluate(_ p: UnsafeBufferPointer<UInt8>, _ tokens: [WordToken]) -> StageVerdict {
        let o = options
        let nWords = tokens.count
        var nonSymbol = 0
        var nonSymbolLength = 0
        var alpha = 0
        for t in tokens where !t.isSymbol {
            nonSymbol += 1
            nonSymbolLength += Int(t.length)
            if t.hasAlpha { alpha += 1 }
        }
        if let m = o.minDocWords, m > 0, nonSymbol < m { return .drop(reason: "gopher_short_doc") }
        if let m = o.maxDocWords, m > 0, nonSymbol > m { return .drop(reason: "gopher_long_doc") }
        if nonSymbol > 0 {
            let mean = Double(nonSymbolLength) / Double(nonSymbol)
            if let m = o.minAvgWordLength, m > 0, mean < m { return .drop(reason: "gopher_below_avg_threshold") }
            if let m = o.maxAvgWordLength, m > 0, mean > m { return .drop(reason: "gopher_above_avg_threshold") }
        }
        if nWords > 0, let ratio = o.maxSymbolWordRatio, ratio > 0 {
            let (hashes, ellipses) = Self.hashesAndEllipses(p)
            if Double(hashes) / Double(nWords) > ratio { return .drop(reason: "gopher_too_many_hashes") }
            if Double(ellipses) / Double(nWords) > ratio { return .drop(reason: "gopher_too_many_ellipsis") }
        }
        let bulletRatio = o.maxBulletLinesRatio ?? 0
        let ellipsisRatio = o.maxEllipsisLinesRatio ?? 0
        if bulletRatio > 0 || ellipsisRatio > 0 {
            let (lines, bullets, ellipsisLines) = Self.bulletAndEllipsisLines(p)
            if lines > 0 {
                if bulletRatio > 0 && Double(bullets) / Double(lines) > bulletRatio {
                    return .drop(reason: "gopher_too_many_bullets")
                }
                if ellipsisRatio > 0 && Double(ellipsisLines) / Double(lines) > ellipsisRatio {
                    return .drop(reason: "gopher_too_many_end_ellipsis")
                }
            }
        }
        if nWords > 0, let m = o.minAlphaWordsRatio, m > 0, Double(alpha) / Double(nWords) < m {
            return .drop(reason: "gopher_below_alpha_threshold")
        }
        if let m = o.minStopWords, m > 0, stopWords(p, tokens, upTo: m) < m { return .drop(reason: "gopher_enough_stop_words") }
        return .keep
    }

    /// Stop words among the non-symbol tokens, counted up to `limit`.
    func stopWords(_ p: UnsafeBufferPointer<UInt8>, _ tokens: [WordToken], upTo limit: Int) -> Int {
        var found = 0
        for t in tokens where !t.isSymbol {
            let len = Int(t.end - t.start)
            guard len <= maxStopWordLength else { continue }
            for sw in stopWordBytes where sw.count == len {
                var equal = true
                for k in 0..<len where p[Int(t.start) + k] != sw[k] { equal = false; break }
                if equal { found += 1; break }
            }
            if found >= limit { break }
        }
        return found
    }

    /// `#` characters and ellipses (`...` or U+2026) in the text.
    static func hashesAndEllipses(_ p: UnsafeBufferPointer<UInt8>) -> (hashes: Int, ellipses: Int) {
        let n = p.count
        var hashes = 0, ellipses = 0
        var i = 0
        while i < n {
            let b = p[i]
            if b == 0x23 {
                hashes += 1
            } else if b == 0x2E {
                if i + 2 < n && p[i + 1] == 0x2E && p[i + 2] == 0x2E { ellipses += 1; i += 3; continue }
            } else if b == 0xE2 && i + 2 < n && p[i + 1] == 0x80 && p[i + 2] == 0xA6 {  // U+2026
                ellipses += 1
            }
            i += 1
        }
        return (hashes, ellipses)
    }

    /// Lines (as Python's splitlines(): no final empty line after a trailing newline), lines starting with a bullet
    /// (`-` or U+2022), and lines ending with an ellipsis.
    static func bulletAndEllipsisLines(_ p: UnsafeBufferPointer<UInt8>) -> (lines: Int, bullets: Int, ellipsisLines: Int) {
        let n = p.count
        var lines = 0, bullets = 0, ellipsisLines = 0
        forEachLine(p) { ls, le in
            if le == n && ls == n && n > 0 { return }
            if n == 0 { return }
            lines += 1
            let (s, e) = trimASCIIWhitespace(p, ls, le)
            if s < e {
                if p[s] == 0x2D || (e - s >= 3 && p[s] == 0xE2 && p[s + 1] == 0x80 && p[s + 2] == 0xA2) {
                    bullets += 1
                }
                if (e - s >= 3 && p[e - 1] == 0x2E && p[e - 2] == 0x2E && p[e - 3] == 0x2E)
                    || (e - s >= 3 && p[e - 3] == 0xE2 && p[e - 2] == 0x80 && p[e - 1] == 0xA6) {
                    ellipsisLines += 1
                }
            }
        }
        return (lines, bullets, ellipsisLines)
    }
}
