import DomainForgeCore
import Segmentation

/// Drops documents outside a length range (`length`): `too_short` / `too_long`.
///
/// Characters are unicode scalars (Python's `len`), words are whitespace-separated runs (Python's
/// `len(text.split())`). Defaults: at least 200 characters, no other bound; `null` (or 0 for the minimums)
/// turns a bound off. Runs at byte-loop speed, so put it early to drop near-empty pages cheaply.
///
/// Other languages: words are counted with ICU's word segmenter (punctuation is not a word), and the bounds are
/// the language's (``LanguageRules``: `min_chars` 50 for zh and ja, 100 for ko; `languages:` overrides them).
public struct LengthFilter: LanguageAwareStage {
    public static let type = "length"
    public var name: String { Self.type }

    public struct Options: StageOptions {
        public var minChars: Int? = 200
        public var maxChars: Int? = nil
        public var minWords: Int? = nil
        public var maxWords: Int? = nil

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case minChars = "min_chars"
            case maxChars = "max_chars"
            case minWords = "min_words"
            case maxWords = "max_words"
        }

        public func validate() throws {
            for (v, key) in [(minChars, CodingKeys.minChars), (maxChars, .maxChars), (minWords, .minWords), (maxWords, .maxWords)] {
                try StageOptionError.nonNegative(v, key)
            }
        }
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Drop documents outside a length range (reasons too_short, too_long). Characters are Unicode scalars; words are whitespace-separated.", keys: Options.CodingKeys.self, [
        .integer(.minChars, min: 0, nullable: true, "Minimum characters; null or 0 turns it off."),
        .integer(.maxChars, min: 0, nullable: true, "Maximum characters; null (default) for no limit."),
        .integer(.minWords, min: 0, nullable: true, "Minimum words; null (default) or 0 for no limit."),
        .integer(.maxWords, min: 0, nullable: true, "Maximum words; null (default) for no limit."),
        .languages,
    ])

    public let options: Options
    /// The language of this variant (nil: whitespace-separated words).
    public let language: String?
    /// Variants by language, picked per document (see ``LanguageRouting``).
    public var languageStages: [String: LengthFilter] = [:]

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
        let o = options
        let byteCount = document.text.utf8.count
        // Scalar count is between bytes/4 and bytes: skip the scan when the answer is already known.
        if let minChars = o.minChars, minChars > 0, byteCount < minChars { return .drop(reason: "too_short") }
        let needChars = (o.minChars.map { $0 > 0 && byteCount / 4 < $0 } ?? false)
            || (o.maxChars.map { byteCount > $0 } ?? false)
        let needWords = (o.minWords ?? 0) > 0 || o.maxWords != nil
        if !needChars && !needWords { return .keep }
        let (chars, words) = document.text.withUTF8 { p -> (Int, Int) in
            (needChars ? scalarCount(p, 0, p.count) : 0, needWords ? wordCount(p) : 0)
        }
        if needChars {
            if let m = o.minChars, m > 0, chars < m { return .drop(reason: "too_short") }
            if let m = o.maxChars, chars > m { return .drop(reason: "too_long") }
        }
        if needWords {
            if let m = o.minWords, m > 0, words < m { return .drop(reason: "too_short") }
            if let m = o.maxWords, words > m { return .drop(reason: "too_long") }
        }
        return .keep
    }

    /// Words of `p`: whitespace-separated runs (English path) or ICU words.
    private func wordCount(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        guard language != nil else { return whitespaceWords(p, 0, p.count).count }
        var words = 0
        WordSegmenter.forEachSegment(p) { _, _, isWord in if isWord { words += 1 } }
        return words
    }
}
