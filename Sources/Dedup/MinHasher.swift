import DomainForgeCore

/// What `minhash_dedup` computes for one document: its MinHash signature, the band keys, and (with
/// `verify_jaccard`) its shingles as sorted distinct 32-bit hashes.
public struct MinHashSignature: Sendable, Equatable {
    /// `bands × rows` minimum hash values.
    public var values: [UInt64]
    /// One 64-bit key per band (a hash of its `rows` values, mixed with the language partition).
    public var bandKeys: [UInt64]
    /// Sorted distinct upper halves of the shingle hashes; empty unless `verify_jaccard`.
    public var shingles: [UInt32]
}

/// The algorithm half of `minhash_dedup` (shingles, signatures, band keys, similarities), with no state: it runs on
/// worker threads. See `MinHashDedupStage` for the definitions.
public struct MinHasher: OrderedPreparer {
    let ngram: Int
    let bands: Int
    let rows: Int
    let verifyJaccard: Bool
    let partitionByLanguage: Bool
    /// The tokens of a document's shingles (ICU words or characters for Chinese and Japanese, see `DedupWords`).
    let words: DedupWords
    /// Converts the text the key is computed from (`chinese`); nil for `none`.
    let keyConverter: ChineseConverter?
    let permA: [UInt64]
    let permB: [UInt64]

    init(options: MinHashDedupStage.Options, keyConverter: ChineseConverter?) {
        ngram = options.ngram
        bands = options.bands
        rows = options.rows
        verifyJaccard = options.verifyJaccard
        partitionByLanguage = options.partitionByLanguage
        words = DedupWords(cjk: options.cjkShingle, ngram: options.ngram, cjkCharNgram: options.cjkCharNgram)
        self.keyConverter = keyConverter
        var s = UInt64(truncatingIfNeeded: options.seed) &* 0x9E3779B97F4A7C15 &+ 0x1234567
        var a = [UInt64](), b = [UInt64]()
        for _ in 0..<(bands * rows) {
            s = s &+ 0x9E3779B97F4A7C15; a.append(TextKit.mix64(s) | 1)
            s = s &+ 0x9E3779B97F4A7C15; b.append(TextKit.mix64(s))
        }
        permA = a; permB = b
    }

    /// The number of permutations (`bands × rows`).
    var numPerm: Int { permA.count }

    /// The signature of a document, or nil when it has no words (such a document is kept and not indexed).
    public func prepare(_ document: Document) -> MinHashSignature? {
        let sh = shingles(keyConverter?.convert(document.text) ?? document.text, unspaced: DedupWords.isUnspaced(document))
        if sh.isEmpty { return nil }
        let values = signature(sh)
        let keys = bandKeys(values, partition: partitionByLanguage ? LanguagePartition.key(document) : 0)
        return MinHashSignature(values: values, bandKeys: keys, shingles: verifyJaccard ? Self.distinctShingles(sh) : [])
    }

    /// Shingle hashes (64-bit, unsorted, possibly repeated) of `text`: n-grams of consecutive words (`DedupWords`
    /// decides the words and n for a text in a language `unspaced`), or all the words of a shorter text.
    func shingles(_ text: String, unspaced: Bool = false) -> [UInt64] {
        let words = self.words.wordHashes(text, unspaced: unspaced)
        if words.isEmpty { return [] }
        let n = self.words.gramLength(unspaced: unspaced)
        return words.withUnsafeBufferPointer { w in
            let m = w.count < n ? 1 : w.count - n + 1
            return [UInt64](unsafeUninitializedCapacity: m) { buf, count in
                if w.count < n { buf[0] = TextKit.gramHash(w, 0, w.count) } else {
                    for i in 0..<m { buf[i] = TextKit.gramHash(w, i, n) }
                }
                count = m
            }
        }
    }

    /// The minimum of each permutation `a_i·x + b_i mod 2^64` over the shingles.
    func signature(_ shingles: [UInt64]) -> [UInt64] {
        let np = numPerm
        var sig = [UInt64](repeating: UInt64.max, count: np)
        sig.withUnsafeMutableBufferPointer { sig in
            permA.withUnsafeBufferPointer { a in
                permB.withUnsafeBufferPointer { b in
                    for x in shingles {
                        for i in 0..<np {
                            let v = a[i] &* x &+ b[i]
                            if v < sig[i] { sig[i] = v }
                        }
                    }
                }
            }
        }
        return sig
    }

    /// One key per band: a hash of the band's `rows` signature values, mixed with `partition`.
    func bandKeys(_ sig: [UInt64], partition: UInt64) -> [UInt64] {
        (0..<bands).map { band in
            var h: UInt64 = (0x243F6A8885A308D3 &+ UInt64(band) &* 0x9E3779B97F4A7C15) ^ partition
            for k in 0..<rows { h = TextKit.mix64(h ^ sig[band * rows + k]) }
            return h
        }
    }

    /// The upper 32 bits of each shingle hash, sorted, repeats removed.
    static func distinctShingles(_ shingles: [UInt64]) -> [UInt32] {
        var s32 = shingles.map { UInt32(truncatingIfNeeded: $0 >> 32) }
        radixSort(&s32)
        var u = 0
        for i in 0..<s32.count where i == 0 || s32[i] != s32[i - 1] { s32[u] = s32[i]; u += 1 }
        s32.removeLast(s32.count - u)
        return s32
    }

    /// The exact Jaccard similarity of two sorted sets of distinct values (1 for two empty sets).
    static func jaccard(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        var i = 0, j = 0, inter = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x == y { inter += 1; i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
        }
        return Double(inter) / Double(a.count + b.count - inter)
    }

    /// The MinHash estimate: the fraction of equal signature values (0 when the lengths differ).
    static func estimate(_ a: [UInt64], _ b: [UInt64]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var eq = 0
        for i in 0..<a.count where a[i] == b[i] { eq += 1 }
        return Double(eq) / Double(a.count)
    }
}
