import Foundation

/// A closable FIFO shared by the reader and the workers.
final class WorkQueue<T>: @unchecked Sendable {
    private var items: [T] = []
    private var head = 0
    private var closed = false
    private let cond = NSCondition()

    func put(_ x: T) {
        cond.lock(); items.append(x); cond.signal(); cond.unlock()
    }
    func close() {
        cond.lock(); closed = true; cond.broadcast(); cond.unlock()
    }
    func take() -> T? {
        cond.lock(); defer { cond.unlock() }
        while head >= items.count && !closed { cond.wait() }
        if head < items.count {
            let x = items[head]
            head += 1
            if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
            return x
        }
        return nil
    }
}
