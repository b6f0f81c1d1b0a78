import DomainForgeCore
import Foundation

/// Options for ``BPETrainer``.
public struct BPETrainerOptions: Sendable {
    /// Final vocabulary size, special tokens included.
    public var vocabSize: Int
    /// Pairs seen fewer times than this are never merged.
    public var minFrequency: Int
    /// Special tokens, given ids 0, 1, ... in this order.
    public var specialTokens: [String]
    /// Pre-tokenizer regex.
    public var pattern: SplitPattern
    /// Normalization applied before pre-tokenization (recorded in the written tokenizer.json).
    public var normalization: Normalization
    /// Threads for counting words (0: all cores).
    public var threads: Int

    public init(vocabSize: Int = 32000, minFrequency: Int = 2, specialTokens: [String] = ["<|endoftext|>"],
                pattern: SplitPattern = .gpt2, normalization: Normalization = .none, threads: Int = 0) {
        self.vocabSize = vocabSize; self.minFrequency = minFrequency; self.specialTokens = specialTokens
        self.pattern = pattern; self.normalization = normalization; self.threads = threads
    }
}

/// Trains a byte-level BPE exactly as Hugging Face `tokenizers`' `BpeTrainer` does with the ByteLevel alphabet
/// as initial alphabet: the same vocabulary ids and merges, so the written tokenizer.json encodes identically in
/// both. Deterministic (ties between equally frequent pairs go to the smaller pair of ids).
///
/// ```swift
/// let trainer = BPETrainer(options: BPETrainerOptions(vocabSize: 32000))
/// try trainer.feedFile(path: "corpus.txt")        // or trainer.feed(text) per document
/// let tok = try trainer.train()
/// try tok.save(path: "tokenizer.json")
/// ```
public final class BPETrainer {
    public let options: BPETrainerOptions
    var words = ByteStringMap(capacity: 1 << 16)
    var counts = [Int64]()

    public init(options: BPETrainerOptions = BPETrainerOptions()) { self.options = options }

    /// Number of distinct pre-tokenized words seen so far.
    public var distinctWords: Int { words.count }

    /// Counts the words of one sequence (a document). HF feeds files line by line: use ``feedFile(path:)`` for that.
    public func feed(_ text: String) {
        var s = text
        s.withUTF8 { b in
            guard let base = b.baseAddress, b.count > 0 else { return }
            BPETrainer.countSequence(options, base, b.count, map: &words, counts: &counts)
        }
    }

    /// Counts the words of pipeline documents (each document's text is one sequence, like HF `train_from_iterator`).
    public func feed(documents: some Sequence<Document>) {
        for d in documents { feed(d.text) }
    }

    /// Counts the words of a text file, one sequence per line (newline included), as HF `train(files)` does.
    /// Files that are not UTF-8 are decoded (Windows-1252 / UTF-16 guess) first.
    public func feedFile(path: String) throws(TokenizerError) {
        guard let d = FileManager.default.contents(atPath: path) else { throw .fileNotReadable(path: path) }
        var bytes = [UInt8](d)
        if String(validating: bytes, as: UTF8.self) == nil {
            bytes = Array(bytes.withUnsafeBytes { TextDecoding.decode($0).text }.utf8)
        }
        feedLines(bytes)
    }

    /// Counts the words of UTF-8 text split into lines (newline kept), in parallel.
    public func feedLines(_ bytes: [UInt8]) {
        let n = bytes.count
        let threads = max(1, min(options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount, n / (1 << 20) + 1))
        // chunk boundaries at line ends
        var bounds = [0]
        for k in 1..<threads {
            var b = max(n * k / threads, bounds.last!)
            while b < n && bytes[b - 1] != 0x0A { b += 1 }
            bounds.append(b)
        }
        bounds.append(n)
        let partial = ResultSlots<(ByteStringMap, [Int64])>(count: threads)
        let ranges = bounds
        let opts = options
        bytes.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            let sendable = SendablePointer(base)
            DispatchQueue.concurrentPerform(iterations: threads) { w in
                var map = ByteStringMap(capacity: 1 << 15)
                var cs = [Int64]()
                var i = ranges[w]
                let end = ranges[w + 1]
                let p = sendable.p
                while i < end {
                    var j = i
                    while j < end && p[j] != 0x0A { j += 1 }
                    if j < end { j += 1 }
                    BPETrainer.countSequence(opts, p + i, j - i, map: &map, counts: &cs)
                    i = j
                }
                partial.set(w, (map, cs))
            }
        }
        for (map, cs) in partial.values() { mergeCounts(map, cs) }
    }

    private func mergeCounts(_ map: ByteStringMap, _ cs: [Int64]) {
        if words.count == 0 { words = map; counts = cs; return }
        map.arena.withUnsafeBufferPointer { a in
            for e in 0..<map.count {
                let st = map.keyStart[e], len = Int(map.keyLen[e])
                let p = a.baseAddress! + st
                let f = words.find(p, len)
                if f >= 0 { counts[f] += cs[e] } else { words.insertNew(p, len, value: Int32(counts.count)); counts.append(cs[e]) }
            }
        }
    }

    static func countSequence(_ options: BPETrainerOptions, _ p: UnsafePointer<UInt8>, _ n: Int, map: inout ByteStringMap, counts: inout [Int64]) {
        if let norm = options.normalization.apply(p, n) {
            norm.withUnsafeBufferPointer { b in
                if b.count > 0 { countWords(options, b.baseAddress!, b.count, map: &map, counts: &counts) }
            }
            return
        }
        countWords(options, p, n, map: &map, counts: &counts)
    }

    private static func countWords(_ options: BPETrainerOptions, _ p: UnsafePointer<UInt8>, _ n: Int, map: inout ByteStringMap, counts: inout [Int64]) {
        options.pattern.split(p, n) { s, e in
            let f = map.find(p + s, e - s)
            if f >= 0 { counts[f] += 1 } else { map.insertNew(p + s, e - s, value: Int32(counts.count)); counts.append(1) }
        }
    }

    /// Adds words with counts directly (for callers that count themselves).
    public func add(word: [UInt8], count: Int) {
        let f = words.find(word)
        if f >= 0 { counts[f] += Int64(count) } else { words.insertNew(word, value: Int32(counts.count)); counts.append(Int64(count)) }
    }

    /// Runs the merges and returns the trained tokenizer.
    public func train() throws(TokenizerError) -> BPETokenizer {
        let specials = options.specialTokens
        guard options.vocabSize >= specials.count + 256 else {
            throw .invalidArgument("vocab size \(options.vocabSize) is too small: it must hold the \(specials.count) special tokens and the 256 byte tokens")
        }
        var tokenBytes = [[UInt8]]()
        var tokenStrings = [String]()
        var idOf = [[UInt8]: UInt32]()
        for s in specials where idOf[Array(s.utf8)] == nil {
            idOf[Array(s.utf8)] = UInt32(tokenBytes.count)
            tokenBytes.append(ByteLevel.decode(s) ?? Array(s.utf8)); tokenStrings.append(s)
        }
        // Alphabet: the 256 byte characters in code point order of their byte-level form.
        var byteId = [UInt32](repeating: 0, count: 256)
        for b in (0..<256).sorted(by: { ByteLevel.byteToScalar[$0] < ByteLevel.byteToScalar[$1] }) {
            let key = [UInt8(b)]
            if let existing = idOf[key] { byteId[b] = existing; continue }
            byteId[b] = UInt32(tokenBytes.count)
            idOf[key] = UInt32(tokenBytes.count)
            tokenBytes.append(key); tokenStrings.append(ByteLevel.encode(key))
        }
        let merges = runMerges(byteId: byteId, tokenBytes: &tokenBytes, tokenStrings: &tokenStrings, idOf: &idOf)
        let added = specials.enumerated().compactMap { (k, s) -> AddedToken? in
            guard let id = idOf[Array(s.utf8)] else { return nil }
            return AddedToken(content: s, id: id, special: true, normalized: false)
        }
        let model = try BPEModel(tokenBytes: tokenBytes, mergeList: merges, ignoreMerges: false)
        return BPETokenizer(model: model, tokenStrings: tokenStrings, pattern: options.pattern, addPrefixSpace: false,
                            normalization: options.normalization, addedTokens: added)
    }

    private struct Entry { var count: Int64; var pair: UInt64; var list: Int32 }

    /// HF's merge loop: a max-heap on (count, then smallest pair) with lazily refreshed counts; each heap entry
    /// carries the words where its pair appeared when it was pushed.
    private func runMerges(byteId: [UInt32], tokenBytes: inout [[UInt8]], tokenStrings: inout [String],
                           idOf: inout [[UInt8]: UInt32]) -> [(UInt32, UInt32)] {
        let nw = words.count
        // Flat symbol storage.
        var start = [Int](repeating: 0, count: nw + 1)
        var len = [Int32](repeating: 0, count: nw)
        var total = 0
        for e in 0..<nw { start[e] = total; len[e] = words.keyLen[e]; total += Int(words.keyLen[e]) }
        start[nw] = total
        var syms = [UInt32](repeating: 0, count: total)
        words.arena.withUnsafeBufferPointer { a in
            for e in 0..<nw {
                let ks = words.keyStart[e]
                for k in 0..<Int(len[e]) { syms[start[e] + k] = byteId[Int(a[ks + k])] }
            }
        }
        let wcount = counts
        // Pair index, counts and position lists.
        var pairIndex = PairMap(capacity: 1 << 16)
        var pairCount = [Int64]()
        var lists = [[Int32]]()
        var pairKeys = [UInt64]()
        func indexOf(_ k: UInt64) -> Int {
            let s = pairIndex.slot(k)
            let v = pairIndex.value(at: s)
            if v != 0 { return Int(v - 1) }
            pairIndex.set(k, UInt64(pairCount.count + 1))
            pairCount.append(0); pairKeys.append(k); lists.append([])
            return pairCount.count - 1
        }
        for w in 0..<nw {
            let st = start[w], l = Int(len[w])
            if l < 2 { continue }
            for k in st..<(st + l - 1) {
                let pi = indexOf(PairMap.key(syms[k], syms[k + 1]))
                pairCount[pi] += wcount[w]
                if lists[pi].last != Int32(w) { lists[pi].append(Int32(w)) }
            }
        }
        var heap = [Entry]()
        heap.reserveCapacity(pairCount.count)
        func better(_ x: Entry, _ y: Entry) -> Bool { x.count != y.count ? x.count > y.count : x.pair < y.pair }
        func push(_ x: Entry) {
            heap.append(x)
            var i = heap.count - 1
            while i > 0 {
                let p = (i - 1) >> 1
                if !better(x, heap[p]) { break }
                heap[i] = heap[p]; i = p
            }
            heap[i] = x
        }
        func pop() -> Entry? {
            guard let last = heap.popLast() else { return nil }
            if heap.isEmpty { return last }
            let top = heap[0]
            let n = heap.count
            var i = 0
            while true {
                var c = 2 * i + 1
                if c >= n { break }
                if c + 1 < n && better(heap[c + 1], heap[c]) { c += 1 }
                if !better(heap[c], last) { break }
                heap[i] = heap[c]; i = c
            }
            heap[i] = last
            return top
        }
        for pi in 0..<pairCount.count where pairCount[pi] > 0 {
            push(Entry(count: pairCount[pi], pair: pairKeys[pi], list: Int32(pi)))
        }
        var merges = [(UInt32, UInt32)]()
        let minFreq = Int64(options.minFrequency)
        var vocabCount = idOf.count
        var newLists = [UInt64: Int32]()
        while vocabCount < options.vocabSize {
            guard var top = pop() else { break }
            let pi = indexOf(top.pair)
            let cur = pairCount[pi]
            if top.count != cur { top.count = cur; push(top); continue }
            if top.count < 1 || minFreq > top.count { break }
            let a = UInt32(truncatingIfNeeded: top.pair >> 32), b = UInt32(truncatingIfNeeded: top.pair)
            let nb = tokenBytes[Int(a)] + tokenBytes[Int(b)]
            let x: UInt32
            if let existing = idOf[nb] { x = existing } else {
                x = UInt32(tokenBytes.count)
                idOf[nb] = x
                tokenBytes.append(nb); tokenStrings.append(tokenStrings[Int(a)] + tokenStrings[Int(b)])
                vocabCount += 1
            }
            merges.append((a, b))
            newLists.removeAll(keepingCapacity: true)
            let positions = lists[Int(top.list)]
            lists[Int(top.list)] = []
            syms.withUnsafeMutableBufferPointer { s in
                for w32 in positions {
                    let w = Int(w32)
                    let st = start[w], l = Int(len[w])
                    if l < 2 { continue }
                    let c = wcount[w]
                    var r = 0, wp = 0
                    var changed = false
                    while r < l {
                        if r + 1 < l && s[st + r] == a && s[st + r + 1] == b {
                            if wp > 0 {
                                let prev = s[st + wp - 1]
                                pairCount[indexOf(PairMap.key(prev, a))] -= c
                                let k = PairMap.key(prev, x)
                                pairCount[indexOf(k)] += c
                                note(k, w32)
                            }
                            if r + 2 < l {
                                let nx = s[st + r + 2]
                                pairCount[indexOf(PairMap.key(b, nx))] -= c
                                let k = PairMap.key(x, nx)
                                pairCount[indexOf(k)] += c
                                note(k, w32)
                            }
                            s[st + wp] = x; wp += 1; r += 2; changed = true
                        } else {
                            s[st + wp] = s[st + r]; wp += 1; r += 1
                        }
                    }
                    if changed { len[w] = Int32(wp) }
                }
            }
            for (k, li) in newLists {
                let cnt = pairCount[indexOf(k)]
                if cnt > 0 { push(Entry(count: cnt, pair: k, list: li)) }
            }
        }
        return merges

        func note(_ k: UInt64, _ w: Int32) {
            if let li = newLists[k] {
                if lists[Int(li)].last != w { lists[Int(li)].append(w) }
            } else {
                lists.append([w])
                newLists[k] = Int32(lists.count - 1)
            }
        }
    }
}

/// A pointer that may cross into concurrently executing closures (the memory outlives them).
struct SendablePointer: @unchecked Sendable {
    let p: UnsafePointer<UInt8>
    init(_ p: UnsafePointer<UInt8>) { self.p = p }
}
