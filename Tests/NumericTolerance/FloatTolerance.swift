// Tolerances for comparing two float32 computations of the same quantity that may take different paths: another
// batch split, another thread count, another BLAS kernel (OpenBLAS picks its kernels by CPU), or the AVX-512 loops
// against the portable ones. Exact-bit checks stay where the code guarantees bits (same path, same thread count).

import Trainer

/// Error bounds for float32 results, derived from the operations rather than from one CPU's rounding.
///
/// The bound for an n-term float sum or dot product is Higham's γₙ = n·u / (1 − n·u), u = 2⁻²⁴ (N. J. Higham,
/// *Accuracy and Stability of Numerical Algorithms*, 2nd ed., 2002, §3.1). It holds for any summation order and
/// with or without fused multiply-add, so it holds for every kernel a CPU may choose.
public enum FloatTolerance {
    /// Unit roundoff of IEEE binary32.
    public static let unitRoundoff = 0x1p-24

    /// γₙ for a chain of reductions of total length `n`.
    public static func gamma(_ n: Int) -> Double {
        let nu = Double(n) * unitRoundoff
        return nu / (1 - nu)
    }

    /// The length of the longest chain of reductions in one forward pass of `c` at sequence length `seqLen`: per
    /// layer two RMSNorms and the q/k/v, output and gate/up projections (C terms each), the attention scores (head
    /// dimension), the attention-weighted sum (T) and the down projection (H); then the final RMSNorm, the LM head
    /// (C) and the log-sum-exp over the vocabulary (V).
    public static func forwardChainLength(_ c: LlamaConfig, seqLen: Int) -> Int {
        let perLayer = 5 * c.hiddenSize + c.headDim + seqLen + c.intermediateSize
        return c.numLayers * perLayer + 2 * c.hiddenSize + c.vocabSize
    }

    /// Relative bound for a loss (or logits) of one forward pass of `c`, whatever the batch split and kernels.
    public static func forward(_ c: LlamaConfig, seqLen: Int) -> Double {
        gamma(forwardChainLength(c, seqLen: seqLen))
    }

    /// Relative bound for gradients: the backward pass runs the forward chain again in reverse.
    public static func backward(_ c: LlamaConfig, seqLen: Int) -> Double {
        gamma(2 * forwardChainLength(c, seqLen: seqLen))
    }

    /// Whether `a` and `b` agree within `relative` of the larger magnitude (and of 1, for values near zero).
    public static func close(_ a: Double, _ b: Double, relative: Double) -> Bool {
        abs(a - b) <= relative * max(1, abs(a), abs(b))
    }
}
