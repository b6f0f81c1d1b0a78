#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZstd

/// An error writing output: fatal for the run (the message names the path and the system's reason).
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { "cannot write \(path): \(message)" }
}

/// A file written under a temporary name unique to the process and the object (`<name>.tmp-<pid>-<random>`) and
/// renamed into place by `commit()`, so a reader never sees a half-written file, two writers never share a temporary
/// file, and a killed run leaves only temporary files behind (`isTemporary`, `removeLeftovers`). Optionally
/// zstd-compressed (streaming).
public final class AtomicOutputFile {
    public let path: String
    let tmpPath: String
    var fd: Int32
    var pending = [UInt8]()
    let cctx: OpaquePointer?
    var zbuf = [UInt8]()
    public private(set) var bytesWritten = 0
    var committed = false

    /// Creates a new temporary file next to `path`. `zstdLevel` nil writes plain bytes.
    public init(path: String, zstdLevel: Int32? = nil) throws {
        self.path = path
        (tmpPath, fd) = try Self.createTemporary(for: path)
        if let level = zstdLevel {
            cctx = ZSTD_createCCtx()
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
            zbuf = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        } else {
            cctx = nil
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(tmpPath) }
        if let c = cctx { ZSTD_freeCCtx(c) }
    }

    /// Appends bytes (buffered).
    public func write(_ bytes: [UInt8]) throws {
        if cctx == nil && bytes.count >= 1 << 20 {
            try flushPending(end: false)
            try rawWrite(bytes, count: bytes.count)
            return
        }
        pending.append(contentsOf: bytes)
        if pending.count >= 1 << 20 { try flushPending(end: false) }
    }

    private func flushPending(end: Bool) throws {
        if let c = cctx {
            try pending.withUnsafeBytes { src in
                var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
                while true {
                    var chunk = 0
                    var remaining = 0
                    try zbuf.withUnsafeMutableBytes { dst in
                        var output = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                        let r = ZSTD_compressStream2(c, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue)
                        if ZSTD_isError(r) != 0 { throw OutputError(path: tmpPath, message: "zstd: \(String(cString: ZSTD_getErrorName(r)))") }
                        chunk = output.pos
                        remaining = r
                    }
                    if chunk > 0 { try rawWrite(zbuf, count: chunk) }
                    if end ? remaining == 0 : input.pos == input.size { break }
                }
            }
        } else if !pending.isEmpty {
            try rawWrite(pending, count: pending.count)
        }
        pending.removeAll(keepingCapacity: true)
    }

    private func rawWrite(_ bytes: [UInt8], count: Int) throws {
        var done = 0
        try bytes.withUnsafeBytes { raw in
            while done < count {
                let r = Glibc.write(fd, raw.baseAddress! + done, count - done)
                if r < 0 {
                    if errno == EINTR { continue }
                    throw OutputError(path: tmpPath, message: String(cString: strerror(errno)))
                }
                done += r
            }
        }
        bytesWritten += count
    }

    /// Flushes, syncs and renames the temporary file to its final name.
    /// - Parameter sync: fsync before renaming (default). Writers of many files may skip it per file and call
    ///   `AtomicOutputFile.sync(paths:)` once before recording the work as finished.
    public func commit(sync: Bool = true) throws {
        try flushPending(end: true)
        if sync, fsync(fd) != 0 { throw OutputError(path: tmpPath, message: "fsync: \(String(cString: strerror(errno)))") }
        close(fd)
        fd = -1
        if rename(tmpPath, path) != 0 { throw OutputError(path: path, message: "rename: \(String(cString: strerror(errno)))") }
        committed = true
    }
}

extension AtomicOutputFile {
    /// Creates `<path>.tmp-<pid>-<random>` exclusively (a fresh name when one exists).
    static func createTemporary(for path: String) throws -> (String, Int32) {
        while true {
            let tmp = path + ".tmp-\(getpid())-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 { return (tmp, fd) }
            if errno != EEXIST { throw OutputError(path: tmp, message: String(cString: strerror(errno))) }
        }
    }

    /// Whether a file name is a temporary file of an `AtomicOutputFile` (`*.tmp-<pid>-<hex>`, or the `*.tmp` of
    /// earlier versions): never output, only a leftover of a killed process or a write in progress.
    public static func isTemporary(_ name: String) -> Bool {
        if name.hasSuffix(".tmp") { return true }
        guard let r = name.ranges(of: ".tmp-").last else { return false }
        let tail = name[r.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        return tail.count == 2 && Int32(tail[0]) != nil && UInt32(tail[1], radix: 16) != nil
    }

    /// Deletes the temporary files (`isTemporary`) in `directory` whose names start with `prefix`: call it only
    /// while holding the folder's `OutputLock`, so that no live writer's file is among them. Returns how many.
    @discardableResult
    public static func removeLeftovers(in directory: String, prefix: String = "") -> Int {
        guard let dir = opendir(directory) else { return 0 }
        var names = [String]()
        while let ent = readdir(dir) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name.hasPrefix(prefix) && isTemporary(name) { names.append(name) }
        }
        closedir(dir)
        return names.filter { unlink(directory + "/" + $0) == 0 }.count
    }

    /// Flushes finished files to disk (e.g. shards committed with `sync: false`).
    public static func sync(paths: [String]) throws {
        for p in paths {
            let fd = open(p, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw OutputError(path: p, message: String(cString: strerror(errno))) }
            defer { close(fd) }
            if fsync(fd) != 0 { throw OutputError(path: p, message: "fsync: \(String(cString: strerror(errno)))") }
        }
    }
}

/// Creates a directory and its parents; throws `OutputError` naming the directory when that fails or it is not writable.
public func makeDirectory(_ path: String) throws {
    var partial = path.hasPrefix("/") ? "" : "."
    for comp in path.split(separator: "/") {
        partial += "/" + comp
        var st = stat()
        if stat(partial, &st) == 0 {
            if (st.st_mode & S_IFMT) != S_IFDIR { throw OutputError(path: partial, message: "exists and is not a directory") }
            continue
        }
        if mkdir(partial, 0o755) != 0 && errno != EEXIST {
            throw OutputError(path: partial, message: String(cString: strerror(errno)))
        }
    }
    if access(path, W_OK) != 0 {
        throw OutputError(path: path, message: "directory is not writable (\(String(cString: strerror(errno)))); choose another output path or fix its permissions")
    }
}
