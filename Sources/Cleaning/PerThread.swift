#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One `Value` per thread, made on first use and found through a POSIX thread-specific key; released when its
/// thread exits. The per-document caches of the cleaning stages (``SegmentCache``, ``ScriptShareCache``) are asked
/// for several times a document: a look-up in `Thread.current.threadDictionary` hashed its string key each time
/// and cost more than the script-share check it served (perf, `bench clean-zh`).
final class PerThread<Value: AnyObject>: @unchecked Sendable {
    private var key = pthread_key_t()
    private let make: @Sendable () -> Value

    /// A key whose value `make` creates, once per thread.
    init(_ make: @escaping @Sendable () -> Value) {
        self.make = make
        let status = pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            Unmanaged<AnyObject>.fromOpaque(pointer).release()
        }
        precondition(status == 0, "pthread_key_create failed (\(status)): the process has no thread-specific keys left")
    }

    /// This thread's value.
    @inline(__always)
    var value: Value {
        if let pointer = pthread_getspecific(key) { return Unmanaged<Value>.fromOpaque(pointer).takeUnretainedValue() }
        let made = make()
        pthread_setspecific(key, Unmanaged.passRetained(made).toOpaque())
        return made
    }
}
