/// Saved forward activations and backward scratch for batches up to `maxB` × `maxT` (llm.c's ActivationTensors).
/// One allocation per array; sized once, reused every step.
public final class Activations {
    public let maxB: Int, maxT: Int
    let L: Int, C: Int, H: Int, Q: Int, KV: Int, NH: Int, V: Int
    // per layer l, [N, ·] with N = B·T
    var resid: [FPtr]      // L+1 × [N, C]   input of layer l; resid[L] feeds the final norm
    var xn1: [FPtr], rstd1: [FPtr], q: [FPtr], k: [FPtr], v: [FPtr], probs: [FPtr], att: [FPtr]
    var mid: [FPtr], xn2: [FPtr], rstd2: [FPtr], g: [FPtr], u: [FPtr], h: [FPtr]
    var rstdf: FPtr, xnf: FPtr, logits: FPtr      // [N], [N, C], [N, V]
    // backward scratch
    var dres: FPtr, dxn: FPtr, dq: FPtr, dk: FPtr, dv: FPtr, datt: FPtr, dp: FPtr, dg: FPtr, du: FPtr, dh: FPtr
    var tokens: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>, weights: FPtr
    /// Index of this batch slice's first token in the whole batch (set by `BatchParallel`; LoRA dropout masks use it).
    public var rowOffset = 0
    private var allocations: [FPtr] = []
    private var dpWorkers: Int
    private var dpMany: FPtr?

    /// The attention-backward scratch, T·T floats per worker.
    func dpScratch(workers: Int) -> FPtr {
        if workers <= 1 { return dp }
        if workers > dpWorkers {
            dpMany?.deallocate()
            let p = FPtr.allocate(capacity: workers * maxT * maxT)
            p.initialize(repeating: 0, count: workers * maxT * maxT)
            dpMany = p
            dpWorkers = workers
        }
        return dpMany!
    }
    /// Batch shape of the last forward.
    var b = 0, t = 0

    public init(config c: LlamaConfig, batch: Int, seqLen: Int) {
        maxB = batch; maxT = seqLen
        L = c.numLayers; C = c.hiddenSize; H = c.intermediateSize; NH = c.numHeads
        Q = c.numHeads * c.headDim; KV = c.numKVHeads * c.headDim; V = c.vocabSize
        let N = batch * seqLen
        var allocs: [FPtr] = []
        func a(_ n: Int) -> FPtr {
            let p = FPtr.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            allocs.append(p)
            return p
        }
        func per(_ n: Int, _ k: Int) -> [FPtr] { (0..<k).map { _ in a(n) } }
        resid = per(N * C, L + 1)
        xn1 = per(N * C, L); rstd1 = per(N, L); q = per(N * Q, L); k = per(N * KV, L); v = per(N * KV, L)
        probs = per(batch * NH * seqLen * seqLen, L); att = per(N * Q, L)
        mid = per(N * C, L); xn2 = per(N * C, L); rstd2 = per(N, L); g = per(N * H, L); u = per(N * H, L); h = per(N * H, L)
        rstdf = a(N); xnf = a(N * C); logits = a(N * V)
        dres = a(N * C); dxn = a(N * C); dq = a(N * Q); dk = a(N * KV); dv = a(N * KV); datt = a(N * Q)
        dp = a(seqLen * seqLen); dpWorkers = 1; dg = a(N * H); du = a(N * H); dh = a(N * H)
        weights = a(N)
        tokens = .allocate(capacity: N); tokens.initialize(repeating: 0, count: N)
        targets = .allocate(capacity: N); targets.initialize(repeating: 0, count: N)
        allocations = allocs
    }

    deinit {
        for p in allocations { p.deallocate() }
        dpMany?.deallocate()
        tokens.deallocate(); targets.deallocate()
    }

    /// Logits row for position `i` of the last forward ([V] floats).
    public func logitsRow(_ i: Int) -> UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: logits + i * V, count: V) }
}
