import DomainForgeCore

/// What `decontaminate` found in one document: its word count, the words covered by matches, the eval items
/// matched, and the merged byte ranges from the first to the last word of each match.
public struct Contamination: Sendable, Equatable {
    public var totalWords: Int
    public var coveredWords: Int
    /// Item numbers, sorted, each once.
    public var items: [Int32]
    /// Byte ranges of the matches in the text, merged, in order.
    public var ranges: [Range<Int>]
}

/// The matching half of `decontaminate`, run on worker threads: rolls hashes of word n-grams over a document and
/// looks them up in the eval items' n-grams (a bit filter first).
public struct ContaminationMatcher: OrderedPreparer {
    /// gram hash (salted by its length) → item number
    let grams: [UInt64: Int32]
    let lengths: [Int]
    /// rollBase^L for each of `lengths`
    let powers: [UInt64]
    let filter: KeyFilter
    /// How a document is split into words (ICU words or characters for unspaced languages).
    let words: DedupWords

    init(grams: [UInt64: Int32], lengths: [Int], words: DedupWords) {
        self.grams = grams
        self.lengths = lengths
        self.words = words
        powers = lengths.map { L in (0..<L).reduce(UInt64(1)) { p, _ in p &* TextKit.rollBase } }
        var bits = 16
        while (1 << bits) < grams.count * 16 && bits < 30 { bits += 1 }
        var f = KeyFilter(log2Bits: bits)
        for k in grams.keys { f.insert(k) }
        filter = f
    }

    /// The matches in `document`, or nil when it is clean.
    public func prepare(_ document: Document) -> Contamination? {
        if grams.isEmpty { return nil }
        var hashes = [UInt64](), starts = [Int](), ends = [Int]()
        var t = document.text
        let unspaced = DedupWords.isUnspaced(document)
        t.withUTF8 { p in
            words.scan(p, unspaced: unspaced) { s, e, h in hashes.append(h); starts.append(s); ends.append(e) }
        }
        let hits = matches(hashes)
        if hits.isEmpty { return nil }
        var itemSet = Set<Int32>()
        var ranges: [(Int, Int)] = [] // word ranges, merged
        for (a, b, item) in hits {
            itemSet.insert(item)
            if let last = ranges.last, a <= last.1 + 1 { ranges[ranges.count - 1].1 = max(last.1, b) } else { ranges.append((a, b)) }
        }
        return Contamination(totalWords: hashes.count, coveredWords: ranges.reduce(0) { $0 + $1.1 - $1.0 + 1 },
                             items: itemSet.sorted(), ranges: ranges.map { starts[$0.0]..<ends[$0.1] })
    }

    /// Every n-gram of the word hashes found in an eval item: (first word, last word, item), by first word.
    func matches(_ hashes: [UInt64]) -> [(Int, Int, Int32)] {
        var hits: [(Int, Int, Int32)] = []
        let n = hashes.count
        var prefix = [UInt64](repeating: 0, count: n + 1)
        for k in 0..<n { prefix[k + 1] = prefix[k] &* TextKit.rollBase &+ hashes[k] }
        prefix.withUnsafeBufferPointer { P in
            for (li, L) in lengths.enumerated() where n >= L {
                let pw = powers[li]
                for i in 0...(n - L) {
                    let h = TextKit.finishGram(P[i + L] &- P[i] &* pw, L)
                    if filter.mayContain(h), let item = grams[h] { hits.append((i, i + L - 1, item)) }
                }
            }
        }
        hits.sort { $0.0 < $1.0 }
        return hits
    }
}
