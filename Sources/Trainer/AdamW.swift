import COpenBLAS
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

    public func step(model: LlamaModel, lr: Float) {
        t += 1
        let c1 = 1 / (1 - Float(pow(Double(beta1), Double(t)))), c2 = 1 / (1 - Float(pow(Double(beta2), Double(t))))
        let p = model.params.baseAddress!, g = model.grads.baseAddress!
        let (b1, b2, e) = (beta1, beta2, eps)
        m.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeMutableBufferPointer { vb in
                let mp = mb.baseAddress!, vp = vb.baseAddress!
                let wdecay = weightDecay
                for tensor in model.layout.tensors {
                    let wd = tensor.decays ? wdecay : 0
                    Parallel.forChunks(tensor.count, minChunk: 1 << 14) { range in
                    for i in (tensor.offset + range.lowerBound)..<(tensor.offset + range.upperBound) {
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
    }
}

/// Global L2 norm of the gradients; when above `maxNorm` (> 0) scales them to it (PyTorch `clip_grad_norm_`).
/// Returns the norm before clipping.
@discardableResult
public func clipGradients(_ model: LlamaModel, maxNorm: Float) -> Float {
    let g = model.grads.baseAddress!
    // per-chunk sums added in chunk order: one chunk (the plain sequential sum) with one worker
    let ss = Parallel.sumChunks(model.grads.count, minChunk: 1 << 16) { r in
        var s = 0.0
        for i in r { s += Double(g[i]) * Double(g[i]) }
        return s
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

/// Sets the number of OpenBLAS threads (1 gives bitwise-reproducible runs).
/// Also the number of workers for the trainer's own loops.
public func setBLASThreads(_ n: Int) {
    Parallel.defaultWorkers = max(1, n)
    openblas_set_num_threads(Int32(max(1, n)))
}
