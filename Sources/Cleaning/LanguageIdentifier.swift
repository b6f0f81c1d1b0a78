import Foundation

/// Tells the language of a text with a `LanguageModel`: multinomial naive Bayes over byte 1–4-grams
/// (uniform prior), in the manner of langid.py (Lui & Baldwin 2012).
///
/// - The label is the language with the highest log-likelihood. `zh` becomes `zh-Hant` when the text has more
///   Traditional-only than Simplified-only Han characters (the model's two character sets).
/// - The score (0...1) is the softmax of the log-likelihoods divided by √(number of n-grams matched), so long
///   single-language text scores near 1 while short or mixed text scores lower.
/// - Text with fewer than `minLetters` letters (digits, punctuation, symbols only) is `und` with score 0.
/// - The script with the most letters is looked at first (``WritingScript``). When none of the model's languages is
///   written in it, the model's answer would be a guess: a script one language writes in settles it on its own
///   (Hangul `ko`, Greek `el`, Thai `th`, Hebrew `he`, Georgian `ka`, ...; the score is that script's share of the
///   letters), and any other (Arabic, Devanagari, ...) gives `und` with score 0.
/// - An answer with no letter of its scripts in the text is replaced by the one-language script outside the model
///   with the most letters (Korean with Latin-letter commands), else `und`.
/// - A Latin- or Cyrillic-script answer whose alphabet (``LanguageAlphabet``) lacks letters the text keeps using
///   (at least 2 and 0.5% of that script's letters) is `und`: the text is in a language the model does not know.
///
/// Immutable and `Sendable`: one instance serves every worker thread.
public struct LanguageIdentifier: Sendable {
    /// What `identify` found.
    public struct Result: Sendable, Equatable {
        /// ISO 639-1 code, `zh-Hant`, or `und`.
        public var language: String
        /// Confidence in 0...1 (0 for `und`).
        public var score: Double
    }

    /// The label for text where no language can be told.
    public static let undetermined = "und"
    /// Fewer letters than this gives `und`.
    public static let minLetters = 2

    public let model: LanguageModel
    private let lanes: Int
    private let table: FeatureTable
    private let vectorRows: [SIMD16<Int16>]
    /// The feature row (or `table.none`) of every unigram and bigram, by its folded bytes: read directly instead of
    /// hashing and probing `table`, half of all look-ups (the table and rows do not fit the L2 cache together).
    private let unigramRows: [UInt16]
    private let bigramRows: [UInt16]
    private let traditional: ScalarSet
    private let simplified: ScalarSet
    /// The scripts the model's languages are written in.
    private let modelScripts: Set<WritingScript>
    /// The scripts of each model language (``WritingScript/scripts(of:)``), looked up once.
    private let languageScripts: [Set<WritingScript>]
    /// The one-language scripts none of the model's languages is written in.
    private let scriptsOutsideModel: [WritingScript]
    /// The alphabet of each model language that ``LanguageAlphabet`` knows.
    private let alphabets: [Set<UInt32>?]

    /// Prepares lookup tables for `model`.
    public init(model: LanguageModel) {
        self.model = model
        lanes = model.languages.count
        table = FeatureTable(model.features)
        vectorRows = model.languages.count <= 16 ? Self.padded(model.weights, lanes: model.languages.count) : []
        traditional = ScalarSet(model.traditionalOnly)
        simplified = ScalarSet(model.simplifiedOnly)
        languageScripts = model.languages.map(WritingScript.scripts(of:))
        let modelScripts = languageScripts.reduce(into: Set()) { $0.formUnion($1) }
        self.modelScripts = modelScripts
        scriptsOutsideModel = WritingScript.allCases.filter { $0.soleLanguage != nil && !modelScripts.contains($0) }
        alphabets = model.languages.map(LanguageAlphabet.letters(of:))
        (unigramRows, bigramRows) = Self.shortGramRows(table, bits: model.bucketBits,
                                                       direct: model.languages.count <= 16 && model.features.count < 0xFFFF)
    }

    /// The rows of all 256 unigrams and 65,536 bigrams (empty unless `direct`: the vector path reads them).
    static func shortGramRows(_ table: FeatureTable, bits: Int, direct: Bool) -> ([UInt16], [UInt16]) {
        guard direct else { return ([], []) }
        let shift = UInt64(64 - bits)
        return table.withLookup { lookup in
            ((0..<256).map { UInt16(lookup(ByteNGrams.bucket(of: UInt64($0), order: 1, shift))) },
             (0..<65_536).map { UInt16(lookup(ByteNGrams.bucket(of: UInt64($0), order: 2, shift))) })
        }
    }

    /// Weight rows padded to 16 lanes (padding lanes are 0 and never read), plus a zero row for "no feature".
    static func padded(_ weights: [Int16], lanes: Int) -> [SIMD16<Int16>] {
        stride(from: 0, to: weights.count, by: lanes).map { start in
            var v = SIMD16<Int16>.zero
            for l in 0..<lanes { v[l] = weights[start + l] }
            return v
        } + [.zero]
    }

    /// The language and score of `text`.
    public func identify(_ text: String) -> Result {
        var copy = text
        return copy.withUTF8 { identify(bytes: $0) }
    }

    /// The language and score of UTF-8 `bytes`.
    public func identify(bytes: UnsafeBufferPointer<UInt8>) -> Result {
        guard Self.hasLetters(bytes, atLeast: Self.minLetters) else { return Result(language: Self.undetermined, score: 0) }
        let tally = WritingScript.tally(bytes)
        if let (script, share) = tally.main, !modelScripts.contains(script) {
            guard let language = script.soleLanguage else { return Result(language: Self.undetermined, score: 0) }
            return Result(language: language, score: share)
        }
        let (sums, hits) = logLikelihoods(bytes)
        guard hits > 0 else { return Result(language: Self.undetermined, score: 0) }
        var best = 0
        for l in 1..<lanes where sums[l] > sums[best] { best = l }
        let score = posterior(sums, best: best, hits: hits)
        var label = model.languages[best]
        if !languageScripts[best].contains(where: { tally.scripts[$0.rawValue] > 0 }) {
            return scriptOnlyAnswer(tally)
        }
        if writesOtherLetters(tally, best) { return Result(language: Self.undetermined, score: 0) }
        if label == "zh", prefersTraditional(bytes) { label = "zh-Hant" }
        return Result(language: label, score: score)
    }

    /// The answer when the model's choice has no letter of its scripts in the text (Korean lines whose commands
    /// in Latin letters outnumber the Hangul came out as `zh`): the one-language script outside the model with the
    /// most letters, with its share, else `und`.
    func scriptOnlyAnswer(_ tally: WritingScript.Tally) -> Result {
        guard let script = scriptsOutsideModel.max(by: { tally.scripts[$0.rawValue] < tally.scripts[$1.rawValue] }),
              tally.scripts[script.rawValue] > 0, let language = script.soleLanguage else {
            return Result(language: Self.undetermined, score: 0)
        }
        return Result(language: language, score: Double(tally.scripts[script.rawValue]) / Double(max(tally.letters, 1)))
    }

    /// Whether the text keeps using letters outside the alphabet of the model's language `index` (see
    /// ``LanguageAlphabet``): then it is in a language the model does not know.
    func writesOtherLetters(_ tally: WritingScript.Tally, _ index: Int) -> Bool {
        guard let alphabet = alphabets[index], let script = languageScripts[index].first,
              script == .latin || script == .cyrillic else { return false }
        let outside = tally.lettersOutside(alphabet, in: script)
        guard outside >= LanguageAlphabet.minOutside,
              Double(outside) >= LanguageAlphabet.maxOutsideShare * Double(tally.scripts[script.rawValue]) else { return false }
        return LanguageAlphabet.wordsOutside(tally.text, alphabet, script, atLeast: LanguageAlphabet.minWordsOutside)
    }

    /// Summed scaled log-probabilities per language and the number of n-grams that hit a model feature.
    func logLikelihoods(_ bytes: UnsafeBufferPointer<UInt8>) -> ([Int64], Int) {
        lanes <= 16 ? vectorLogLikelihoods(bytes) : scalarLogLikelihoods(bytes)
    }

    /// Up to 16 languages: one SIMD add per n-gram (a bucket outside the model adds the zero row at index F),
    /// flushed to 64-bit sums before 32-bit lanes could overflow.
    func vectorLogLikelihoods(_ bytes: UnsafeBufferPointer<UInt8>) -> ([Int64], Int) {
        var totals = SIMD16<Int64>.zero
        var acc = SIMD16<Int32>.zero
        var hits = 0, pending = 0
        let none = table.none
        let shift = UInt64(64 - model.bucketBits)
        table.withLookup { lookup in
            vectorRows.withUnsafeBufferPointer { w in
                unigramRows.withUnsafeBufferPointer { one in
                    bigramRows.withUnsafeBufferPointer { two in
                        @inline(__always) func add(_ row: Int) {
                            let v = w[row]
                            acc &+= SIMD16<Int32>(Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]),
                                                  Int32(v[5]), Int32(v[6]), Int32(v[7]), Int32(v[8]), Int32(v[9]),
                                                  Int32(v[10]), Int32(v[11]), Int32(v[12]), Int32(v[13]), Int32(v[14]),
                                                  Int32(v[15]))
                            hits &+= row == none ? 0 : 1
                        }
                        ByteNGrams.forEachWindow(bytes) { i, window in
                            add(Int(one[Int(window & 0xFF)]))
                            if i >= 1 { add(Int(two[Int(window & 0xFFFF)])) }
                            if i >= 2 { add(lookup(ByteNGrams.bucket(of: window, order: 3, shift))) }
                            if i >= 3 { add(lookup(ByteNGrams.bucket(of: window, order: 4, shift))) }
                            // Four adds of at most 2^15 each per byte: flush before 32-bit lanes could overflow.
                            pending &+= 4
                            if pending >= 1 << 15 {
                                totals &+= SIMD16<Int64>(truncatingIfNeeded: acc)
                                acc = .zero
                                pending = 0
                            }
                        }
                    }
                }
            }
        }
        totals &+= SIMD16<Int64>(truncatingIfNeeded: acc)
        return ((0..<lanes).map { totals[$0] }, hits)
    }

    /// Any number of languages, one add per language and n-gram.
    func scalarLogLikelihoods(_ bytes: UnsafeBufferPointer<UInt8>) -> ([Int64], Int) {
        var sums = [Int64](repeating: 0, count: lanes)
        var hits = 0
        let lanes = self.lanes, none = table.none
        table.withLookup { lookup in
            model.weights.withUnsafeBufferPointer { w in
                sums.withUnsafeMutableBufferPointer { acc in
                    ByteNGrams.forEach(bytes, bits: model.bucketBits) { bucket in
                        let row = lookup(bucket)
                        if row == none { return }
                        hits += 1
                        let base = row * lanes
                        for l in 0..<lanes { acc[l] &+= Int64(w[base + l]) }
                    }
                }
            }
        }
        return (sums, hits)
    }

    /// Softmax of the log-likelihoods divided by √hits, at the winning language.
    func posterior(_ sums: [Int64], best: Int, hits: Int) -> Double {
        let scale = 1 / (LanguageModel.weightScale * Double(hits).squareRoot())
        let top = Double(sums[best])
        var total = 0.0
        for s in sums { total += exp((Double(s) - top) * scale) }
        return 1 / total
    }

    /// Whether Traditional-only Han characters outnumber Simplified-only ones.
    func prefersTraditional(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var t = 0, s = 0, i = 0
        while i < bytes.count {
            guard bytes[i] >= 0xE0 else { i += 1; continue }
            let (scalar, length) = Self.decodeScalar(bytes, at: i)
            i += length
            if traditional.contains(scalar.value) { t += 1 } else if simplified.contains(scalar.value) { s += 1 }
        }
        return t > s
    }

    /// Whether `bytes` hold at least `n` letters (any non-ASCII scalar that is alphabetic counts).
    static func hasLetters(_ bytes: UnsafeBufferPointer<UInt8>, atLeast n: Int) -> Bool {
        var count = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                if (b | 0x20) &- 97 < 26 { count += 1 }
                i += 1
            } else {
                let (scalar, length) = Self.decodeScalar(bytes, at: i)
                if scalar.properties.isAlphabetic { count += 1 }
                i += length
            }
            if count >= n { return true }
        }
        return false
    }

    /// The scalar starting at `i` (U+FFFD for a bad sequence) and its byte length.
    static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int) {
        let lead = bytes[i]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        guard length > 1, i + length <= bytes.count else { return ("\u{FFFD}", 1) }
        var value = UInt32(lead) & (0x7F >> UInt32(length))
        for k in 1..<length {
            let b = bytes[i + k]
            guard b & 0xC0 == 0x80 else { return ("\u{FFFD}", 1) }
            value = value << 6 | UInt32(b & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }
}
