// Attention with a prefix: each layer's P prefix keys and values are placed before the window's own, every query
// attends to all of them and causally to the window, and the window's rotary positions start at P (transformers
// numbers a window after P cached positions from P on; the prefix keys are used as given, unrotated). The prefix
// gradients are summed over the batch into the table's gradient and, once per backward, sent through the adapter.
import Foundation

/// Per-Activations buffers of a prefix adapter: the table of this forward, each layer's joined keys and values and
/// attention probabilities, and backward scratch.
final class PrefixWorkspace {
    let maxB: Int, maxT: Int, length: Int
    let kv: FPtr, act: FPtr, dact: FPtr, dkv: FPtr       // [P, width], [P, E], [P, E], [P, width]
    let kx: [FPtr], vx: [FPtr], probs: [FPtr]             // per layer [B, P+T, KVW], [B, NH, T, P+T]
    let dkx: FPtr, dvx: FPtr
    /// The table of the last forward (`kv`, or the adapter's own parameters without projection).
    var table: CFPtr?
    private var dp: FPtr, dpWorkers = 0
    private var allocations: [FPtr] = []

    init(adapter: PrefixAdapter, model c: LlamaConfig, batch: Int, seqLen: Int) {
        maxB = batch; maxT = seqLen; length = adapter.length
        var allocs: [FPtr] = []
        func a(_ n: Int) -> FPtr { let p = FPtr.allocate(capacity: max(n, 1)); p.initialize(repeating: 0, count: max(n, 1)); allocs.append(p); return p }
        let S = adapter.length + seqLen, KVW = adapter.kvWidth
        kv = a(adapter.length * adapter.width); act = a(adapter.length * adapter.hidden); dact = a(adapter.length * adapter.hidden)
        dkv = a(adapter.length * adapter.width)
        kx = (0..<c.numLayers).map { _ in a(batch * S * KVW) }
        vx = (0..<c.numLayers).map { _ in a(batch * S * KVW) }
        probs = (0..<c.numLayers).map { _ in a(batch * c.numHeads * seqLen * S) }
        dkx = a(batch * S * KVW); dvx = a(batch * S * KVW)
        dp = .allocate(capacity: 1); dp.initialize(to: 0)
        allocations = allocs
    }

    /// Attention-backward scratch, T·(P+T) floats per worker.
    func dpScratch(workers: Int) -> FPtr {
        if workers > dpWorkers {
            dp.deallocate()
            let n = max(1, workers) * maxT * (length + maxT)
            dp = .allocate(capacity: n); dp.initialize(repeating: 0, count: n)
            dpWorkers = workers
        }
        return dp
    }

    func release() {
        for p in allocations { p.deallocate() }
        dp.deallocate()
    }
}

extension LlamaModel {
    /// Attaches a prefix adapter and freezes the base (its gradient buffer is released; `backward` then computes only
    /// the prefix gradients). Not combined with LoRA.
    public func attach(prefix adapter: PrefixAdapter) throws {
        guard lora == nil, prefix == nil else { throw TrainerError.config("the model already has an adapter attached") }
        guard adapter.layers == config.numLayers, adapter.kvWidth == config.numKVHeads * config.headDim else {
            throw TrainerError.config("the prefix does not fit this model's dimensions")
        }
        releaseGradients()
        (ropeCos, ropeSin) = ropeTables(maxT: config.maxPositions + adapter.length, headDim: config.headDim, theta: config.ropeTheta)
        prefix = adapter
    }

    /// The workspace for `a` with this forward's table computed.
    func prefixBegin(_ adapter: PrefixAdapter, _ a: Activations) -> PrefixWorkspace {
        let ws = adapter.workspace(for: a, model: config)
        ws.table = adapter.table(kv: ws.kv, act: ws.act)
        return ws
    }

    /// Attention of layer `l` over the prefix and the window (q and k already rotated).
    func prefixAttentionForward(_ l: Int, _ a: Activations, _ ws: PrefixWorkspace) {
        let c = config, B = a.b, T = a.t, P = ws.length, S = P + T, KVW = c.numKVHeads * c.headDim
        let width = prefix!.width, tab = ws.table!, kx = ws.kx[l], vx = ws.vx[l]
        for b in 0..<B {
            for p in 0..<P {
                (kx + (b * S + p) * KVW).update(from: tab + p * width + 2 * l * KVW, count: KVW)
                (vx + (b * S + p) * KVW).update(from: tab + p * width + (2 * l + 1) * KVW, count: KVW)
            }
            (kx + (b * S + P) * KVW).update(from: a.k[l] + b * T * KVW, count: T * KVW)
            (vx + (b * S + P) * KVW).update(from: a.v[l] + b * T * KVW, count: T * KVW)
        }
        attentionForward(a.att[l], ws.probs[l], q: a.q[l], k: kx, v: vx, b: B, t: T, nh: c.numHeads, nkv: c.numKVHeads,
                         hd: c.headDim, past: P)
    }

    /// Backward of `prefixAttentionForward`: dq, dk, dv of the window into `a`, the prefix rows' gradients added into
    /// the table gradient.
    func prefixAttentionBackward(_ l: Int, _ a: Activations, _ ws: PrefixWorkspace, workers: Int) {
        let c = config, B = a.b, T = a.t, P = ws.length, S = P + T, KVW = c.numKVHeads * c.headDim, width = prefix!.width
        attentionBackward(dq: a.dq, dk: ws.dkx, dv: ws.dvx, dp: ws.dpScratch(workers: workers), dout: a.datt, probs: ws.probs[l],
                          q: a.q[l], k: ws.kx[l], v: ws.vx[l], b: B, t: T, nh: c.numHeads, nkv: c.numKVHeads, hd: c.headDim,
                          past: P, workers: workers)
        for b in 0..<B {
            (a.dk + b * T * KVW).update(from: ws.dkx + (b * S + P) * KVW, count: T * KVW)
            (a.dv + b * T * KVW).update(from: ws.dvx + (b * S + P) * KVW, count: T * KVW)
            for p in 0..<P {
                addInPlace(ws.dkv + p * width + 2 * l * KVW, ws.dkx + (b * S + p) * KVW, KVW)
                addInPlace(ws.dkv + p * width + (2 * l + 1) * KVW, ws.dvx + (b * S + p) * KVW, KVW)
            }
        }
    }

    /// The table's key and value rows of layer `l`, for a KV cache that starts with them.
    func prefixRows(layer l: Int, table: CFPtr, keys: FPtr, values: FPtr) {
        guard let prefix else { return }
        let KVW = prefix.kvWidth
        for p in 0..<prefix.length {
            (keys + p * KVW).update(from: table + p * prefix.width + 2 * l * KVW, count: KVW)
            (values + p * KVW).update(from: table + p * prefix.width + (2 * l + 1) * KVW, count: KVW)
        }
    }
}

extension LlamaModel {
    /// The parameters and gradients of the attached adapter (prefix or LoRA), nil when every parameter trains.
    public var trainableAdapter: (params: UnsafeMutableBufferPointer<Float>, grads: UnsafeMutableBufferPointer<Float>)? {
        if let prefix { return (prefix.params, prefix.grads) }
        return lora.map { ($0.params, $0.grads) }
    }
}
