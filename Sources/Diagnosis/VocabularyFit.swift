import Segmentation
import Tokenization

/// How well the tokenizer fits the domain: fertility (tokens per word, or per character for scripts written without
/// spaces) on domain against general text, and the domain terms it fragments.
public struct VocabularyFit: Sendable, Equatable {
    /// One domain term: a word much more frequent in domain than in general text.
    public struct Term: Sendable, Equatable {
        public var text: String
        public var domainCount: Int
        public var generalCount: Int
        /// Tokens of the term as it appears after a space (or alone for spaceless scripts).
        public var pieces: Int

        public init(text: String, domainCount: Int, generalCount: Int, pieces: Int) {
            self.text = text; self.domainCount = domainCount; self.generalCount = generalCount; self.pieces = pieces
        }
    }

    public var domain: Fertility
    public var general: Fertility
    /// Domain terms, most frequent first.
    public var terms: [Term]
    /// Domain fertility after `tokenizer extend` with `extensionTokens` new tokens (nil when not measured).
    public var extendedDomain: Fertility?
    public var extensionTokens = 0

    /// domain fertility / general fertility (0 when general has no tokens).
    public var fertilityRatio: Double { general.value > 0 ? domain.value / general.value : 0 }
    /// Share of domain terms split into 3 or more tokens.
    public var fragmentedShare: Double {
        terms.isEmpty ? 0 : Double(terms.filter { $0.pieces >= 3 }.count) / Double(terms.count)
    }
    /// The terms split into the most pieces (most pieces first, then most frequent).
    public func mostFragmented(_ n: Int) -> [Term] {
        Array(terms.sorted { ($0.pieces, $0.domainCount, $1.text) > ($1.pieces, $1.domainCount, $0.text) }.prefix(n))
    }
    /// Share of domain tokens `tokenizer extend` would save (nil when not measured).
    public var extensionSaving: Double? {
        guard let e = extendedDomain, domain.tokens > 0 else { return nil }
        return Double(domain.tokens - e.tokens) / Double(domain.tokens)
    }

    /// Options of the term search.
    public struct Options: Sendable {
        /// A term occurs at least this often in the domain sample.
        public var minCount = 5
        /// Its frequency per million words in domain is at least this many times that in general (add-one smoothed).
        public var minRatio = 5.0
        /// At least this many letters (spaced scripts) or characters (spaceless scripts: 2).
        public var minLetters = 4
        /// At most this many terms kept.
        public var maxTerms = 500
        /// New tokens for the `tokenizer extend` estimate (0: skip it).
        public var extensionTokens = 200
        public init() {}
    }

    /// Measures `tok` on the domain and general texts.
    public static func measure(_ tok: BPETokenizer, domain: [String], general: [String], options o: Options = Options()) -> VocabularyFit {
        let dCounts = wordCounts(domain), gCounts = wordCounts(general)
        let dTotal = Double(max(1, dCounts.values.reduce(0, +))), gTotal = Double(max(1, gCounts.values.reduce(0, +)))
        var terms = [Term]()
        for (w, c) in dCounts where c >= o.minCount && isTermShaped(w, minLetters: o.minLetters) {
            let g = gCounts[w] ?? 0
            let ratio = (Double(c) / dTotal) / (Double(g + 1) / gTotal)
            guard ratio >= o.minRatio else { continue }
            let spaced = !w.unicodeScalars.contains { WordSegmenter.isSpaceless($0.value) }
            let pieces = tok.encode(spaced ? " " + w : w, addSpecialTokens: false, splitSpecialTokens: true).count
            terms.append(Term(text: w, domainCount: c, generalCount: g, pieces: pieces))
        }
        terms.sort { ($0.domainCount, $1.text) > ($1.domainCount, $0.text) }
        var fit = VocabularyFit(domain: VocabularyExtender.fertility(tok, domain), general: VocabularyExtender.fertility(tok, general),
                                terms: Array(terms.prefix(o.maxTerms)))
        if o.extensionTokens > 0 {
            var eo = VocabularyExtensionOptions()
            eo.maxNewTokens = o.extensionTokens
            eo.minFrequency = o.minCount
            if let (_, report) = try? VocabularyExtender.extend(base: tok, domain: domain, general: general, options: eo) {
                fit.extendedDomain = report.domainAfter
                fit.extensionTokens = report.newTokens.count
            }
        }
        return fit
    }

    /// Word counts over `texts` (ICU words, so Chinese and Japanese are segmented into words).
    static func wordCounts(_ texts: [String]) -> [String: Int] {
        var counts = [String: Int]()
        for t in texts { for w in WordSegmenter.words(of: t) { counts[w, default: 0] += 1 } }
        return counts
    }

    /// Letters only (hyphens allowed inside), with enough letters; spaceless-script words need 2 characters.
    static func isTermShaped(_ w: String, minLetters: Int) -> Bool {
        let scalars = Array(w.unicodeScalars)
        if scalars.contains(where: { WordSegmenter.isSpaceless($0.value) }) { return scalars.count >= 2 }
        guard scalars.allSatisfy({ $0.properties.isAlphabetic || $0 == "-" }) else { return false }
        return scalars.filter { $0.properties.isAlphabetic }.count >= minLetters
    }
}
