import Foundation

/// Results of workers, handed to the writer in sequence order.
final class ResultBox: @unchecked Sendable {
    private var results: [Int: PipelineExecutor.BatchResult] = [:]
    private var doneWorkers = 0
    private let cond = NSCondition()

    func put(_ seq: Int, _ r: PipelineExecutor.BatchResult) {
        cond.lock(); results[seq] = r; cond.broadcast(); cond.unlock()
    }
    func workerDone() {
        cond.lock(); doneWorkers += 1; cond.broadcast(); cond.unlock()
    }
    /// Waits for result `seq`; nil once all workers finished and it will never come.
    func take(_ seq: Int, workers: Int) -> PipelineExecutor.BatchResult? {
        cond.lock(); defer { cond.unlock() }
        while results[seq] == nil {
            if doneWorkers == workers { return nil }
            cond.wait()
        }
        return results.removeValue(forKey: seq)
    }
}
