// Llama-style decoder layers: each forward next to its backward, float32, matrix products through OpenBLAS.
// Shape legend: N = rows (batch × time, B·T), B = batch, T = time, C = model width, H = MLP width,
// NH = query heads, NKV = key/value heads, HD = head width, V = vocabulary.
// Backward functions ACCUMULATE into parameter gradients (+=) and OVERWRITE input gradients unless noted.
import COpenBLAS
import CTrainerKernels
import Foundation

typealias FPtr = UnsafeMutablePointer<Float>
typealias CFPtr = UnsafePointer<Float>

// ----------------------------------------------------------------------------
// Linear (no bias): out[N, O] = inp[N, I] · W[O, I]ᵀ   (HF nn.Linear weight layout [out, in])

func linearForward(_ out: FPtr, _ inp: CFPtr, _ w: CFPtr, n: Int, i: Int, o: Int) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(o), Int32(i),
                1, inp, Int32(i), w, Int32(i), 0, out, Int32(o))
}

/// dinp[N, I] (= or += when `accumulate`) dout[N, O] · W[O, I];  dW[O, I] += dout[N, O]ᵀ · inp[N, I].
/// A nil `dw` skips the weight gradient (frozen weight).
func linearBackward(dinp: FPtr?, dw: FPtr?, dout: CFPtr, inp: CFPtr, w: CFPtr, n: Int, i: Int, o: Int, accumulate: Bool = false) {
    if let dinp {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(i), Int32(o),
                    1, dout, Int32(o), w, Int32(i), accumulate ? 1 : 0, dinp, Int32(i))
    }
    guard let dw else { return }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(o), Int32(i), Int32(n),
                1, dout, Int32(o), inp, Int32(i), 1, dw, Int32(i))
}

// ----------------------------------------------------------------------------
// Token embedding: out[N, C] = E[tokens[n], :]

func embeddingForward(_ out: FPtr, _ tokens: UnsafePointer<Int32>, _ e: CFPtr, n: Int, c: Int) {
    for r in 0..<n {
        (out + r * c).update(from: e + Int(tokens[r]) * c, count: c)
    }
}

/// dE[tokens[n], :] += dout[n, :]
func embeddingBackward(dE: FPtr, dout: CFPtr, _ tokens: UnsafePointer<Int32>, n: Int, c: Int) {
    for r in 0..<n {
        addInPlace(dE + Int(tokens[r]) * c, dout + r * c, c)
    }
}

// ----------------------------------------------------------------------------
// RMSNorm (HF LlamaRMSNorm): out = w ⊙ x · rstd,  rstd = 1/√(mean(x²) + eps).  x[N, C], rstd[N] saved.

func rmsnormForward(_ out: FPtr, _ rstd: FPtr, _ x: CFPtr, _ w: CFPtr, n: Int, c: Int, eps: Float) {
    Parallel.forChunks(n, minChunk: 64) { rows in
    for r in rows {
        let xr = x + r * c, o = out + r * c
        let s = 1 / (vdot(xr, xr, c) / Float(c) + eps).squareRoot()
        rstd[r] = s
        var j = 0
        while j + 8 <= c { st(ld(w + j) * (ld(xr + j) * s), o + j); j += 8 }
        while j < c { o[j] = w[j] * (xr[j] * s); j += 1 }
    }
    }
}

/// dx (+= when `accumulate`) = rstd·(w⊙dy) − x·rstd³/C · Σ(w⊙dy⊙x);  dw += Σ_n dy ⊙ x·rstd (skipped when nil)
func rmsnormBackward(dx: FPtr, dw: FPtr?, dy: CFPtr, x: CFPtr, w: CFPtr, rstd: CFPtr, n: Int, c: Int, accumulate: Bool) {
    Parallel.forChunks(n, minChunk: 64) { rows in
        for r in rows {
            let xr = x + r * c, dyr = dy + r * c, dxr = dx + r * c
            let s = rstd[r]
            var dot8 = F8(repeating: 0), j = 0
            while j + 8 <= c { dot8 += ld(w + j) * ld(dyr + j) * ld(xr + j); j += 8 }
            var dot = dot8.sum()
            while j < c { dot += w[j] * dyr[j] * xr[j]; j += 1 }
            let k = dot * s * s * s / Float(c)
            j = 0
            if accumulate {
                while j + 8 <= c { st(ld(dxr + j) + (s * ld(w + j) * ld(dyr + j) - ld(xr + j) * k), dxr + j); j += 8 }
                while j < c { dxr[j] += s * w[j] * dyr[j] - xr[j] * k; j += 1 }
            } else {
                while j + 8 <= c { st(s * ld(w + j) * ld(dyr + j) - ld(xr + j) * k, dxr + j); j += 8 }
                while j < c { dxr[j] = s * w[j] * dyr[j] - xr[j] * k; j += 1 }
            }
        }
    }
    guard let dw else { return }
    for r in 0..<n {
        let xr = x + r * c, dyr = dy + r * c, s = rstd[r]
        var j = 0
        while j + 8 <= c { st(ld(dw + j) + ld(dyr + j) * ld(xr + j) * s, dw + j); j += 8 }
        while j < c { dw[j] += dyr[j] * xr[j] * s; j += 1 }
    }
}

// ----------------------------------------------------------------------------
// Rotary position embedding, HF Llama convention (rotate_half): for each head of width HD, half = HD/2,
//   y[i]        = x[i]·cos(p·f_i) − x[i+half]·sin(p·f_i)
//   y[i+half]   = x[i+half]·cos(p·f_i) + x[i]·sin(p·f_i),   f_i = θ^(−2i/HD), p = position in the window.

/// cos/sin tables [T, HD/2], computed as HF does (float32 inverse frequencies, float32 product).
func ropeTables(maxT: Int, headDim: Int, theta: Double) -> (cos: [Float], sin: [Float]) {
    let half = headDim / 2
    var c = [Float](repeating: 0, count: maxT * half), s = c
    for i in 0..<half {
        let invFreq = Float(1.0 / pow(theta, Double(2 * i) / Double(headDim)))
        for p in 0..<maxT {
            let a = Float(p) * invFreq
            c[p * half + i] = Float(cos(Double(a)))
            s[p * half + i] = Float(sin(Double(a)))
        }
    }
    return (c, s)
}

/// In place on x[B, T, heads, HD].  `sign` = +1 forward, −1 backward (rotation by −angle is the transpose).
func ropeApply(_ x: FPtr, cos: CFPtr, sin: CFPtr, b: Int, t: Int, heads: Int, hd: Int, sign: Float) {
    let half = hd / 2
    for bi in 0..<b {
        for p in 0..<t {
            let cp = cos + p * half, sp = sin + p * half
            for h in 0..<heads {
                let v = x + ((bi * t + p) * heads + h) * hd
                var i = 0
                while i + 8 <= half {
                    let a = ld(v + i), bb = ld(v + i + half), cs = ld(cp + i), sn = sign * ld(sp + i)
                    st(a * cs - bb * sn, v + i)
                    st(bb * cs + a * sn, v + i + half)
                    i += 8
                }
                for i in i..<half {
                    let a = v[i], bb = v[i + half], cs = cp[i], sn = sign * sp[i]
                    v[i] = a * cs - bb * sn
                    v[i + half] = bb * cs + a * sn
                }
            }
        }
    }
}

// ----------------------------------------------------------------------------
// Causal attention with grouped-query heads.
// q[B, T, NH, HD], k, v[B, T, NKV, HD] (rotary already applied); probs[B, NH, T, T] saved; out[B, T, NH, HD].
// Query head h reads key/value head h / (NH/NKV). Scale 1/√HD.

// Causality is used to skip work: rows are taken in blocks of `block`, and block [i0, i1) only touches keys [0, i1).
// With `past` > 0 (prefix tuning) k and v hold past + T rows per sequence, the first `past` visible to every query:
// query i sees keys [0, past + i], and probs is [B, NH, T, past + T]. past 0 is the plain causal case.

func attentionForward(_ out: FPtr, _ probs: FPtr, q: CFPtr, k: CFPtr, v: CFPtr, b: Int, t: Int, nh: Int, nkv: Int, hd: Int,
                      past: Int = 0, block: Int = 32) {
    let group = nh / nkv, qs = nh * hd, ks = nkv * hd, s = past + t
    let scale = 1 / Float(hd).squareRoot()
    Parallel.forItems(b * nh) { _, item in
        let bi = item / nh, h = item % nh
        let kh = h / group
        let qp = q + bi * t * qs + h * hd, kp = k + bi * s * ks + kh * hd, vp = v + bi * s * ks + kh * hd
        let p = probs + (bi * nh + h) * t * s
        let op = out + bi * t * qs + h * hd
        var i0 = 0
        while i0 < t {
            let i1 = min(t, i0 + block), rows = i1 - i0, keys = past + i1
            // scores[i0..<i1, 0..<keys] = Q[i0..<i1] · K[0..<keys]ᵀ · scale
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(keys), Int32(hd),
                        scale, qp + i0 * qs, Int32(qs), kp, Int32(ks), 0, p + i0 * s, Int32(s))
            // causal softmax per row; entries past + i < j < keys are zero (entries ≥ keys are never read)
            for i in i0..<i1 {
                let row = p + i * s, n = past + i + 1
                let mx = vmax(row, n)
                let sum = vexpInPlace(row, n, shift: mx)
                vscale(row, n, 1 / sum)
                (row + n).update(repeating: 0, count: keys - n)
            }
            // out[i0..<i1] = P[i0..<i1, 0..<keys] · V[0..<keys]
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(hd), Int32(keys),
                        1, p + i0 * s, Int32(s), vp, Int32(ks), 0, op + i0 * qs, Int32(qs))
            i0 = i1
        }
    }
}

/// dq (overwritten), dk, dv (overwritten, past + T rows per sequence) from dout[B, T, NH, HD]. `dp` is scratch of
/// T·(past + T) floats per worker (`workers`, which the caller sizes `dp` for: passed in, so the loop never uses more
/// scratch than was handed in). Work is split by (batch, key/value head), so each dk/dv block has one writer.
func attentionBackward(dq: FPtr, dk: FPtr, dv: FPtr, dp: FPtr, dout: CFPtr, probs: CFPtr, q: CFPtr, k: CFPtr, v: CFPtr,
                       b: Int, t: Int, nh: Int, nkv: Int, hd: Int, past: Int = 0, block: Int = 32, workers: Int) {
    let group = nh / nkv, qs = nh * hd, ks = nkv * hd, s = past + t
    let scale = 1 / Float(hd).squareRoot()
    dk.update(repeating: 0, count: b * s * ks)
    dv.update(repeating: 0, count: b * s * ks)
    Parallel.forItems(b * nkv, workers: workers) { worker, item in
        let bi = item / nkv, kh = item % nkv
        let dp = dp + worker * t * s
        let ko = bi * s * ks + kh * hd
        for h in (kh * group)..<((kh + 1) * group) {
            let qo = bi * t * qs + h * hd
            let p = probs + (bi * nh + h) * t * s
            let dop = dout + qo
            var i0 = 0
            while i0 < t {
                let i1 = min(t, i0 + block), rows = i1 - i0, keys = past + i1
                let pb = p + i0 * s, db = dp + i0 * s
                // dV[0..<keys] += P[i0..<i1, 0..<keys]ᵀ · dOut[i0..<i1]
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(keys), Int32(hd), Int32(rows),
                            1, pb, Int32(s), dop + i0 * qs, Int32(qs), 1, dv + ko, Int32(ks))
                // dP[i0..<i1, 0..<keys] = dOut[i0..<i1] · V[0..<keys]ᵀ
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(keys), Int32(hd),
                            1, dop + i0 * qs, Int32(qs), v + ko, Int32(ks), 0, db, Int32(s))
                // dS = P ⊙ (dP − Σ_j P·dP) · scale   (causal: j ≤ past + i; zero for past + i < j < keys)
                for i in i0..<i1 {
                    let pr = p + i * s, dr = dp + i * s, n = past + i + 1
                    let dot = vdot(pr, dr, n)
                    var j = 0
                    while j + 8 <= n { st(ld(pr + j) * (ld(dr + j) - dot) * scale, dr + j); j += 8 }
                    while j < n { dr[j] = pr[j] * (dr[j] - dot) * scale; j += 1 }
                    (dr + n).update(repeating: 0, count: keys - n)
                }
                // dQ[i0..<i1] = dS · K[0..<keys] ;  dK[0..<keys] += dSᵀ · Q[i0..<i1]
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(hd), Int32(keys),
                            1, db, Int32(s), k + ko, Int32(ks), 0, dq + qo + i0 * qs, Int32(qs))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(keys), Int32(hd), Int32(rows),
                            1, db, Int32(s), q + qo + i0 * qs, Int32(qs), 1, dk + ko, Int32(ks))
                i0 = i1
            }
        }
    }
}

// ----------------------------------------------------------------------------
// SwiGLU: h = silu(g) ⊙ u, silu(g) = g·σ(g).  g, u, h [N, H]

/// `kernels`: the AVX-512 kernel does the full 8-lane chunks (same bits).
func swigluForward(_ h: FPtr, g: CFPtr, u: CFPtr, count: Int, kernels: Bool = avx512KernelsAvailable) {
    Parallel.forChunks(count / 8 + 1, minChunk: 1024) { blocks in
    var i = blocks.lowerBound * 8
    let count = min(count, blocks.upperBound * 8)
    if kernels && i < count {
        let chunks = (count - i) / 8
        dft_swiglu_forward_chunks(h + i, g + i, u + i, chunks)
        i += chunks * 8
    }
    while i < count {
        let k = min(8, count - i)
        let full = k == 8
        let x = full ? ld(g + i) : load8(g + i, k, fill: 0), uu = full ? ld(u + i) : load8(u + i, k, fill: 0)
        let y = x / (1 + vexp(-x)) * uu
        if full { st(y, h + i) } else { store8(y, h + i, k) }
        i += 8
    }
    }
}

/// dg = dh ⊙ u ⊙ σ(g)(1 + g(1 − σ(g))),  du = dh ⊙ silu(g)   (both overwritten). `kernels`: AVX-512 for full chunks.
func swigluBackward(dg: FPtr, du: FPtr, dh: CFPtr, g: CFPtr, u: CFPtr, count: Int, kernels: Bool = avx512KernelsAvailable) {
    Parallel.forChunks(count / 8 + 1, minChunk: 1024) { blocks in
    var i = blocks.lowerBound * 8
    let count = min(count, blocks.upperBound * 8)
    if kernels && i < count {
        let chunks = (count - i) / 8
        dft_swiglu_backward_chunks(dg + i, du + i, dh + i, g + i, u + i, chunks)
        i += chunks * 8
    }
    while i < count {
        let k = min(8, count - i)
        let full = k == 8
        let x = full ? ld(g + i) : load8(g + i, k, fill: 0), uu = full ? ld(u + i) : load8(u + i, k, fill: 0)
        let d = full ? ld(dh + i) : load8(dh + i, k, fill: 0)
        let s = 1 / (1 + vexp(-x))
        let a = d * x * s, b = d * uu * s * (1 + x * (1 - s))
        if full { st(a, du + i); st(b, dg + i) } else { store8(a, du + i, k); store8(b, dg + i, k) }
        i += 8
    }
    }
}

// ----------------------------------------------------------------------------
// Cross-entropy over logits[N, V] with a per-target weight (0 or 1 from the loss mask).
// Returns Σ_n weight_n · (−log softmax(logits_n)[target_n]) in Double. The logits are overwritten: with
// `computeGradient` by  scale · weight_n · (softmax − onehot), else by scratch values.

func crossEntropyForwardBackward(logits: FPtr, targets: UnsafePointer<Int32>, weights: CFPtr, n: Int, v: Int,
                                 scale: Float, computeGradient: Bool) -> Double {
    var rowLoss = [Double](repeating: 0, count: n)
    rowLoss.withUnsafeMutableBufferPointer { rl in
        let rlp = rl.baseAddress!
        Parallel.forChunks(n, minChunk: 16) { rows in
            for r in rows {
                let row = logits + r * v
                let tgt = Int(targets[r]), w = weights[r]
                let picked = row[tgt]
                let mx = vmax(row, v)
                let sum = vexpInPlace(row, v, shift: mx)        // row now holds exp(logit − max)
                rlp[r] = w != 0 ? Double(w) * Double(mx + logf(sum) - picked) : 0
                if computeGradient {
                    let f = scale * w
                    if f == 0 {
                        row.update(repeating: 0, count: v)
                    } else {
                        vscale(row, v, f / sum)
                        row[tgt] -= f
                    }
                }
            }
        }
    }
    var total = 0.0
    for x in rowLoss { total += x }
    return total
}
