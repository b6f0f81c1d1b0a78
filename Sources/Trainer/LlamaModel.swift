// The Llama decoder: parameters and gradients in one buffer each, forward and backward over the layers in Layers.swift.
import COpenBLAS
import Foundation

/// A Llama-style decoder (HF `LlamaForCausalLM` semantics, no biases, no dropout) with its gradients.
public final class LlamaModel {
    public let config: LlamaConfig
    public let layout: ParameterLayout
    /// All parameters, `layout.count` floats.
    public let params: UnsafeMutableBufferPointer<Float>
    /// Gradients, same layout as `params`; empty once a LoRA adapter freezes the base.
    public private(set) var grads: UnsafeMutableBufferPointer<Float>
    /// The attached LoRA adapter (see `attach(lora:)`); nil for a plain model.
    public internal(set) var lora: LoRAAdapter?
    /// The attached prefix adapter (see `attach(prefix:)`); nil for a plain model.
    public internal(set) var prefix: PrefixAdapter?
    /// Rotary tables [positions, HD/2]: `maxPositions` rows, plus P with a prefix (the window then starts at P).
    var ropeCos: [Float], ropeSin: [Float]
    /// When set, forward and backward add the wall-clock time of each phase to it (single-threaded steps only).
    public var profile: StepProfile?

    /// A model with zero parameters; call `initialize(seed:)` or load weights.
    public init(config: LlamaConfig) throws {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        params = .allocate(capacity: layout.count); params.initialize(repeating: 0)
        // calloc: zero pages are only made resident when first written, so a base frozen before its first backward
        // (LoRA) never holds its gradient buffer in memory
        grads = UnsafeMutableBufferPointer(start: calloc(max(layout.count, 1), MemoryLayout<Float>.stride)!.bindMemory(to: Float.self, capacity: layout.count),
                                           count: layout.count)
        (ropeCos, ropeSin) = ropeTables(maxT: config.maxPositions, headDim: config.headDim, theta: config.ropeTheta)
    }

    deinit { params.deallocate(); free(grads.baseAddress) }

    public var parameterCount: Int { layout.count }

    /// Runs `body`, timing it as `phase` when a profile is set.
    @inline(__always) func measure<R>(_ phase: StepProfile.Phase, _ body: () throws -> R) rethrows -> R {
        guard let profile else { return try body() }
        return try profile.measure(phase, body)
    }

    /// GPT-2/Llama initialisation: 2-D tensors ~ N(0, std), norm weights 1. Deterministic in `seed`.
    public func initialize(seed: UInt64, std: Float = 0.02) {
        var rng = NormalRandom(seed: seed)
        for t in layout.tensors {
            let p = params.baseAddress! + t.offset
            if t.shape.count == 1 {
                p.update(repeating: 1, count: t.count)
            } else {
                for i in 0..<t.count { p[i] = rng.next() * std }
            }
        }
    }

    public func zeroGrad() {
        grads.update(repeating: 0)
        lora?.zeroGrad()
        prefix?.zeroGrad()
    }

    /// Frees the base gradient buffer (a frozen base has none).
    func releaseGradients() {
        free(grads.baseAddress)
        grads = UnsafeMutableBufferPointer(start: nil, count: 0)
    }

    // ------------------------------------------------------------------------
    // Forward: tokens [B, T] → logits [B, T, V] in `a.logits`.

    public func forward(tokens: [Int32], batch B: Int, seqLen T: Int, _ a: Activations) {
        precondition(tokens.count == B * T && B <= a.maxB && T <= a.maxT && T <= config.maxPositions)
        let c = config, C = c.hiddenSize, H = c.intermediateSize, NH = c.numHeads, NKV = c.numKVHeads, HD = c.headDim
        let V = c.vocabSize, N = B * T, eps = c.rmsNormEps
        a.b = B; a.t = T
        tokens.withUnsafeBufferPointer { a.tokens.update(from: $0.baseAddress!, count: N) }
        let p = params.baseAddress!
        measure(.embedding) { embeddingForward(a.resid[0], a.tokens, p + layout.embed, n: N, c: C) }
        let pw = prefix.map { prefixBegin($0, a) }, r0 = (pw?.length ?? 0) * HD / 2    // rotary positions start at P
        ropeCos.withUnsafeBufferPointer { cosb in
            ropeSin.withUnsafeBufferPointer { sinb in
                for l in 0..<c.numLayers {
                    let w = layout.layers[l]
                    // attention block: mid = x + o_proj(attn(rope(q), rope(k), v)) of rmsnorm(x)
                    measure(.rmsnormForward) { rmsnormForward(a.xn1[l], a.rstd1[l], a.resid[l], p + w.ln1, n: N, c: C, eps: eps) }
                    measure(.qkvForward) {
                        projectForward(.q, layer: l, out: a.q[l], inp: a.xn1[l], n: N, a)            // [N, NH·HD]
                        projectForward(.k, layer: l, out: a.k[l], inp: a.xn1[l], n: N, a)           // [N, NKV·HD]
                        projectForward(.v, layer: l, out: a.v[l], inp: a.xn1[l], n: N, a)
                    }
                    measure(.ropeForward) {
                        ropeApply(a.q[l], cos: cosb.baseAddress! + r0, sin: sinb.baseAddress! + r0, b: B, t: T, heads: NH, hd: HD, sign: 1)
                        ropeApply(a.k[l], cos: cosb.baseAddress! + r0, sin: sinb.baseAddress! + r0, b: B, t: T, heads: NKV, hd: HD, sign: 1)
                    }
                    measure(.attentionForward) {
                        if let pw { prefixAttentionForward(l, a, pw); return }
                        attentionForward(a.att[l], a.probs[l], q: a.q[l], k: a.k[l], v: a.v[l], b: B, t: T, nh: NH, nkv: NKV, hd: HD)
                    }
                    measure(.oForward) { projectForward(.o, layer: l, out: a.mid[l], inp: a.att[l], n: N, a) }
                    measure(.residualAdd) { addInPlace(a.mid[l], a.resid[l], N * C) }
                    // MLP block: out = mid + down(silu(gate(x)) ⊙ up(x)) of rmsnorm(mid)
                    measure(.rmsnormForward) { rmsnormForward(a.xn2[l], a.rstd2[l], a.mid[l], p + w.ln2, n: N, c: C, eps: eps) }
                    measure(.gateUpForward) {
                        projectForward(.gate, layer: l, out: a.g[l], inp: a.xn2[l], n: N, a)
                        projectForward(.up, layer: l, out: a.u[l], inp: a.xn2[l], n: N, a)
                    }
                    measure(.swigluForward) { swigluForward(a.h[l], g: a.g[l], u: a.u[l], count: N * H) }
                    measure(.downForward) { projectForward(.down, layer: l, out: a.resid[l + 1], inp: a.h[l], n: N, a) }
                    measure(.residualAdd) { addInPlace(a.resid[l + 1], a.mid[l], N * C) }
                }
            }
        }
        measure(.rmsnormForward) { rmsnormForward(a.xnf, a.rstdf, a.resid[c.numLayers], p + layout.norm, n: N, c: C, eps: eps) }
        measure(.lmHeadForward) { linearForward(a.logits, a.xnf, p + layout.lmHead, n: N, i: C, o: V) }
    }

    /// Cross-entropy of the last forward's logits against `targets` [B, T], each weighted by `weights` (the loss mask:
    /// 1 counts, 0 ignored). Returns the weighted SUM of token losses. With `gradient`, replaces the logits by
    /// d(scale · sum)/d(logits), ready for `backward`.
    public func loss(targets: [Int32], weights: [Float], scale: Float, gradient: Bool, _ a: Activations) -> Double {
        let N = a.b * a.t
        precondition(targets.count == N && weights.count == N)
        targets.withUnsafeBufferPointer { a.targets.update(from: $0.baseAddress!, count: N) }
        weights.withUnsafeBufferPointer { a.weights.update(from: $0.baseAddress!, count: N) }
        return measure(.crossEntropy) {
            crossEntropyForwardBackward(logits: a.logits, targets: a.targets, weights: a.weights, n: N, v: config.vocabSize,
                                        scale: scale, computeGradient: gradient)
        }
    }

    // ------------------------------------------------------------------------
    // Backward: layers in exactly reverse order; accumulates into `grads`.

    /// Backward of the last `forward` and `loss(gradient: true)` on `a`, accumulating into `trainableGradients`.
    public func backward(_ a: Activations) { backward(a, grads: trainableGradients.baseAddress!) }

    /// The gradients of what trains: `grads` (every parameter), or with an adapter (LoRA, prefix) attached its `grads`.
    public var trainableGradients: UnsafeMutableBufferPointer<Float> { prefix?.grads ?? lora?.grads ?? grads }

    /// Backward into `gTrainable`, a buffer laid out like `trainableGradients`: lets several threads each accumulate
    /// their share of a batch into a buffer of their own.
    public func backward(_ a: Activations, grads gTrainable: UnsafeMutablePointer<Float>) {
        let c = config, C = c.hiddenSize, H = c.intermediateSize, NH = c.numHeads, NKV = c.numKVHeads, HD = c.headDim
        let V = c.vocabSize, B = a.b, T = a.t, N = B * T
        // a frozen base (LoRA) has no base gradients: `g` then holds the adapter's, and only input gradients flow
        let p = params.baseAddress!, baseG: FPtr? = lora == nil && prefix == nil ? gTrainable : nil
        let attnWorkers = Parallel.workers      // read once: sizes the attention scratch and splits its loop
        let pw = prefix.map { $0.workspace(for: a, model: c) }, r0 = (pw?.length ?? 0) * HD / 2
        if let pw { pw.dkv.update(repeating: 0, count: pw.length * prefix!.width) }
        // output head and final norm
        measure(.lmHeadBackwardInput) {
            linearBackward(dinp: a.dxn, dw: nil, dout: a.logits, inp: a.xnf, w: p + layout.lmHead, n: N, i: C, o: V)
        }
        measure(.lmHeadBackwardWeight) {
            linearBackward(dinp: nil, dw: baseG.map { $0 + layout.lmHead }, dout: a.logits, inp: a.xnf, w: p + layout.lmHead, n: N, i: C, o: V)
        }
        measure(.rmsnormBackward) {
            rmsnormBackward(dx: a.dres, dw: baseG.map { $0 + layout.norm }, dy: a.dxn, x: a.resid[c.numLayers], w: p + layout.norm, rstd: a.rstdf,
                            n: N, c: C, accumulate: false)
        }
        ropeCos.withUnsafeBufferPointer { cosb in
            ropeSin.withUnsafeBufferPointer { sinb in
                for l in stride(from: c.numLayers - 1, through: 0, by: -1) {
                    let w = layout.layers[l]
                    // MLP block (dres = d out = d mid through the residual)
                    measure(.downBackward) { projectBackward(.down, layer: l, dinp: a.dh, dout: a.dres, inp: a.h[l], n: N, grads: gTrainable, a) }
                    measure(.swigluBackward) { swigluBackward(dg: a.dg, du: a.du, dh: a.dh, g: a.g[l], u: a.u[l], count: N * H) }
                    measure(.gateUpBackward) {
                        projectBackward(.gate, layer: l, dinp: a.dxn, dout: a.dg, inp: a.xn2[l], n: N, grads: gTrainable, a)
                        projectBackward(.up, layer: l, dinp: a.dxn, dout: a.du, inp: a.xn2[l], n: N, accumulate: true, grads: gTrainable, a)
                    }
                    measure(.rmsnormBackward) {
                        rmsnormBackward(dx: a.dres, dw: baseG.map { $0 + w.ln2 }, dy: a.dxn, x: a.mid[l], w: p + w.ln2, rstd: a.rstd2[l], n: N, c: C, accumulate: true)
                    }
                    // attention block (dres = d mid = d x through the residual)
                    measure(.oBackward) { projectBackward(.o, layer: l, dinp: a.datt, dout: a.dres, inp: a.att[l], n: N, grads: gTrainable, a) }
                    measure(.attentionBackward) {
                        if let pw { prefixAttentionBackward(l, a, pw, workers: attnWorkers); return }
                        attentionBackward(dq: a.dq, dk: a.dk, dv: a.dv, dp: a.dpScratch(workers: attnWorkers), dout: a.datt, probs: a.probs[l], q: a.q[l], k: a.k[l], v: a.v[l],
                                          b: B, t: T, nh: NH, nkv: NKV, hd: HD, workers: attnWorkers)
                    }
                    measure(.ropeBackward) {
                        ropeApply(a.dq, cos: cosb.baseAddress! + r0, sin: sinb.baseAddress! + r0, b: B, t: T, heads: NH, hd: HD, sign: -1)
                        ropeApply(a.dk, cos: cosb.baseAddress! + r0, sin: sinb.baseAddress! + r0, b: B, t: T, heads: NKV, hd: HD, sign: -1)
                    }
                    measure(.qkvBackward) {
                        projectBackward(.q, layer: l, dinp: a.dxn, dout: a.dq, inp: a.xn1[l], n: N, grads: gTrainable, a)
                        projectBackward(.k, layer: l, dinp: a.dxn, dout: a.dk, inp: a.xn1[l], n: N, accumulate: true, grads: gTrainable, a)
                        projectBackward(.v, layer: l, dinp: a.dxn, dout: a.dv, inp: a.xn1[l], n: N, accumulate: true, grads: gTrainable, a)
                    }
                    measure(.rmsnormBackward) {
                        rmsnormBackward(dx: a.dres, dw: baseG.map { $0 + w.ln1 }, dy: a.dxn, x: a.resid[l], w: p + w.ln1, rstd: a.rstd1[l], n: N, c: C, accumulate: true)
                    }
                }
            }
        }
        if let baseG { measure(.embeddingBackward) { embeddingBackward(dE: baseG + layout.embed, dout: a.dres, a.tokens, n: N, c: C) } }
        if let pw, let prefix { prefix.tableBackward(dkv: pw.dkv, act: pw.act, dact: pw.dact, grads: gTrainable) }
    }
}

@inline(__always) func addInPlace(_ y: FPtr, _ x: CFPtr, _ n: Int) { vaddInPlace(y, x, n) }

/// Deterministic standard normals (SplitMix64 + Box–Muller).
struct NormalRandom {
    var state: UInt64
    var spare: Float?
    init(seed: UInt64) { state = seed &+ 0x9E3779B97F4A7C15 }
    mutating func nextU64() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(nextU64() >> 11) / Double(1 << 53) }
    mutating func next() -> Float {
        if let s = spare { spare = nil; return s }
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        let r = (-2 * log(u1)).squareRoot()
        spare = Float(r * sin(2 * Double.pi * u2))
        return Float(r * cos(2 * Double.pi * u2))
    }
}
