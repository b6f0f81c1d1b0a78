// Prefix tuning (Li & Liang 2021) on a frozen Llama, laid out as PEFT's PREFIX_TUNING: every layer l gets P trained
// key rows and P value rows ([P, NKV·HD] each, NKV the key/value heads: PEFT sizes the prefix by the key/value heads
// under grouped-query attention). They sit in one table [P, L·2·NKV·HD], row p holding for each layer its key then its
// value ([NKV, HD] each), which is PEFT's `prompt_embeddings`. The table is trained directly, or (`projection`) is the
// output of an MLP embedding[P, D] → Linear(D, E) → tanh → Linear(E, L·2·D), D = NKV·HD, whose weights train instead.
// Initialisation follows PEFT's default (init_weights None): embeddings N(0, 1), Linear weights and biases
// uniform in ±1/√fan_in (torch's defaults).
import COpenBLAS
import DomainForgeCore
import Foundation

/// The trainable prefix of every layer (or the MLP that makes it), with its gradients, in one buffer each.
public final class PrefixAdapter {
    /// The settings the adapter was made with (`projection` false for an adapter loaded from a PEFT folder, whose
    /// file holds the finished table).
    public let config: PrefixConfig
    /// P, layers, key/value width D = NKV·HD, MLP hidden width E (0 without projection), table width L·2·D.
    public let length: Int, layers: Int, kvWidth: Int, hidden: Int, width: Int
    /// Width of one key/value head.
    public let headDim: Int
    /// Offsets in `params`: the table (or the embedding), and with projection the two Linear layers.
    let embed: Int, w1: Int, b1: Int, w2: Int, b2: Int
    /// All trainable values, in the order above.
    public let params: UnsafeMutableBufferPointer<Float>
    /// Gradients, same layout as `params`.
    public let grads: UnsafeMutableBufferPointer<Float>
    private let lock = NSLock()
    private var workspaces: [ObjectIdentifier: PrefixWorkspace] = [:]

    /// A fresh adapter for a model of shape `model`, deterministic in `seed`.
    public init(config: PrefixConfig, model: LlamaConfig, seed: UInt64) throws {
        try config.validate()
        self.config = config
        length = config.numVirtualTokens; layers = model.numLayers; kvWidth = model.numKVHeads * model.headDim
        headDim = model.headDim
        width = layers * 2 * kvWidth
        hidden = config.projection ? (config.encoderHiddenSize ?? kvWidth) : 0
        embed = 0
        if config.projection {
            w1 = length * kvWidth; b1 = w1 + hidden * kvWidth; w2 = b1 + hidden; b2 = w2 + width * hidden
        } else {
            w1 = length * width; b1 = w1; w2 = w1; b2 = w1
        }
        let n = config.projection ? b2 + width : length * width
        params = .allocate(capacity: n); params.initialize(repeating: 0)
        grads = .allocate(capacity: n); grads.initialize(repeating: 0)
        var rng = NormalRandom(seed: seed ^ 0x5072_6566)
        let p = params.baseAddress!
        for i in 0..<(config.projection ? length * kvWidth : length * width) { p[i] = rng.next() }
        guard config.projection else { return }
        for (lo, hi, fanIn) in [(w1, w2, kvWidth), (w2, n, hidden)] {
            let bound = 1 / Float(fanIn).squareRoot()
            for i in lo..<hi { p[i] = Float(rng.uniform() * 2 - 1) * bound }
        }
    }

    deinit {
        params.deallocate(); grads.deallocate()
        for w in workspaces.values { w.release() }
    }

    /// Number of trainable values.
    public var parameterCount: Int { params.count }

    /// Sets the gradients to zero.
    public func zeroGrad() { grads.update(repeating: 0) }

    /// The prefix table [P, width]: `params` itself, or (projection) the MLP's output written to `kv`, its tanh
    /// activations [P, E] to `act` for the backward.
    func table(kv: FPtr, act: FPtr) -> CFPtr {
        let p = UnsafePointer(params.baseAddress!)
        guard config.projection else { return p }
        linearForward(act, p + embed, p + w1, n: length, i: kvWidth, o: hidden)
        for r in 0..<length {
            let row = act + r * hidden
            for j in 0..<hidden { row[j] = tanhf(row[j] + p[b1 + j]) }
        }
        linearForward(kv, act, p + w2, n: length, i: hidden, o: width)
        for r in 0..<length { addInPlace(kv + r * width, p + b2, width) }
        return UnsafePointer(kv)
    }

    /// Adds the gradient of the table, `dkv` [P, width], into `g` (laid out like `grads`): directly, or through the
    /// MLP (`act` from `table`, `dact` scratch [P, E]).
    func tableBackward(dkv: CFPtr, act: CFPtr, dact: FPtr, grads g: FPtr) {
        guard config.projection else { addInPlace(g, dkv, length * width); return }
        let p = UnsafePointer(params.baseAddress!)
        linearBackward(dinp: dact, dw: g + w2, dout: dkv, inp: act, w: p + w2, n: length, i: hidden, o: width)
        for r in 0..<length { addInPlace(g + b2, dkv + r * width, width) }
        for i in 0..<(length * hidden) { dact[i] *= 1 - act[i] * act[i] }
        for r in 0..<length { addInPlace(g + b1, dact + r * hidden, hidden) }
        linearBackward(dinp: nil, dw: g + w1, dout: dact, inp: p + embed, w: p + w1, n: length, i: kvWidth, o: hidden)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(kvWidth), Int32(hidden),
                    1, dact, Int32(hidden), p + w1, Int32(kvWidth), 1, g + embed, Int32(kvWidth))
    }

    /// The prefix table as PEFT saves it (`prompt_embeddings`), computed now.
    public func finishedTable() -> [Float] {
        var kv = [Float](repeating: 0, count: length * width), act = [Float](repeating: 0, count: max(1, length * hidden))
        kv.withUnsafeMutableBufferPointer { k in
            act.withUnsafeMutableBufferPointer { a in
                let t = table(kv: k.baseAddress!, act: a.baseAddress!)
                if t != UnsafePointer(k.baseAddress!) { k.baseAddress!.update(from: t, count: length * width) }
            }
        }
        return kv
    }

    /// Buffers for forward/backward with activations `a` (one set per Activations, like LoRA's).
    func workspace(for a: Activations, model c: LlamaConfig) -> PrefixWorkspace {
        lock.lock(); defer { lock.unlock() }
        if let w = workspaces[ObjectIdentifier(a)], w.maxB >= a.maxB, w.maxT >= a.maxT { return w }
        workspaces[ObjectIdentifier(a)]?.release()
        let w = PrefixWorkspace(adapter: self, model: c, batch: a.maxB, seqLen: a.maxT)
        workspaces[ObjectIdentifier(a)] = w
        return w
    }
}
