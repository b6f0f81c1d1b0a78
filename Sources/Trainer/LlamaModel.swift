// The Llama decoder: parameters and gradients in one buffer each, forward and backward over the layers in Layers.swift.
import COpenBLAS
import Foundation

/// A Llama-style decoder (HF `LlamaForCausalLM` semantics, no biases, no dropout) with its gradients.
public final class LlamaModel {
    public let config: LlamaConfig
    public let layout: ParameterLayout
    /// All parameters, `layout.count` floats.
    public let params: UnsafeMutableBufferPointer<Float>
    /// Gradients, same layout as `params`.
    public let grads: UnsafeMutableBufferPointer<Float>
    let ropeCos: [Float], ropeSin: [Float]

    /// A model with zero parameters; call `initialize(seed:)` or load weights.
    public init(config: LlamaConfig) throws {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        params = .allocate(capacity: layout.count); params.initialize(repeating: 0)
        grads = .allocate(capacity: layout.count); grads.initialize(repeating: 0)
        (ropeCos, ropeSin) = ropeTables(maxT: config.maxPositions, headDim: config.headDim, theta: config.ropeTheta)
    }

    deinit { params.deallocate(); grads.deallocate() }

    public var parameterCount: Int { layout.count }

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

    public func zeroGrad() { grads.update(repeating: 0) }

    // ------------------------------------------------------------------------
    // Forward: tokens [B, T] → logits [B, T, V] in `a.logits`.

    public func forward(tokens: [Int32], batch B: Int, seqLen T: Int, _ a: Activations) {
        precondition(tokens.count == B * T && B <= a.maxB && T <= a.maxT && T <= config.maxPositions)
        let c = config, C = c.hiddenSize, H = c.intermediateSize, NH = c.numHeads, NKV = c.numKVHeads, HD = c.headDim
        let Q = NH * HD, KV = NKV * HD, V = c.vocabSize, N = B * T, eps = c.rmsNormEps
        a.b = B; a.t = T
        tokens.withUnsafeBufferPointer { a.tokens.update(from: $0.baseAddress!, count: N) }
        let p = params.baseAddress!
        embeddingForward(a.resid[0], a.tokens, p + layout.embed, n: N, c: C)
        ropeCos.withUnsafeBufferPointer { cosb in
            ropeSin.withUnsafeBufferPointer { sinb in
                for l in 0..<c.numLayers {
                    let w = layout.layers[l]
                    // attention block: mid = x + o_proj(attn(rope(q), rope(k), v)) of rmsnorm(x)
                    rmsnormForward(a.xn1[l], a.rstd1[l], a.resid[l], p + w.ln1, n: N, c: C, eps: eps)
                    linearForward(a.q[l], a.xn1[l], p + w.wq, n: N, i: C, o: Q)            // [N, NH·HD]
                    linearForward(a.k[l], a.xn1[l], p + w.wk, n: N, i: C, o: KV)           // [N, NKV·HD]
                    linearForward(a.v[l], a.xn1[l], p + w.wv, n: N, i: C, o: KV)
                    ropeApply(a.q[l], cos: cosb.baseAddress!, sin: sinb.baseAddress!, b: B, t: T, heads: NH, hd: HD, sign: 1)
                    ropeApply(a.k[l], cos: cosb.baseAddress!, sin: sinb.baseAddress!, b: B, t: T, heads: NKV, hd: HD, sign: 1)
                    attentionForward(a.att[l], a.probs[l], q: a.q[l], k: a.k[l], v: a.v[l], b: B, t: T, nh: NH, nkv: NKV, hd: HD)
                    linearForward(a.mid[l], a.att[l], p + w.wo, n: N, i: Q, o: C)
                    addInPlace(a.mid[l], a.resid[l], N * C)
                    // MLP block: out = mid + down(silu(gate(x)) ⊙ up(x)) of rmsnorm(mid)
                    rmsnormForward(a.xn2[l], a.rstd2[l], a.mid[l], p + w.ln2, n: N, c: C, eps: eps)
                    linearForward(a.g[l], a.xn2[l], p + w.wg, n: N, i: C, o: H)
                    linearForward(a.u[l], a.xn2[l], p + w.wu, n: N, i: C, o: H)
                    swigluForward(a.h[l], g: a.g[l], u: a.u[l], count: N * H)
                    linearForward(a.resid[l + 1], a.h[l], p + w.wd, n: N, i: H, o: C)
                    addInPlace(a.resid[l + 1], a.mid[l], N * C)
                }
            }
        }
        rmsnormForward(a.xnf, a.rstdf, a.resid[c.numLayers], p + layout.norm, n: N, c: C, eps: eps)
        linearForward(a.logits, a.xnf, p + layout.lmHead, n: N, i: C, o: V)
    }

    /// Cross-entropy of the last forward's logits against `targets` [B, T], each weighted by `weights` (the loss mask:
    /// 1 counts, 0 ignored). Returns the weighted SUM of token losses. With `gradient`, replaces the logits by
    /// d(scale · sum)/d(logits), ready for `backward`.
    public func loss(targets: [Int32], weights: [Float], scale: Float, gradient: Bool, _ a: Activations) -> Double {
        let N = a.b * a.t
        precondition(targets.count == N && weights.count == N)
        targets.withUnsafeBufferPointer { a.targets.update(from: $0.baseAddress!, count: N) }
        weights.withUnsafeBufferPointer { a.weights.update(from: $0.baseAddress!, count: N) }
        return crossEntropyForwardBackward(logits: a.logits, targets: a.targets, weights: a.weights, n: N, v: config.vocabSize,
                                           scale: scale, computeGradient: gradient)
    }

    // ------------------------------------------------------------------------
    // Backward: layers in exactly reverse order; accumulates into `grads`.

    /// Backward of the last `forward` and `loss(gradient: true)` on `a`, accumulating into `grads`.
    public func backward(_ a: Activations) { backward(a, grads: grads.baseAddress!) }

    /// Backward into `g`, a gradient buffer laid out like `params` (`layout.count` floats): lets several threads
    /// each accumulate their share of a batch into a buffer of their own.
    public func backward(_ a: Activations, grads g: UnsafeMutablePointer<Float>) {
        let c = config, C = c.hiddenSize, H = c.intermediateSize, NH = c.numHeads, NKV = c.numKVHeads, HD = c.headDim
        let Q = NH * HD, KV = NKV * HD, V = c.vocabSize, B = a.b, T = a.t, N = B * T
        let p = params.baseAddress!
        // output head and final norm
        linearBackward(dinp: a.dxn, dw: g + layout.lmHead, dout: a.logits, inp: a.xnf, w: p + layout.lmHead, n: N, i: C, o: V)
        rmsnormBackward(dx: a.dres, dw: g + layout.norm, dy: a.dxn, x: a.resid[c.numLayers], w: p + layout.norm, rstd: a.rstdf,
                        n: N, c: C, accumulate: false)
        ropeCos.withUnsafeBufferPointer { cosb in
            ropeSin.withUnsafeBufferPointer { sinb in
                for l in stride(from: c.numLayers - 1, through: 0, by: -1) {
                    let w = layout.layers[l]
                    // MLP block (dres = d out = d mid through the residual)
                    linearBackward(dinp: a.dh, dw: g + w.wd, dout: a.dres, inp: a.h[l], w: p + w.wd, n: N, i: H, o: C)
                    swigluBackward(dg: a.dg, du: a.du, dh: a.dh, g: a.g[l], u: a.u[l], count: N * H)
                    linearBackward(dinp: a.dxn, dw: g + w.wg, dout: a.dg, inp: a.xn2[l], w: p + w.wg, n: N, i: C, o: H)
                    linearBackward(dinp: a.dxn, dw: g + w.wu, dout: a.du, inp: a.xn2[l], w: p + w.wu, n: N, i: C, o: H, accumulate: true)
                    rmsnormBackward(dx: a.dres, dw: g + w.ln2, dy: a.dxn, x: a.mid[l], w: p + w.ln2, rstd: a.rstd2[l], n: N, c: C, accumulate: true)
                    // attention block (dres = d mid = d x through the residual)
                    linearBackward(dinp: a.datt, dw: g + w.wo, dout: a.dres, inp: a.att[l], w: p + w.wo, n: N, i: Q, o: C)
                    attentionBackward(dq: a.dq, dk: a.dk, dv: a.dv, dp: a.dpScratch(workers: Parallel.workers), dout: a.datt, probs: a.probs[l], q: a.q[l], k: a.k[l], v: a.v[l],
                                      b: B, t: T, nh: NH, nkv: NKV, hd: HD)
                    ropeApply(a.dq, cos: cosb.baseAddress!, sin: sinb.baseAddress!, b: B, t: T, heads: NH, hd: HD, sign: -1)
                    ropeApply(a.dk, cos: cosb.baseAddress!, sin: sinb.baseAddress!, b: B, t: T, heads: NKV, hd: HD, sign: -1)
                    linearBackward(dinp: a.dxn, dw: g + w.wq, dout: a.dq, inp: a.xn1[l], w: p + w.wq, n: N, i: C, o: Q)
                    linearBackward(dinp: a.dxn, dw: g + w.wk, dout: a.dk, inp: a.xn1[l], w: p + w.wk, n: N, i: C, o: KV, accumulate: true)
                    linearBackward(dinp: a.dxn, dw: g + w.wv, dout: a.dv, inp: a.xn1[l], w: p + w.wv, n: N, i: C, o: KV, accumulate: true)
                    rmsnormBackward(dx: a.dres, dw: g + w.ln1, dy: a.dxn, x: a.resid[l], w: p + w.ln1, rstd: a.rstd1[l], n: N, c: C, accumulate: true)
                }
            }
        }
        embeddingBackward(dE: g + layout.embed, dout: a.dres, a.tokens, n: N, c: C)
    }
}

@inline(__always) func addInPlace(_ y: FPtr, _ x: CFPtr, _ n: Int) {
    for i in 0..<n { y[i] += x[i] }
}

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
