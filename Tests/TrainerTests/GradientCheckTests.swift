import Testing
@testable import Trainer

/// Finite-difference checks of every layer's backward and of the whole model. Each layer is checked through the
/// scalar L = Σ r ⊙ out for a fixed random r.
@Suite struct GradientCheckTests {
    static let tol: Float = 2e-2

    func dot(_ a: UnsafePointer<Float>, _ b: [Float]) -> Double {
        var s = 0.0
        for i in b.indices { s += Double(a[i]) * Double(b[i]) }
        return s
    }

    @Test func linear() {
        let n = 5, i = 7, o = 6
        let x = buf(randomArray(n * i, seed: 1)); let w = buf(randomArray(o * i, seed: 2))
        let r = randomArray(n * o, seed: 3)
        var out = [Float](repeating: 0, count: n * o), dx = [Float](repeating: 0, count: n * i), dw = [Float](repeating: 0, count: o * i)
        func f() -> Double { linearForward(&out, x, w, n: n, i: i, o: o); return dot(out, r) }
        linearBackward(dinp: &dx, dw: &dw, dout: r, inp: x, w: w, n: n, i: i, o: o)
        let ex = maxRelativeError(x, indices: Array(0..<(n * i)), analytic: { dx[$0] }) { f() }
        let ew = maxRelativeError(w, indices: Array(0..<(o * i)), analytic: { dw[$0] }) { f() }
        #expect(ex < Self.tol && ew < Self.tol, "linear dx \(ex) dw \(ew)")
    }

    @Test func rmsnorm() {
        let n = 4, c = 8
        let x = buf(randomArray(n * c, seed: 4)); let w = buf(randomArray(c, seed: 5).map { $0 + 1.5 })
        let r = randomArray(n * c, seed: 6)
        var out = [Float](repeating: 0, count: n * c), rstd = [Float](repeating: 0, count: n)
        var dx = [Float](repeating: 0, count: n * c), dw = [Float](repeating: 0, count: c)
        func f() -> Double { rmsnormForward(&out, &rstd, x, w, n: n, c: c, eps: 1e-5); return dot(out, r) }
        _ = f()
        rmsnormBackward(dx: &dx, dw: &dw, dy: r, x: x, w: w, rstd: rstd, n: n, c: c, accumulate: false)
        let ex = maxRelativeError(x, indices: Array(0..<(n * c)), analytic: { dx[$0] }, h: 1e-3) { f() }
        let ew = maxRelativeError(w, indices: Array(0..<c), analytic: { dw[$0] }, h: 1e-3) { f() }
        print("grad-check rmsnorm dx \(ex) dw \(ew)")
        #expect(ex < Self.tol && ew < Self.tol, "rmsnorm dx \(ex) dw \(ew)")
    }

    @Test func rope() {
        let b = 2, t = 5, heads = 3, hd = 4, n = b * t * heads * hd
        let (cs, sn) = ropeTables(maxT: t, headDim: hd, theta: 10_000)
        let x = buf(randomArray(n, seed: 7))
        let r = randomArray(n, seed: 8)
        func f() -> Double { var y = Array(UnsafeBufferPointer(start: x, count: n)); ropeApply(&y, cos: cs, sin: sn, b: b, t: t, heads: heads, hd: hd, sign: 1); return dot(y, r) }
        var dx = r
        ropeApply(&dx, cos: cs, sin: sn, b: b, t: t, heads: heads, hd: hd, sign: -1)
        let e = maxRelativeError(x, indices: Array(0..<n), analytic: { dx[$0] }) { f() }
        print("grad-check rope \(e)")
        #expect(e < Self.tol)
    }

    @Test(arguments: [(2, 2), (4, 2), (4, 1)]) func attention(heads: (Int, Int)) {
        let (nh, nkv) = heads
        let b = 2, t = 5, hd = 4
        let q = buf(randomArray(b * t * nh * hd, seed: 9)); let k = buf(randomArray(b * t * nkv * hd, seed: 10)); let v = buf(randomArray(b * t * nkv * hd, seed: 11))
        let r = randomArray(b * t * nh * hd, seed: 12)
        var out = [Float](repeating: 0, count: r.count), probs = [Float](repeating: 0, count: b * nh * t * t)
        func f() -> Double { attentionForward(&out, &probs, q: q, k: k, v: v, b: b, t: t, nh: nh, nkv: nkv, hd: hd, block: 2); return dot(out, r) }
        _ = f()
        var dq = [Float](repeating: 0, count: b * t * nh * hd), dk = [Float](repeating: 0, count: b * t * nkv * hd), dv = dk, dp = [Float](repeating: 0, count: t * t)
        attentionBackward(dq: &dq, dk: &dk, dv: &dv, dp: &dp, dout: r, probs: probs, q: q, k: k, v: v, b: b, t: t, nh: nh, nkv: nkv, hd: hd, block: 2, workers: 1)
        let eq = maxRelativeError(q, indices: Array(0..<dq.count), analytic: { dq[$0] }) { f() }
        let ek = maxRelativeError(k, indices: Array(0..<dk.count), analytic: { dk[$0] }) { f() }
        let ev = maxRelativeError(v, indices: Array(0..<dv.count), analytic: { dv[$0] }) { f() }
        print("grad-check attention nh \(nh) nkv \(nkv): dq \(eq) dk \(ek) dv \(ev)")
        #expect(eq < Self.tol && ek < Self.tol && ev < Self.tol)
    }

    @Test func swiglu() {
        let n = 40
        let g = buf(randomArray(n, seed: 13, scale: 3)); let u = buf(randomArray(n, seed: 14, scale: 2))
        let r = randomArray(n, seed: 15)
        var h = [Float](repeating: 0, count: n), dg = h, du = h
        func f() -> Double { swigluForward(&h, g: g, u: u, count: n); return dot(h, r) }
        swigluBackward(dg: &dg, du: &du, dh: r, g: g, u: u, count: n)
        let eg = maxRelativeError(g, indices: Array(0..<n), analytic: { dg[$0] }, h: 1e-3) { f() }
        let eu = maxRelativeError(u, indices: Array(0..<n), analytic: { du[$0] }, h: 1e-3) { f() }
        print("grad-check swiglu dg \(eg) du \(eu)")
        #expect(eg < Self.tol && eu < Self.tol)
    }

    @Test func crossEntropyWithMask() {
        let n = 6, v = 9
        let logits = buf(randomArray(n * v, seed: 16, scale: 3))
        let targets: [Int32] = [1, 0, 8, 3, 3, 5], weights: [Float] = [1, 0, 1, 1, 0, 1]
        func f() -> Double { var l = Array(UnsafeBufferPointer(start: logits, count: n * v)); return crossEntropyForwardBackward(logits: &l, targets: targets, weights: weights, n: n, v: v, scale: 1, computeGradient: false) }
        var d = Array(UnsafeBufferPointer(start: logits, count: n * v))
        _ = crossEntropyForwardBackward(logits: &d, targets: targets, weights: weights, n: n, v: v, scale: 1, computeGradient: true)
        let e = maxRelativeError(logits, indices: Array(0..<(n * v)), analytic: { d[$0] }, h: 1e-3) { f() }
        print("grad-check cross-entropy \(e)")
        #expect(e < Self.tol)
        // masked rows get no gradient
        #expect(d[v..<(2 * v)].allSatisfy { $0 == 0 })
    }

    @Test func embedding() {
        let vocab = 5, c = 3
        let tokens: [Int32] = [1, 4, 1, 0]
        let e = buf(randomArray(vocab * c, seed: 17))
        let r = randomArray(tokens.count * c, seed: 18)
        var out = [Float](repeating: 0, count: r.count), de = [Float](repeating: 0, count: vocab * c)
        func f() -> Double { embeddingForward(&out, tokens, e, n: tokens.count, c: c); return dot(out, r) }
        embeddingBackward(dE: &de, dout: r, tokens, n: tokens.count, c: c)
        let err = maxRelativeError(e, indices: Array(0..<(vocab * c)), analytic: { de[$0] }) { f() }
        #expect(err < Self.tol)
    }

    /// The whole model: every tensor, a spread of entries each, for untied (GQA) and tied heads, with a loss mask.
    @Test(arguments: [false, true]) func wholeModel(tied: Bool) throws {
        var cfg = tinyConfig
        cfg.tieEmbeddings = tied
        let model = try LlamaModel(config: cfg)
        model.initialize(seed: 3, std: 0.3)
        // perturb norm weights away from 1 so their gradients are exercised
        for t in model.layout.tensors where t.shape.count == 1 {
            for i in 0..<t.count { model.params[t.offset + i] = 1 + 0.3 * Float(i % 5) / 5 }
        }
        let probe = GradientProbe(model: model)
        func f() -> Double { probe.loss() }
        probe.backward()
        let grads = Array(model.grads)
        var worst: Float = 0
        for t in model.layout.tensors {
            let idx = Array(stride(from: 0, to: t.count, by: max(1, t.count / 12))).map { t.offset + $0 }
            let e = maxRelativeError(model.params.baseAddress!, indices: idx, analytic: { grads[$0] }, h: 1e-2, floor: 1e-2) { f() }
            #expect(e < 5e-2, "\(t.name): \(e)")
            worst = max(worst, e)
        }
        print("grad-check whole model tied=\(tied): max relative error \(worst)")
    }
}
