import DomainForgeCore
import Segmentation

/// Gopher's repetition rules (`gopher_repetition`; Rae et al. 2021, table A1), computed as datatrove's
/// `GopherRepetitionFilter` does, in the same order and with the same drop reasons:
///
/// | rule (default) | reason |
/// |---|---|
/// | empty text | `empty` |
/// | duplicate paragraphs / paragraphs > `dup_para_frac` (0.30) | `dup_para_frac` |
/// | chars in duplicate paragraphs / chars > `dup_para_char_frac` (0.20) | `dup_para_char_frac` |
/// | duplicate lines / lines > `dup_line_frac` (0.30) | `dup_line_frac` |
/// | chars in duplicate lines / chars > `dup_line_char_frac` (0.20) | `dup_line_char_frac` |
/// | chars of the most frequent n-gram x its count / chars > `top_n_grams[n]` (2: 0.20, 3: 0.18, 4: 0.16) | `top_<n>_gram` |
/// | chars in duplicated n-grams / chars > `dup_n_grams[n]` (5: 0.15 ... 10: 0.10) | `duplicated_<n>_n_grams` |
///
/// Paragraphs are the stripped text split on runs of 2+ newlines, lines the text split on runs of newlines; a
/// duplicate is any occurrence after the first. Characters are unicode scalars. n-grams are over the word tokens
/// of `tokenizeWords`; a top n-gram's length counts the joining spaces, a duplicated n-gram's does not, and
/// duplicated n-grams are counted left to right, jumping past each duplicate (datatrove's `find_all_duplicate`).
/// Ties for the most frequent n-gram go to the one seen first (Python's `Counter.most_common`).
///
/// Efficiency: each word is hashed once (a mixed 64-bit hash); n-gram hashes come from a polynomial prefix hash
/// over the word hashes mod 2^64 (O(1) per n-gram for every n; with random word hashes its bits are uniform, so
/// no extra mixing), counted in an open-addressing table. Two different
/// n-grams with the same 64-bit hash would be taken as equal; the chance is negligible (~N²/2⁶⁴). When no n-gram
/// of size n repeats, no longer one can, so the remaining duplicated-n-gram passes are skipped; a top-n-gram pass is
/// skipped when the best count of a shorter n-gram times the longest n-gram cannot pass the threshold.
/// A `null` threshold turns its rule off; `top_n_grams` / `dup_n_grams` are objects from n (as a string key)
/// to the threshold, and `{}` turns that family off.
///
/// Other languages: n-grams are over ICU-segmented words and the thresholds are the language's
/// (``LanguageRules``, FineWeb-2 for zh, ja, ko; `languages:` overrides them).
public struct GopherRepetitionFilter: LanguageAwareStage {
    public static let type = "gopher_repetition"
    public var name: String { Self.type }

    public struct Options: StageOptions {
        public var dupLineFrac: Double? = 0.3
        public var dupParaFrac: Double? = 0.3
        public var dupLineCharFrac: Double? = 0.2
        public var dupParaCharFrac: Double? = 0.2
        public var topNGrams: [Int: Double] = [2: 0.2, 3: 0.18, 4: 0.16]
        public var dupNGrams: [Int: Double] = [5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10]

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case dupLineFrac = "dup_line_frac"
            case dupParaFrac = "dup_para_frac"
            case dupLineCharFrac = "dup_line_char_frac"
            case dupParaCharFrac = "dup_para_char_frac"
            case topNGrams = "top_n_grams"
            case dupNGrams = "dup_n_grams"
        }

        public func validate() throws {
            try StageOptionError.ratio(dupLineFrac, CodingKeys.dupLineFrac)
            try StageOptionError.ratio(dupParaFrac, CodingKeys.dupParaFrac)
            try StageOptionError.ratio(dupLineCharFrac, CodingKeys.dupLineCharFrac)
            try StageOptionError.ratio(dupParaCharFrac, CodingKeys.dupParaCharFrac)
            for (key, map) in [(CodingKeys.topNGrams, topNGrams), (.dupNGrams, dupNGrams)] {
                for (n, v) in map.sorted(by: { $0.key < $1.key }) {
                    try StageOptionError.require(n >= 1 && n <= 50, key, "keys must be n-gram sizes 1...50, got '\(n)'")
                    try StageOptionError.require(v >= 0 && v <= 1, key, "thresholds must be between 0 and 1, got \(v) for \(n)")
                }
            }
        }
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Gopher repetition rules as datatrove's GopherRepetitionFilter (reasons empty, dup_para_frac, dup_para_char_frac, dup_line_frac, dup_line_char_frac, top_<n>_gram, duplicated_<n>_n_grams). null turns a rule off.", keys: Options.CodingKeys.self, [
        .number(.dupLineFrac, min: 0, max: 1, nullable: true, "Maximum share of duplicate lines (dup_line_frac)."),
        .number(.dupParaFrac, min: 0, max: 1, nullable: true, "Maximum share of duplicate paragraphs (dup_para_frac)."),
        .number(.dupLineCharFrac, min: 0, max: 1, nullable: true, "Maximum share of characters in duplicate lines (dup_line_char_frac)."),
        .number(.dupParaCharFrac, min: 0, max: 1, nullable: true, "Maximum share of characters in duplicate paragraphs (dup_para_char_frac)."),
        .custom(.topNGrams, #"{"type": "object", "propertyNames": {"pattern": "^[1-9][0-9]?$"}, "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}}"#, "n-gram size -> maximum character share of the most frequent n-gram (top_<n>_gram); {} turns it off."),
        .custom(.dupNGrams, #"{"type": "object", "propertyNames": {"pattern": "^[1-9][0-9]?$"}, "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}}"#, "n-gram size -> maximum character share of duplicated n-grams (duplicated_<n>_n_grams); {} turns it off."),
        .languages,
    ])

    public let options: Options
    /// The language of this variant (nil: English rules and tokenizer).
    public let language: String?
    /// Variants by language, picked per document (see ``LanguageRouting``).
    public var languageStages: [String: GopherRepetitionFilter] = [:]
    private let topN: [(n: Int, frac: Double)]
    private let dupN: [(n: Int, frac: Double)]

    public init(options: Options = .init()) {
        self.init(options: options, language: nil)
    }

    /// A stage judging `language` documents with segmented words (nil: the English code path).
    public init(options: Options, language: String?) {
        self.options = options
        self.language = language
        topN = options.topNGrams.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        dupN = options.dupNGrams.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        if let variant = LanguageRouting.pick(languageStages, document) {
            return variant.process(&document, counters: &counters)
        }
        return document.text.withUTF8 { p in evaluate(p) }
    }

    func evaluate(_ p: UnsafeBufferPointer<UInt8>) -> StageVerdict {
        let o = options
        let totalChars = Double(scalarCount(p, 0, p.count))
        if totalChars == 0 { return .drop(reason: "empty") }
        if o.dupParaFrac != nil || o.dupParaCharFrac != nil {
            let segments = Self.paragraphs(p)
            let (dups, dupChars) = Self.duplicates(p, segments)
            if let f = o.dupParaFrac, Double(dups) / Double(segments.count) > f { return .drop(reason: "dup_para_frac") }
            if let f = o.dupParaCharFrac, Double(dupChars) / totalChars > f { return .drop(reason: "dup_para_char_frac") }
        }
        if o.dupLineFrac != nil || o.dupLineCharFrac != nil {
            let segments = Self.lines(p)
            let (dups, dupChars) = Self.duplicates(p, segments)
            if let f = o.dupLineFrac, Double(dups) / Double(segments.count) > f { return .drop(reason: "dup_line_frac") }
            if let f = o.dupLineCharFrac, Double(dupChars) / totalChars > f { return .drop(reason: "dup_line_char_frac") }
        }
        if topN.isEmpty && dupN.isEmpty { return .keep }
        return nGramVerdict(p, totalChars: totalChars)
    }

    /// Paragraphs: the stripped text split on \n{2,}.
    static func paragraphs(_ p: UnsafeBufferPointer<UInt8>) -> [(Int, Int)] {
        let (s, e) = trimASCIIWhitespace(p, 0, p.count)
        var segments = [(Int, Int)]()
        var start = s
        var i = s
        while let nl = nextNewline(p, from: i), nl < e {
            if nl + 1 < e && p[nl + 1] == 0x0A {
                segments.append((start, nl))
                var j = nl
                while j < e && p[j] == 0x0A { j += 1 }
                start = j
                i = j
            } else {
                i = nl + 1
            }
        }
        segments.append((start, e))
        return segments
    }

    /// Lines: the text split on \n+.
    static func lines(_ p: UnsafeBufferPointer<UInt8>) -> [(Int, Int)] {
        let n = p.count
        var segments = [(Int, Int)]()
        var start = 0
        while let i = nextNewline(p, from: start) {
            segments.append((start, i))
            var j = i
            while j < n && p[j] == 0x0A { j += 1 }
            start = j
        }
        segments.append((start, n))
        return segments
    }

    /// The multiplier of the rolling n-gram hashes (odd).
    static let base: UInt64 = 0x100_0000_01B3_0001

    /// `base` to the power `m` (wrapping).
    static func power(_ m: Int) -> UInt64 {
        var b: UInt64 = 1
        for _ in 0..<m { b = b &* base }
        return b
    }

    /// The n-gram rules (`top_n_grams`, then `dup_n_grams`) on the words of `p`.
    func nGramVerdict(_ p: UnsafeBufferPointer<UInt8>, totalChars: Double) -> StageVerdict {
        var tokens = [WordToken]()
        wordTokens(p, segmented: language != nil, into: &tokens)
        let count = tokens.count
        if count == 0 { return .keep }
        // Prefix sums of word hashes and lengths, for O(1) n-gram hashes and lengths.
        var prefixHash = [UInt64](repeating: 0, count: count + 1)
        var prefixLen = [Int32](repeating: 0, count: count + 1)
        prefixHash.withUnsafeMutableBufferPointer { ph in
            prefixLen.withUnsafeMutableBufferPointer { pl in
                tokens.withUnsafeBufferPointer { tk in
                    for k in 0..<count {
                        let t = tk[k]
                        ph[k + 1] = ph[k] &* Self.base &+ hashBytes(p, Int(t.start), Int(t.end))
                        pl[k + 1] = pl[k] + t.length
                    }
                }
            }
        }
        let table = HashCounter(capacity: count)
        return prefixHash.withUnsafeBufferPointer { ph in
            prefixLen.withUnsafeBufferPointer { pl -> StageVerdict in
                topNGramVerdict(ph, pl, count: count, totalChars: totalChars, table: table)
                    ?? dupNGramVerdict(ph, pl, count: count, totalChars: totalChars, table: table) ?? .keep
            }
        }
    }

    /// `top_<n>_gram`: the most frequent n-gram covers too many characters.
    func topNGramVerdict(_ ph: UnsafeBufferPointer<UInt64>, _ pl: UnsafeBufferPointer<Int32>, count: Int, totalChars: Double,
                         table: HashCounter) -> StageVerdict? {
        // An n-gram occurs at most as often as the most frequent shorter one (each occurrence starts with one of
        // it), so a pass can be skipped when that count times the longest n-gram cannot exceed the threshold.
        var countBound = Int.max
        for (m, frac) in topN {
            guard count >= m else { continue }
            if countBound != Int.max {
                var longest = 0
                for i in 0...(count - m) { longest = max(longest, Int(pl[i + m] - pl[i])) }
                if Double(countBound * (longest + m - 1)) / totalChars <= frac { continue }
            }
            table.reset()
            let bm = Self.power(m)
            var bestCount = 0
            var bestFirst = 0
            for i in 0...(count - m) {
                let h = ph[i + m] &- ph[i] &* bm
                let (c, slot) = table.add(h, index: i)
                if c >= bestCount {
                    let first = table.first(atSlot: slot)
                    if c > bestCount || first < bestFirst {
                        bestCount = c
                        bestFirst = first
                    }
                }
            }
            countBound = bestCount
            let gramChars = Int(pl[bestFirst + m] - pl[bestFirst]) + (m - 1)
            if Double(gramChars * bestCount) / totalChars > frac { return .drop(reason: "top_\(m)_gram") }
        }
        return nil
    }

    /// `duplicated_<n>_n_grams`: repeated n-grams cover too many characters.
    func dupNGramVerdict(_ ph: UnsafeBufferPointer<UInt64>, _ pl: UnsafeBufferPointer<Int32>, count: Int, totalChars: Double,
                         table: HashCounter) -> StageVerdict? {
        // If no n-gram repeats for some n, no longer one does either: the rest can be skipped.
        var noRepeatAt = Int.max
        for (m, frac) in dupN {
            guard count >= m, m < noRepeatAt else { continue }
            table.reset()
            let bm = Self.power(m)
            var repeated = 0
            var i = 0
            let last = count - m
            while i <= last {
                if table.insert(ph[i + m] &- ph[i] &* bm) {
                    i += 1
                } else {
                    repeated += Int(pl[i + m] - pl[i])
                    i += m
                }
            }
            if repeated == 0 { noRepeatAt = m }
            if Double(repeated) / totalChars > frac { return .drop(reason: "duplicated_\(m)_n_grams") }
        }
        return nil
    }

    /// Duplicate elements (occurrences after the first) and their total length in scalars.
    static func duplicates(_ p: UnsafeBufferPointer<UInt8>, _ segments: [(Int, Int)]) -> (Int, Int) {
        let table = HashCounter(capacity: segments.count)
        var dups = 0
        var chars = 0
        for (s, e) in segments where !table.insert(hashBytes(p, s, e)) {
            dups += 1
            chars += scalarCount(p, s, e)
        }
        return (dups, chars)
    }
}
