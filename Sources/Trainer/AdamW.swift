import COpenBLAS
import CTrainerKernels
import Foundation

/// AdamW as in PyTorch `torch.optim.AdamW` (https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html):
/// decoupled weight decay p ← p − lr·λ·p, bias-corrected moments. Weight decay applies to 2-D tensors only
/// (linear weights and the embedding, as nanoGPT and `p.dim() >= 2` groups do); norm weights never decay.
public final class AdamW {
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// First and second moments, laid out like the parameters.
    public var m: [Float], v: [Float]
    /// Updates done so far (the bias-correction step t).
    public var t: Int = 0

    public init(parameterCount: Int, beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        m = [Float](repeating: 0, count: parameterCount)
        v = m
    }

    /// One update of `model.params` from `model.grads` with learning rate `lr` (split over `Parallel.workers`).
    public func step(model: LlamaModel, lr: Float) {
        t += 1
        let c1 = 1 / (1 - Float(pow(Double(beta1), Double(t)))), c2 = 1 / (1 - Float(pow(Double(beta2), Double(t))))
        let p = model.params.baseAddress!, g = model.grads.baseAddress!
        let (b1, b2, e) = (beta1, beta2, eps)
        m.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeMutableBufferPointer { vb in
                let mp = mb.baseAddress!, vp = vb.baseAddress!
                let wdecay = weightDecay
                let tensors = model.layout.tensors
                // one split of the whole buffer over the workers (one synchronisation per step, not one per tensor);
                // each chunk updates the pieces of the tensors it covers
                Parallel.forChunks(model.parameterCount, minChunk: 1 << 14) { chunk in
                    for tensor in tensors where tensor.offset < chunk.upperBound && tensor.offset + tensor.count > chunk.lowerBound {
                        let wd = tensor.decays ? wdecay : 0
                        // 8 lanes at a time, then the tail; the same operations in the same order, so the same bits
                        var i = max(tensor.offset, chunk.lowerBound)
                        let end = min(tensor.offset + tensor.count, chunk.upperBound)
                        let vb1 = F8(repeating: b1), vb1c = F8(repeating: 1 - b1), vb2 = F8(repeating: b2), vb2c = F8(repeating: 1 - b2)
                        let vc1 = F8(repeating: c1), vc2 = F8(repeating: c2), ve = F8(repeating: e), vwd = F8(repeating: wd), vlr = F8(repeating: lr)
                        if avx512KernelsAvailable && end - i >= 16 {
                            let chunks = (end - i) / 8
                            dft_adamw_chunks(p + i, g + i, mp + i, vp + i, chunks, b1, b2, c1, c2, e, wd, lr)
                            i += chunks * 8
                        }
                        while i + 8 <= end {
                            let gi = ld(g + i), pi = ld(p + i)
                            let mi = vb1 * ld(mp + i) + vb1c * gi
                            let vi = vb2 * ld(vp + i) + vb2c * gi * gi
                            st(mi, mp + i); st(vi, vp + i)
                            st(pi - vlr * ((mi * vc1) / ((vi * vc2).squareRoot() + ve) + vwd * pi), p + i)
                            i += 8
                        }
                        while i < end {
                            let gi = g[i]
                            let mi = b1 * mp[i] + (1 - b1) * gi
                            let vi = b2 * vp[i] + (1 - b2) * gi * gi
                            mp[i] = mi; vp[i] = vi
                            p[i] -= lr * ((mi * c1) / ((vi * c2).squareRoot() + e) + wd * p[i])
                            i += 1
                        }
                    }
                }
            }
        }
    }
}

extension AdamW {
    /// One update of a flat parameter buffer (a LoRA adapter): every value decays when `decay` is true, as the 2-D
    /// LoRA matrices do in PEFT's default optimizer groups. The moments are laid out like `params`.
    public func step(params: UnsafeMutableBufferPointer<Float>, grads: UnsafeBufferPointer<Float>, lr: Float, decay: Bool = true) {
        precondition(params.count == m.count && grads.count == m.count, "moments sized for another buffer")
        t += 1
        let c1 = 1 / (1 - Float(pow(Double(beta1), Double(t)))), c2 = 1 / (1 - Float(pow(Double(beta2), Double(t))))
        let (b1, b2, e, wd) = (beta1, beta2, eps, decay ? weightDecay : 0)
        let p = params.baseAddress!, g = grads.baseAddress!
        m.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeMutableBufferPointer { vb in
                let mp = mb.baseAddress!, vp = vb.baseAddress!
                for i in 0..<params.count {
                    let gi = g[i]
                    let mi = b1 * mp[i] + (1 - b1) * gi
                    let vi = b2 * vp[i] + (1 - b2) * gi * gi
                    mp[i] = mi; vp[i] = vi
                    p[i] -= lr * ((mi * c1) / ((vi * c2).squareRoot() + e) + wd * p[i])
                }
            }
        }
    }
}

/// Global L2 norm of a gradient buffer; when above `maxNorm` (> 0) scales it to it. Returns the norm before clipping.
@discardableResult
public func clipGradients(_ grads: UnsafeMutableBufferPointer<Float>, maxNorm: Float) -> Float {
    let ss = grads.isEmpty ? 0 : sumOfSquares(grads.baseAddress!, grads.count)
    let norm = Float(ss.squareRoot())
    if maxNorm > 0 && norm > maxNorm {
        let s = maxNorm / (norm + 1e-6)
        for i in grads.indices { grads[i] *= s }
    }
    return norm
}

/// Global L2 norm of the gradients; when above `maxNorm` (> 0) scales them to it (PyTorch `clip_grad_norm_`).
/// Returns the norm before clipping.
@discardableResult
public func clipGradients(_ model: LlamaModel, maxNorm: Float) -> Float {
    let g = model.grads.baseAddress!
    // per-chunk sums (sumOfSquares) added in chunk order: one chunk with one worker
    let ss = Parallel.sumChunks(model.grads.count, minChunk: 1 << 16) { r in
        sumOfSquares(g + r.lowerBound, r.count)
    }
    let norm = Float(ss.squareRoot())
    if maxNorm > 0 && norm > maxNorm {
        let s = maxNorm / (norm + 1e-6)
        Parallel.forChunks(model.grads.count, minChunk: 1 << 16) { r in
            for i in r { g[i] *= s }
        }
    }
    return norm
}

/// Sets the number of OpenBLAS threads (1 gives bitwise-reproducible runs), and the calling thread's number of
/// workers for the trainer's own loops (other threads keep theirs).
public func setBLASThreads(_ n: Int) {
    Parallel.setWorkers(n)
    openblas_set_num_threads(Int32(max(1, n)))
}

/// Σ Double(x[i])² for i < n: eight running sums (lane j takes i ≡ j mod 8) added at the end, then the tail; a fixed
/// order, so the same bits on every run.
func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
    var a = SIMD4<Double>(repeating: 0), b = SIMD4<Double>(repeating: 0)
    var i = 0
    while i + 8 <= n {
        let u = SIMD4<Double>(Double(x[i]), Double(x[i + 1]), Double(x[i + 2]), Double(x[i + 3]))
        let v = SIMD4<Double>(Double(x[i + 4]), Double(x[i + 5]), Double(x[i + 6]), Double(x[i + 7]))
        a += u * u
        b += v * v
        i += 8
    }
    var s = (a + b).sum()
    while i < n { s += Double(x[i]) * Double(x[i]); i += 1 }
    return s
}
