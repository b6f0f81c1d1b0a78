// Incremental decoding: keys (after RoPE) and values of the positions seen so far are kept per layer, so each new
// token costs one row through the layers and one pass over the cached keys instead of the whole window again.
import COpenBLAS

/// Per-layer keys and values of positions 0..<length (at most `capacity`), for `LlamaModel.forwardCached`.
public final class KVCache {
    /// Positions the cache can hold (at most the model's `maxPositions`, plus P with a prefix adapter).
    public let capacity: Int
    /// Positions held (a model with a prefix adapter starts with its P prefix positions).
    public private(set) var length = 0
    /// The prefix positions every sequence starts with (0 without a prefix adapter).
    public let prefixLength: Int
    let kvWidth: Int
    let keys: [FPtr], values: [FPtr]           // per layer [capacity, NKV·HD]
    // scratch for the rows of one call, grown on demand
    private var rows = 0
    private var scratch: [FPtr] = []
    var x: FPtr!, xn: FPtr!, q: FPtr!, k: FPtr!, v: FPtr!, att: FPtr!, mid: FPtr!, g: FPtr!, u: FPtr!, h: FPtr!, rstd: FPtr!
    var scores: FPtr

    /// A cache for `model` with room for `capacity` positions of text (default and maximum: `maxPositions`). With a
    /// prefix adapter attached it starts holding the P prefix keys and values of every layer, as transformers'
    /// cache does under PEFT prefix tuning (text positions then count from P).
    public init(model: LlamaModel, capacity: Int? = nil) {
        let c = model.config, P = model.prefix?.length ?? 0
        let cap = min(capacity ?? c.maxPositions, c.maxPositions) + P, width = c.numKVHeads * c.headDim
        self.capacity = cap
        kvWidth = width
        keys = (0..<c.numLayers).map { _ in FPtr.allocate(capacity: cap * width) }
        values = (0..<c.numLayers).map { _ in FPtr.allocate(capacity: cap * width) }
        scores = .allocate(capacity: cap)
        prefixLength = P
        if let prefix = model.prefix {
            let table = prefix.finishedTable()
            table.withUnsafeBufferPointer { t in
                for l in 0..<c.numLayers { model.prefixRows(layer: l, table: t.baseAddress!, keys: keys[l], values: values[l]) }
            }
            length = P
        }
    }

    deinit {
        for p in keys + values + scratch { p.deallocate() }
        scores.deallocate()
    }

    /// Forgets every position but the prefix's.
    public func reset() { length = prefixLength }

    func advance(_ n: Int) { length += n }

    func ensureRows(_ n: Int, _ c: LlamaConfig) {
        guard n > rows else { return }
        for p in scratch { p.deallocate() }
        let C = c.hiddenSize, H = c.intermediateSize, Q = c.numHeads * c.headDim
        func a(_ m: Int) -> FPtr { let p = FPtr.allocate(capacity: max(1, m)); scratch.append(p); return p }
        scratch = []
        x = a(n * C); xn = a(n * C); q = a(n * Q); k = a(n * kvWidth); v = a(n * kvWidth); att = a(n * Q); mid = a(n * C)
        g = a(n * H); u = a(n * H); h = a(n * H); rstd = a(n)
        rows = n
    }
}

extension LlamaModel {
    /// Runs `tokens` at positions `cache.length ..< cache.length + tokens.count`, attending to the cached positions
    /// and to each other causally, appends their keys and values to `cache`, and returns the logits of the last token
    /// ([vocabSize]). Same layers and semantics as `forward` (which it equals up to float rounding).
    public func forwardCached(_ tokens: [Int32], cache kv: KVCache) -> [Float] {
        let n = tokens.count, p0 = kv.length
        precondition(n >= 1 && p0 + n <= kv.capacity, "KV cache holds \(kv.capacity) positions")
        let c = config, C = c.hiddenSize, H = c.intermediateSize, NH = c.numHeads, NKV = c.numKVHeads, HD = c.headDim
        let Q = NH * HD, KVW = NKV * HD, V = c.vocabSize, eps = c.rmsNormEps, half = HD / 2, group = NH / NKV
        let scale = 1 / Float(HD).squareRoot()
        kv.ensureRows(n, c)
        let p = params.baseAddress!
        let x: FPtr = kv.x, xn: FPtr = kv.xn, q: FPtr = kv.q, k: FPtr = kv.k, v: FPtr = kv.v, att: FPtr = kv.att
        let mid: FPtr = kv.mid, g: FPtr = kv.g, u: FPtr = kv.u, h: FPtr = kv.h, rstd: FPtr = kv.rstd, sc = kv.scores
        tokens.withUnsafeBufferPointer { embeddingForward(x, $0.baseAddress!, p + layout.embed, n: n, c: C) }
        ropeCos.withUnsafeBufferPointer { cosb in
            ropeSin.withUnsafeBufferPointer { sinb in
                let cs = cosb.baseAddress! + p0 * half, sn = sinb.baseAddress! + p0 * half
                for l in 0..<c.numLayers {
                    let w = layout.layers[l]
                    rmsnormForward(xn, rstd, x, p + w.ln1, n: n, c: C, eps: eps)
                    linearForward(q, xn, p + w.wq, n: n, i: C, o: Q)
                    linearForward(k, xn, p + w.wk, n: n, i: C, o: KVW)
                    linearForward(v, xn, p + w.wv, n: n, i: C, o: KVW)
                    ropeApply(q, cos: cs, sin: sn, b: 1, t: n, heads: NH, hd: HD, sign: 1)
                    ropeApply(k, cos: cs, sin: sn, b: 1, t: n, heads: NKV, hd: HD, sign: 1)
                    let kc = kv.keys[l], vc = kv.values[l]
                    (kc + p0 * KVW).update(from: k, count: n * KVW)
                    (vc + p0 * KVW).update(from: v, count: n * KVW)
                    for i in 0..<n {
                        let len = p0 + i + 1          // keys 0...position
                        for hh in 0..<NH {
                            let ko = (hh / group) * HD
                            // scores[j] = K[j] · q · scale, softmax, out = Σ_j scores[j] · V[j]
                            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(len), Int32(HD), scale, kc + ko, Int32(KVW),
                                        q + i * Q + hh * HD, 1, 0, sc, 1)
                            let mx = vmax(sc, len)
                            let sum = vexpInPlace(sc, len, shift: mx)
                            vscale(sc, len, 1 / sum)
                            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(len), Int32(HD), 1, vc + ko, Int32(KVW),
                                        sc, 1, 0, att + i * Q + hh * HD, 1)
                        }
                    }
                    linearForward(mid, att, p + w.wo, n: n, i: Q, o: C)
                    addInPlace(mid, x, n * C)
                    rmsnormForward(xn, rstd, mid, p + w.ln2, n: n, c: C, eps: eps)
                    linearForward(g, xn, p + w.wg, n: n, i: C, o: H)
                    linearForward(u, xn, p + w.wu, n: n, i: C, o: H)
                    swigluForward(h, g: g, u: u, count: n * H)
                    linearForward(x, h, p + w.wd, n: n, i: H, o: C)
                    addInPlace(x, mid, n * C)
                }
            }
        }
        kv.advance(n)
        // final norm and head for the last row only
        let last = x + (n - 1) * C
        rmsnormForward(xn, rstd, last, p + layout.norm, n: 1, c: C, eps: eps)
        var logits = [Float](repeating: 0, count: V)
        logits.withUnsafeMutableBufferPointer { linearForward($0.baseAddress!, xn, p + layout.lmHead, n: 1, i: C, o: V) }
        return logits
    }
}
