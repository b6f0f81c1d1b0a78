// Data parallelism inside one optimizer step: the batch's sequences are split between worker threads, each running
// the whole forward/backward of its slice (LlamaModel.forward/loss/backward, unchanged) with single-threaded BLAS,
// its own activations and its own gradient buffer; the buffers are then summed in a fixed order.
import COpenBLAS
import Dispatch

/// Forward, loss and backward of batches of `batch` × `seqLen` tokens on `workers` threads.
///
/// Worker k takes the contiguous slice of sequences `batch·k/W ..< batch·(k+1)/W` and accumulates its gradient into a
/// buffer of its own (worker 0 into `model.trainableGradients`: every parameter's, or a LoRA adapter's);
/// `reduceGradients` adds the others into it, element by
/// element in worker order. Results therefore depend only on the worker count, never on timing; with one worker the
/// computation is exactly `model.forward`, `model.loss`, `model.backward` on one `Activations`.
public final class BatchParallel {
    /// The model whose parameters are read and whose `grads` receive the reduced gradient.
    public let model: LlamaModel
    /// Threads used (at most one per sequence).
    public let workers: Int
    /// Sequences per batch and tokens per sequence.
    public let batch: Int, seqLen: Int
    let slices: [Range<Int>]
    let acts: [Activations]
    /// Gradient buffers of workers 1..<W (worker 0 writes `model.grads`).
    let extraGrads: [UnsafeMutableBufferPointer<Float>]

    /// Buffers for batches of `batch` sequences of `seqLen` tokens split over `workers` threads.
    public init(model: LlamaModel, batch: Int, seqLen: Int, workers: Int) {
        precondition(batch >= 1 && seqLen >= 1)
        self.model = model
        self.batch = batch
        self.seqLen = seqLen
        let w = max(1, min(workers, batch))
        self.workers = w
        slices = (0..<w).map { k in (batch * k / w)..<(batch * (k + 1) / w) }
        acts = slices.map { Activations(config: model.config, batch: $0.count, seqLen: seqLen) }
        for (k, r) in slices.enumerated() { acts[k].rowOffset = r.lowerBound * seqLen }
        extraGrads = (1..<w).map { _ in
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: model.trainableGradients.count)
            b.initialize(repeating: 0)
            return b
        }
    }

    deinit { for b in extraGrads { b.deallocate() } }

    /// The activations of worker 0 (all of the batch with one worker).
    public var firstActivations: Activations { acts[0] }

    func gradBuffer(_ k: Int) -> UnsafeMutablePointer<Float> { k == 0 ? model.trainableGradients.baseAddress! : extraGrads[k - 1].baseAddress! }

    /// Zeroes `model.trainableGradients` and every worker's buffer.
    public func zeroGrad() {
        let n = model.trainableGradients.count
        if workers == 1 { gradBuffer(0).update(repeating: 0, count: n); return }
        runWorkers { k in gradBuffer(k).update(repeating: 0, count: n) }
    }

    /// Forward, loss and backward of one batch ([batch, seqLen] each): adds d(scale · Σ weightᵢ·lossᵢ)/dθ into the
    /// worker buffers and returns Σ weightᵢ·lossᵢ (the worker sums added in worker order).
    public func accumulate(inputs: [Int32], targets: [Int32], weights: [Float], scale: Float) -> Double {
        run(inputs: inputs, targets: targets, weights: weights, scale: scale, gradient: true)
    }

    /// Σ weightᵢ·lossᵢ of one batch, without gradients (evaluation).
    public func lossSum(inputs: [Int32], targets: [Int32], weights: [Float]) -> Double {
        run(inputs: inputs, targets: targets, weights: weights, scale: 1, gradient: false)
    }

    private func run(inputs: [Int32], targets: [Int32], weights: [Float], scale: Float, gradient: Bool) -> Double {
        let T = seqLen
        precondition(inputs.count == batch * T && targets.count == batch * T && weights.count == batch * T)
        if workers == 1 {
            model.forward(tokens: inputs, batch: batch, seqLen: T, acts[0])
            let l = model.loss(targets: targets, weights: weights, scale: scale, gradient: gradient, acts[0])
            if gradient { model.backward(acts[0]) }
            return l
        }
        let losses = UnsafeMutableBufferPointer<Double>.allocate(capacity: workers)
        defer { losses.deallocate() }
        losses.initialize(repeating: 0)
        runWorkers { k in
            let r = slices[k], lo = r.lowerBound * T, hi = r.upperBound * T
            model.forward(tokens: Array(inputs[lo..<hi]), batch: r.count, seqLen: T, acts[k])
            losses[k] = model.loss(targets: Array(targets[lo..<hi]), weights: Array(weights[lo..<hi]), scale: scale,
                                   gradient: gradient, acts[k])
            if gradient { model.backward(acts[k], grads: gradBuffer(k)) }
        }
        var total = 0.0
        for l in losses { total += l }
        return total
    }

    /// Adds the other workers' buffers into `model.grads` (g₀ + g₁ + … per element), each worker summing a contiguous
    /// range of parameters.
    public func reduceGradients() {
        guard workers > 1 else { return }
        let n = model.trainableGradients.count, w = workers
        let g = model.trainableGradients.baseAddress!
        let extras = extraGrads.map { $0.baseAddress! }
        runWorkers { k in
            let lo = n * k / w, hi = n * (k + 1) / w
            for e in extras {
                addInPlace(g + lo, e + lo, hi - lo)
            }
        }
    }

    /// Runs body(k) for k in 0..<workers on that many threads, with the trainer's own loops and BLAS single-threaded
    /// inside (BLAS restored to the caller's worker count afterwards).
    func runWorkers(_ body: (Int) -> Void) {
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(Parallel.workers)) }
        withoutActuallyEscaping(body) { f in
            let box = UncheckedBox(f)
            DispatchQueue.concurrentPerform(iterations: workers) { k in Parallel.withWorkers(1) { box.value(k) } }
        }
    }
}
