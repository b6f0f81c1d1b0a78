import Testing
@testable import Trainer

/// Prefix tuning in the model: finite-difference checks of attention over a prefix and of the prefix parameters
/// (table or MLP) through the whole model, and incremental decoding that starts from the prefix.
@Suite struct PrefixTests {
    func dot(_ a: UnsafePointer<Float>, _ b: [Float]) -> Double {
        var s = 0.0
        for i in b.indices { s += Double(a[i]) * Double(b[i]) }
        return s
    }

    /// A tiny base (GQA: 2 query heads, 1 key/value head) with a prefix attached, its parameters scaled to `scale`.
    func prefixed(_ pc: PrefixConfig, seed: UInt64 = 5, scale: Float = 0.5) throws -> LlamaModel {
        let m = try loraBase()
        let a = try PrefixAdapter(config: pc, model: m.config, seed: seed)
        for i in 0..<a.parameterCount { a.params[i] *= scale }
        try m.attach(prefix: a)
        return m
    }

    /// Attention with `past` prefix rows: queries, and keys and values of prefix and window alike.
    @Test(arguments: [(2, 2), (4, 2), (4, 1)]) func attentionWithPast(heads: (Int, Int)) {
        let (nh, nkv) = heads
        let b = 2, t = 5, hd = 4, past = 3, s = past + t
        let q = buf(randomArray(b * t * nh * hd, seed: 21)); let k = buf(randomArray(b * s * nkv * hd, seed: 22))
        let v = buf(randomArray(b * s * nkv * hd, seed: 23))
        let r = randomArray(b * t * nh * hd, seed: 24)
        var out = [Float](repeating: 0, count: r.count), probs = [Float](repeating: 0, count: b * nh * t * s)
        func f() -> Double {
            attentionForward(&out, &probs, q: q, k: k, v: v, b: b, t: t, nh: nh, nkv: nkv, hd: hd, past: past, block: 2)
            return dot(out, r)
        }
        _ = f()
        var dq = [Float](repeating: 0, count: b * t * nh * hd), dk = [Float](repeating: 0, count: b * s * nkv * hd), dv = dk
        var dp = [Float](repeating: 0, count: t * s)
        attentionBackward(dq: &dq, dk: &dk, dv: &dv, dp: &dp, dout: r, probs: probs, q: q, k: k, v: v, b: b, t: t, nh: nh, nkv: nkv,
                          hd: hd, past: past, block: 2, workers: 1)
        let eq = maxRelativeError(q, indices: Array(0..<dq.count), analytic: { dq[$0] }) { f() }
        let ek = maxRelativeError(k, indices: Array(0..<dk.count), analytic: { dk[$0] }) { f() }
        let ev = maxRelativeError(v, indices: Array(0..<dv.count), analytic: { dv[$0] }) { f() }
        print("grad-check prefix attention nh \(nh) nkv \(nkv): dq \(eq) dk \(ek) dv \(ev)")
        #expect(eq < GradientCheckTests.tol && ek < GradientCheckTests.tol && ev < GradientCheckTests.tol)
        // every query row sums to one over the prefix and the keys up to itself, and sees nothing later
        for row in 0..<(b * nh * t) {
            let i = row % t, p = probs[(row * s)..<(row * s + s)]
            #expect(abs(p.reduce(0, +) - 1) < 1e-5)
            #expect(p.dropFirst(past + i + 1).allSatisfy { $0 == 0 })
        }
    }

    /// The prefix parameters through the whole model (loss mask included), without and with the MLP; the frozen base
    /// has no gradient buffer.
    @Test(arguments: [PrefixConfig(numVirtualTokens: 3), PrefixConfig(numVirtualTokens: 3, projection: true, encoderHiddenSize: 6)])
    func wholeModelPrefixGradients(_ pc: PrefixConfig) throws {
        let model = try prefixed(pc)
        let prefix = try #require(model.prefix)
        #expect(model.grads.count == 0 && model.trainableGradients.count == prefix.parameterCount)
        let probe = GradientProbe(model: model)
        func f() -> Double { probe.loss() }
        probe.backward()
        let grads = Array(prefix.grads)
        var worst: Float = 0
        for t in prefix.namedTensors() {
            let idx = Array(stride(from: t.range.lowerBound, to: t.range.upperBound, by: max(1, t.range.count / 24)))
            let e = maxRelativeError(prefix.params.baseAddress!, indices: idx, analytic: { grads[$0] }, h: 1e-2, floor: 1e-2) { f() }
            #expect(e < 5e-2, "\(t.name): \(e)")
            #expect(idx.contains { grads[$0] != 0 }, "\(t.name) has no gradient")
            worst = max(worst, e)
        }
        print("grad-check prefix projection=\(pc.projection): max relative error \(worst)")
    }

    /// The KV cache starts with the P prefix positions; its logits are the full forward's, and greedy decoding gives
    /// the same tokens with and without it. The prefix changes the output.
    @Test(arguments: [PrefixConfig(numVirtualTokens: 4), PrefixConfig(numVirtualTokens: 2, projection: true)])
    func cachedDecodingStartsFromThePrefix(_ pc: PrefixConfig) throws {
        let model = try prefixed(pc, scale: 1)
        let cache = KVCache(model: model, capacity: 12)
        #expect(cache.length == pc.numVirtualTokens && cache.capacity == 12 + pc.numVirtualTokens)
        let toks: [Int32] = [3, 9, 1, 30, 7, 7]
        let lastCached = model.forwardCached(toks, cache: cache)
        let g = Generator(model: model)
        let full = g.logits(toks)
        let V = model.config.vocabSize
        #expect(zip(lastCached, full[(5 * V)...]).map { abs($0 - $1) }.max()! < 1e-4)
        cache.reset()
        #expect(cache.length == pc.numVirtualTokens)
        var o = Generator.Options()
        o.maxNewTokens = 10
        let cached = g.generate(prompt: toks, options: o)
        o.useCache = false
        let uncached = g.generate(prompt: toks, options: o)
        #expect(cached == uncached && cached.count == 10)
        let plain = Generator(model: try loraBase()).logits(toks)
        #expect(zip(plain, full).map { abs($0 - $1) }.max()! > 1e-3)
    }

    /// Attaching refuses a second adapter and a prefix of another model's shape.
    @Test func attachRefusesMismatches() throws {
        let model = try prefixed(PrefixConfig(numVirtualTokens: 2))
        #expect(throws: TrainerError.self) { try model.attach(prefix: PrefixAdapter(config: PrefixConfig(), model: model.config, seed: 1)) }
        var other = tinyConfig
        other.numLayers = 3
        let base = try loraBase()
        #expect(throws: TrainerError.self) { try base.attach(prefix: PrefixAdapter(config: PrefixConfig(), model: other, seed: 1)) }
        #expect(throws: TrainerError.self) { try PrefixAdapter(config: PrefixConfig(numVirtualTokens: 0), model: tinyConfig, seed: 1) }
    }
}
