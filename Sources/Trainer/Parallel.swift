import COpenBLAS
import Dispatch

/// Worker threads for the non-BLAS loops (rows of norms, softmax and cross-entropy, attention head groups, AdamW).
/// Every output element is computed by exactly one worker in a fixed order, so results do not depend on the count.
enum Parallel {
    nonisolated(unsafe) static var workers = 1

    /// Runs body over `n` items split into contiguous chunks, one per worker (serially with one worker).
    static func forChunks(_ n: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let w = min(workers, max(1, n / max(1, minChunk)))
        if w <= 1 { body(0..<n); return }
        withoutActuallyEscaping(body) { f in
            let box = UncheckedBox(f)
            DispatchQueue.concurrentPerform(iterations: w) { k in box.value((n * k / w)..<(n * (k + 1) / w)) }
        }
    }

    /// Runs body(worker, item) for items 0..<n, worker k taking items k, k + w, …; BLAS calls inside run
    /// single-threaded (one BLAS thread per worker instead of nested pools).
    static func forItems(_ n: Int, _ body: (Int, Int) -> Void) {
        let w = min(workers, n)
        if w <= 1 { for i in 0..<n { body(0, i) }; return }
        openblas_set_num_threads(1)
        withoutActuallyEscaping(body) { f in
            let box = UncheckedBox(f)
            DispatchQueue.concurrentPerform(iterations: w) { k in
                for i in stride(from: k, to: n, by: w) { box.value(k, i) }
            }
        }
        openblas_set_num_threads(Int32(workers))
    }
}

/// Hands a closure over raw buffers to worker threads; callers guarantee disjoint writes.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
