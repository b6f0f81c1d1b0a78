/// The byte-level BPE model: vocabulary of byte strings, ranked merges, and the merge algorithm.
struct BPEModel: @unchecked Sendable {
    /// Raw bytes of each model token, indexed by id (empty for ids the model does not define).
    let tokenBytes: [[UInt8]]
    /// Raw bytes -> id for every model token.
    let vocab: ByteStringMap
    /// (left id, right id) -> rank << 32 | merged id.
    let merges: PairMap
    /// The merges in rank order.
    let mergeList: [(UInt32, UInt32)]
    /// The priority of each merge of `mergeList` when it is not its index: tiktoken-style files (Mistral tekken)
    /// give every pair the rank of the token it makes, so pairs making the same token tie (leftmost wins).
    let pairRanks: [UInt32]?
    /// Id of each single byte, or -1 when the vocabulary lacks it (such bytes are dropped, as HF does without unk).
    let byteIds: [Int32]
    /// Words whose BPE result is exactly one token: looked up whole, skipping the merge loop.
    private(set) var direct: ByteStringMap
    /// Llama-3's `ignore_merges`: a word that is in the vocabulary is emitted as one token.
    let ignoreMerges: Bool
    /// Raw-memory copies of the tables for the hot path.
    let storage: FrozenStorage
    private(set) var fVocab: FrozenByteMap
    private(set) var fDirect: FrozenByteMap
    let fMerges: FrozenPairMap
    /// (Immutable after init; owned by `storage`.)
    let fByteIds: UnsafePointer<Int32>

    /// Words longer than this (in bytes) use the heap-based O(n log n) merge; shorter ones the quadratic scan.
    static let heapThreshold = 96

    init(tokenBytes: [[UInt8]], mergeList: [(UInt32, UInt32)], ignoreMerges: Bool, pairRanks: [UInt32]? = nil) throws(TokenizerError) {
        if let r = pairRanks, r.count != mergeList.count {
            throw .inconsistentVocabulary(detail: "\(r.count) merge ranks for \(mergeList.count) merges")
        }
        self.tokenBytes = tokenBytes
        self.pairRanks = pairRanks
        self.ignoreMerges = ignoreMerges
        var v = ByteStringMap(capacity: tokenBytes.count)
        for (id, b) in tokenBytes.enumerated() where !b.isEmpty {
            if v.find(b) < 0 { v.insertNew(b, value: Int32(id)) }
        }
        vocab = v
        var bi = [Int32](repeating: -1, count: 256)
        for b in 0..<256 { if let id = v.value([UInt8(b)]) { bi[b] = id } }
        byteIds = bi
        var m = PairMap(capacity: mergeList.count)
        for (rank, (a, b)) in mergeList.enumerated() {
            guard Int(a) < tokenBytes.count, Int(b) < tokenBytes.count else {
                throw .inconsistentVocabulary(detail: "merge \(rank) uses an id outside the vocabulary")
            }
            let joined = tokenBytes[Int(a)] + tokenBytes[Int(b)]
            guard let nid = v.value(joined) else {
                throw .inconsistentVocabulary(detail: "merge \(rank) ('\(ByteLevel.encode(tokenBytes[Int(a)]))' + '\(ByteLevel.encode(tokenBytes[Int(b)]))') produces a token that is not in the vocabulary")
            }
            let priority = pairRanks?[rank] ?? UInt32(rank)
            m.set(PairMap.key(a, b), UInt64(priority) << 32 | UInt64(UInt32(nid)))
        }
        merges = m
        self.mergeList = mergeList
        direct = ByteStringMap()
        let st = FrozenStorage()
        storage = st
        fVocab = FrozenByteMap(v, st)
        fDirect = FrozenByteMap(direct, st)
        fMerges = FrozenPairMap(m, st)
        fByteIds = st.copy(bi)
        // Precompute which vocabulary entries BPE reaches as a single token.
        var d = ByteStringMap(capacity: tokenBytes.count)
        var out = [UInt32]()
        for (id, b) in tokenBytes.enumerated() where !b.isEmpty {
            out.removeAll(keepingCapacity: true)
            b.withUnsafeBufferPointer { p in self.mergeWord(p.baseAddress!, p.count, into: &out) }
            if out.count == 1 && out[0] == UInt32(id) && d.find(b) < 0 { d.insertNew(b, value: Int32(id)) }
        }
        direct = d
        fDirect = FrozenByteMap(d, st)
    }

    /// Appends the ids of one pre-tokenized word (raw bytes).
    @inline(__always)
    func encodeWord(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [UInt32]) {
        if ignoreMerges {
            let v = fVocab.find(p, n)
            if v >= 0 { out.append(UInt32(v)); return }
        }
        let d = fDirect.find(p, n)
        if d >= 0 { out.append(UInt32(d)); return }
        mergeWord(p, n, into: &out)
    }

    /// Runs BPE merges over the bytes of one word: lowest rank first, leftmost among equal ranks (as HF does).
    func mergeWord(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [UInt32]) {
        if n > BPEModel.heapThreshold { mergeWordHeap(p, n, into: &out); return }
        mergeWordScan(p, n, into: &out)
    }

    /// Quadratic merge for short words: rescans the pair ranks after each merge.
    func mergeWordScan(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [UInt32]) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n + 1) { syms in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n + 1) { pr in
                var m = 0
                let bi = fByteIds, mg = fMerges
                for i in 0..<n {
                    let id = bi[Int(p[i])]
                    if id >= 0 { syms[m] = UInt32(id); m += 1 }
                }
                if m == 0 { return }
                if m == 1 { out.append(syms[0]); return }
                for i in 0..<(m - 1) { pr[i] = mg.get(PairMap.key(syms[i], syms[i + 1])) }
                while m > 1 {
                    var best = UInt64.max, bj = -1
                    for i in 0..<(m - 1) where pr[i] < best { best = pr[i]; bj = i }
                    if bj < 0 { break }
                    syms[bj] = UInt32(truncatingIfNeeded: best)
                    // remove bj + 1
                    var k = bj + 1
                    while k < m - 1 { syms[k] = syms[k + 1]; pr[k] = pr[k + 1]; k += 1 }
                    m -= 1
                    if bj > 0 { pr[bj - 1] = mg.get(PairMap.key(syms[bj - 1], syms[bj])) }
                    if bj < m - 1 { pr[bj] = mg.get(PairMap.key(syms[bj], syms[bj + 1])) }
                }
                for i in 0..<m { out.append(syms[i]) }
            }
        }
    }

    /// O(n log n) merge for long words: linked list of symbols and a min-heap of (rank << 32 | position), exactly
    /// HF's order (lowest rank, then leftmost). Memory: about 20 bytes per byte of the word.
    func mergeWordHeap(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [UInt32]) {
        let ids = UnsafeMutablePointer<UInt32>.allocate(capacity: n)
        let prev = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        let next = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        let heap = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * n + 2)
        defer { ids.deallocate(); prev.deallocate(); next.deallocate(); heap.deallocate() }
        let bi = fByteIds, mg = fMerges
        var m = 0
        for i in 0..<n {
            let id = bi[Int(p[i])]
            if id >= 0 { ids[m] = UInt32(id); m += 1 }
        }
        if m == 0 { return }
        for i in 0..<m { prev[i] = Int32(i - 1); next[i] = i + 1 < m ? Int32(i + 1) : -1 }
        var hn = 0
        for i in 0..<(m - 1) {
            let v = mg.get(PairMap.key(ids[i], ids[i + 1]))
            if v != UInt64.max { heap[hn] = (v >> 32) << 32 | UInt64(i); hn += 1 }
        }
        // heapify
        @inline(__always) func siftDown(_ start: Int, _ x: UInt64) {
            var i = start
            while true {
                var c = 2 * i + 1
                if c >= hn { break }
                if c + 1 < hn && heap[c + 1] < heap[c] { c += 1 }
                if heap[c] >= x { break }
                heap[i] = heap[c]; i = c
            }
            heap[i] = x
        }
        @inline(__always) func push(_ x: UInt64) {
            var i = hn
            hn += 1
            while i > 0 {
                let parent = (i - 1) >> 1
                if heap[parent] <= x { break }
                heap[i] = heap[parent]; i = parent
            }
            heap[i] = x
        }
        if hn > 1 { for k in stride(from: hn / 2 - 1, through: 0, by: -1) { siftDown(k, heap[k]) } }
        let dead = UInt32.max
        while hn > 0 {
            let top = heap[0]
            hn -= 1
            if hn > 0 { siftDown(0, heap[hn]) }
            let rank = top >> 32
            let pos = Int(top & 0xFFFF_FFFF)
            if ids[pos] == dead { continue }
            let nx = Int(next[pos])
            if nx < 0 { continue }
            let v = mg.get(PairMap.key(ids[pos], ids[nx]))
            guard v != UInt64.max, v >> 32 == rank else { continue }
            ids[pos] = UInt32(truncatingIfNeeded: v)
            ids[nx] = dead
            let nn = next[nx]
            next[pos] = nn
            if nn >= 0 { prev[Int(nn)] = Int32(pos) }
            let pv = Int(prev[pos])
            if pv >= 0 {
                let w = mg.get(PairMap.key(ids[pv], ids[pos]))
                if w != UInt64.max { push((w >> 32) << 32 | UInt64(pv)) }
            }
            if nn >= 0 {
                let w = mg.get(PairMap.key(ids[pos], ids[Int(nn)]))
                if w != UInt64.max { push((w >> 32) << 32 | UInt64(pos)) }
            }
        }
        var i = 0
        while i >= 0 { out.append(ids[i]); i = Int(next[i]) }
    }
}
