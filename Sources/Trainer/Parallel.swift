import COpenBLAS
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The worker count of each thread (0 = never set: 1). Per thread, not a process-wide default, so a count set by one
/// run (a test, an eval) never reaches a run on another thread, and threads of a data-parallel step run their loops
/// single-threaded while the stepping thread keeps its own count.
private let workersKey: pthread_key_t = {
    var k = pthread_key_t()
    pthread_key_create(&k, nil)
    return k
}()

/// Worker threads for the non-BLAS loops (rows of norms, softmax and cross-entropy, attention head groups, AdamW).
/// Every output element is computed by exactly one worker in a fixed order, so results do not depend on the count.
enum Parallel {
    /// Workers of the calling thread: set by `setWorkers` or `withWorkers` on this thread, else 1.
    static var workers: Int {
        let v = Int(bitPattern: pthread_getspecific(workersKey))
        return v > 0 ? v : 1
    }

    /// Sets the calling thread's worker count (at least 1) until it is set again.
    static func setWorkers(_ n: Int) {
        pthread_setspecific(workersKey, UnsafeRawPointer(bitPattern: max(1, n)))
    }

    /// Runs body with `workers` = n on this thread only.
    static func withWorkers<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        let old = pthread_getspecific(workersKey)
        pthread_setspecific(workersKey, UnsafeRawPointer(bitPattern: max(1, n)))
        defer { pthread_setspecific(workersKey, old) }
        return try body()
    }

    /// Runs body over `n` items split into contiguous chunks, one per worker (serially with one worker).
    static func forChunks(_ n: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let w = min(workers, max(1, n / max(1, minChunk)))
        if w <= 1 { body(0..<n); return }
        withoutActuallyEscaping(body) { f in
            let box = UncheckedBox(f)
            DispatchQueue.concurrentPerform(iterations: w) { k in box.value((n * k / w)..<(n * (k + 1) / w)) }
        }
    }

    /// Sum of body(chunk) over the chunks of `forChunks`, added in chunk order (deterministic for a worker count).
    static func sumChunks(_ n: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Double) -> Double {
        let w = min(workers, max(1, n / max(1, minChunk)))
        if w <= 1 { return body(0..<n) }
        let parts = UnsafeMutableBufferPointer<Double>.allocate(capacity: w)
        defer { parts.deallocate() }
        parts.initialize(repeating: 0)
        let chunk: (Int) -> Void = { k in parts[k] = body((n * k / w)..<(n * (k + 1) / w)) }
        withoutActuallyEscaping(chunk) { f in
            let box = UncheckedBox(f)
            DispatchQueue.concurrentPerform(iterations: w) { k in box.value(k) }
        }
        var s = 0.0
        for x in parts { s += x }
        return s
    }

    /// Runs body(worker, item) for items 0..<n, worker k taking items k, k + w, …; BLAS calls inside run
    /// single-threaded (one BLAS thread per worker instead of nested pools).
    static func forItems(_ n: Int, workers count: Int? = nil, _ body: (Int, Int) -> Void) {
        let w = min(count ?? workers, n)
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
