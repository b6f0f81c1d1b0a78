import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on a lock file guarding an output folder, so that only one process writes
/// there at a time. Held until `release()` or deinit; the kernel drops it when the process dies (even by SIGKILL),
/// so a run started again after a kill never meets a stale lock. The file records the holder's process id and host
/// name, which a refused process names in its `OutputLockError`.
///
/// Locks taken through separate `open` calls conflict even within one process: code that needs a lock its caller
/// already holds must be handed that lock instead of taking it again.
public final class OutputLock {
    /// The lock file.
    public let path: String
    /// The folder the lock guards (named in errors).
    public let folder: String
    private var fd: Int32

    /// Takes the lock on `directory/name` (creating the directory and the file), or throws `OutputLockError` at once
    /// when another process holds it (`OutputError` when the file cannot be created).
    /// - Parameter folder: the output folder the lock guards, for messages (default: `directory`).
    public init(directory: String, name: String, guarding folder: String? = nil) throws {
        try makeDirectory(directory)
        path = directory + "/" + name
        self.folder = folder ?? directory
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw OutputError(path: path, message: "cannot create the lock file: \(String(cString: strerror(errno)))") }
        var rc: Int32
        repeat { rc = flock(fd, LOCK_EX | LOCK_NB) } while rc != 0 && errno == EINTR
        if rc != 0 {
            let err = errno
            let holder = err == EWOULDBLOCK ? Self.readHolder(fd) : nil
            close(fd)
            fd = -1
            if err == EWOULDBLOCK {
                throw OutputLockError(folder: self.folder, lockPath: path, holderPID: holder?.pid, holderHost: holder?.host)
            }
            throw OutputError(path: path, message: "cannot lock (\(String(cString: strerror(err)))): the file system does not support "
                              + "flock; put the output on a local or flock-capable file system (e.g. Lustre mounted with -o flock)")
        }
        recordHolder()
    }

    /// Takes the lock for an output folder or file as the sibling file `<path>.lock` (for outputs that are
    /// replaced as a whole, so the lock cannot live inside them).
    public convenience init(siblingOf output: String) throws {
        var p = output
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        let slash = p.lastIndex(of: "/")
        let dir = slash.map { $0 == p.startIndex ? "/" : String(p[..<$0]) } ?? "."
        let base = slash.map { String(p[p.index(after: $0)...]) } ?? p
        try self.init(directory: dir, name: base + ".lock", guarding: output)
    }

    deinit { release() }

    /// Gives the lock up (idempotent).
    public func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    /// Whether this object still holds the lock.
    public var isHeld: Bool { fd >= 0 }

    /// The process that holds the lock on `lockFile` right now, read from the kernel's lock table (`/proc/locks`)
    /// without touching the lock, so a status query never gets in a run's way; nil when nobody holds it (or on a
    /// system without `/proc/locks`).
    public static func holder(of lockFile: String) -> Int32? {
        var st = stat()
        guard stat(lockFile, &st) == 0, let table = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        // glibc's encoding of a dev_t (gnu_dev_major / gnu_dev_minor)
        let d = UInt64(st.st_dev)
        let major = ((d >> 8) & 0xfff) | ((d >> 32) & ~UInt64(0xfff)), minor = (d & 0xff) | ((d >> 12) & ~UInt64(0xff))
        let dev = String(format: "%02llx:%02llx:%llu", major, minor, UInt64(st.st_ino))
        for line in table.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            // "1: FLOCK  ADVISORY  WRITE 1234 08:01:56789 0 EOF"
            if f.count >= 6, f[1] == "FLOCK", f[5] == dev, let pid = Int32(f[4]) { return pid }
        }
        return nil
    }

    /// Writes `pid <n>\nhost <name>\n` into the lock file (best effort: the lock itself is what counts).
    private func recordHolder() {
        let text = "pid \(getpid())\nhost \(Self.hostName())\n"
        _ = ftruncate(fd, 0)
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "unknown" }
        return String(cString: buf)
    }

    /// The holder recorded in the file; retried briefly, since a new holder writes it just after locking.
    static func readHolder(_ fd: Int32) -> (pid: Int32, host: String)? {
        for attempt in 0..<20 {
            if attempt > 0 { usleep(10_000) }
            var buf = [UInt8](repeating: 0, count: 512)
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { continue }
            if let h = parseHolder(String(decoding: buf[0..<n], as: UTF8.self)) { return h }
        }
        return nil
    }

    static func parseHolder(_ text: String) -> (pid: Int32, host: String)? {
        var pid: Int32?, host: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("pid ") { pid = Int32(line.dropFirst(4)) }
            if line.hasPrefix("host ") { host = String(line.dropFirst(5)) }
        }
        guard let pid, let host else { return nil }
        return (pid, host)
    }
}
