import CWordBreak
import Foundation

/// A pool of ICU word break iterators: opening one loads rule and dictionary data, so they are reused; each is
/// used by one thread at a time.
final class BreakerPool: @unchecked Sendable {
    static let shared = BreakerPool()

    private let lock = NSLock()
    private var free: [OpaquePointer] = []

    /// An iterator for exclusive use, or nil when ICU cannot open one.
    func take() -> OpaquePointer? {
        lock.lock()
        let reused = free.popLast()
        lock.unlock()
        if let reused { return reused }
        return dfwb_create()
    }

    /// Returns an iterator taken with `take()`.
    func give(_ breaker: OpaquePointer) {
        lock.lock()
        free.append(breaker)
        lock.unlock()
    }
}
