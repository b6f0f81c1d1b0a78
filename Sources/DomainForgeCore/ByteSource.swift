#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib
import CZstd

/// A sequential stream of bytes: a file, or a decompressor over one.
public protocol ByteSource: AnyObject {
    /// Reads up to `count` bytes into `buffer` (appending). Returns the number read; 0 means end of stream.
    /// Throws `InputError` on I/O failure or corrupt/truncated compressed data.
    func read(into buffer: inout [UInt8], count: Int) throws -> Int
    /// Bytes consumed from the underlying file so far (for progress).
    var compressedBytesRead: Int { get }
    /// FNV-1a 64 of the underlying file's bytes consumed so far (the input fingerprint stored with the run state).
    var fileHash: UInt64 { get }
}

/// Opens a file for streaming, choosing a decompressor by extension (`.gz`, `.zst`/`.zstd`).
public func openByteSource(path: String, displayName: String) throws -> any ByteSource {
    let file = try FileByteSource(path: path, displayName: displayName)
    if path.hasSuffix(".gz") { return try GzipByteSource(file, displayName: displayName) }
    if path.hasSuffix(".zst") || path.hasSuffix(".zstd") { return try ZstdByteSource(file, displayName: displayName) }
    return file
}

/// Reads a whole (possibly compressed) file, refusing files larger than `limit` bytes after decompression.
public func readWholeFile(path: String, displayName: String, limit: Int) throws -> [UInt8] {
    let src = try openByteSource(path: path, displayName: displayName)
    var out = [UInt8]()
    while true {
        let n = try src.read(into: &out, count: 1 << 20)
        if n == 0 { break }
        if out.count > limit {
            throw InputError(code: "document_too_large", file: displayName,
                             message: "file is larger than max_document_bytes (\(limit)); raise execution.max_document_bytes or split the file")
        }
    }
    return out
}

/// A plain file read with POSIX `read`.
public final class FileByteSource: ByteSource {
    let fd: Int32
    let name: String
    public private(set) var compressedBytesRead = 0
    public private(set) var fileHash: UInt64 = 0xcbf29ce484222325
    var ownScratch = [UInt8]()

    /// Opens a regular file. Anything else (FIFO, socket, device, folder, dangling link) is refused before `open`
    /// with the `InputError` of `InputFileKind`, so reading user input never blocks on a pipe.
    public init(path: String, displayName: String) throws {
        try InputFileKind.requireRegularFile(path: path, displayName: displayName)
        name = displayName
        // O_NONBLOCK: should the path be swapped for a FIFO after the check, open still returns at once.
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            throw InputError(code: "unreadable_file", file: displayName, message: "cannot open: \(String(cString: strerror(errno))); check the file's permissions")
        }
        var st = stat()
        if fstat(fd, &st) != 0 || InputFileKind.kind(mode: st.st_mode) != .regular {
            throw InputFileKind.kind(mode: st.st_mode).inputError(file: displayName)
                ?? InputError(code: "unreadable_file", file: displayName, message: "cannot examine the opened file")
        }
    }
    /// Reads an already open descriptor (e.g. 0 for standard input); it is duplicated, the original stays open.
    public init(descriptor: Int32, displayName: String) {
        fd = dup(descriptor)
        name = displayName
    }
    deinit { close(fd) }

    public func read(into buffer: inout [UInt8], count: Int) throws -> Int {
        var scratch = ownScratch
        ownScratch = []
        defer { ownScratch = scratch }
        return try read(into: &buffer, count: count, scratch: &scratch)
    }

    /// Reads through a caller-owned scratch buffer, so nothing is zero-filled on the way.
    func read(into buffer: inout [UInt8], count: Int, scratch: inout [UInt8]) throws -> Int {
        if scratch.count < count { scratch = [UInt8](repeating: 0, count: count) }
        let got = scratch.withUnsafeMutableBytes { raw -> Int in
            var r: Int
            repeat { r = Glibc.read(fd, raw.baseAddress!, count) } while r < 0 && errno == EINTR
            return r
        }
        if got < 0 {
            throw InputError(code: "read_error", file: name, offset: compressedBytesRead, message: "read failed: \(String(cString: strerror(errno)))")
        }
        if got > 0 {
            scratch.withUnsafeBytes { raw in
                let part = UnsafeRawBufferPointer(rebasing: raw[0..<got])
                fileHash = Hashing.fnv1a64(part, seed: fileHash)
                buffer.append(contentsOf: part)
            }
        }
        compressedBytesRead += got
        return got
    }
}

/// What streaming decompressors share: input refilled from the file in 256 KiB reads, output produced into a
/// scratch buffer (nothing zero-filled per call), and the end-of-file check. Subclasses supply `step`.
public class DecompressingByteSource: ByteSource {
    let inner: FileByteSource
    let name: String
    var inBuf = [UInt8]()
    var inPos = 0
    var out = [UInt8]()
    var finished = false
    /// Decompressed bytes returned so far (error offsets are reported in these).
    var produced = 0
    public var compressedBytesRead: Int { inner.compressedBytesRead }
    public var fileHash: UInt64 { inner.fileHash }

    init(source inner: FileByteSource, name displayName: String) {
        self.inner = inner
        self.name = displayName
    }

    /// Decompresses from `inBuf[inPos...]` into `output`, advancing `inPos`; returns the bytes written (0 is fine
    /// while more input is needed). Throws `InputError` for corrupt data.
    func step(into output: UnsafeMutableRawBufferPointer) throws -> Int { fatalError("subclass") }
    /// The file ended: throw when the compressed stream is incomplete.
    func checkEndOfInput() throws {}
    /// New input arrived after the buffer had been used up.
    func didRefill() {}

    public func read(into buffer: inout [UInt8], count: Int) throws -> Int {
        if finished { return 0 }
        if out.count < count { out = [UInt8](repeating: 0, count: count) }
        var used = 0
        defer { if used > 0 { buffer.append(contentsOf: out[0..<used]) } }
        while used == 0 {
            if inPos >= inBuf.count {
                inBuf.removeAll(keepingCapacity: true)
                inPos = 0
                if try inner.read(into: &inBuf, count: 1 << 18) == 0 {
                    try checkEndOfInput()
                    finished = true
                    break
                }
                didRefill()
            }
            used = try out.withUnsafeMutableBytes { try step(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<count])) }
        }
        produced += used
        return used
    }
}

/// Streaming gzip decompression (zlib), including multi-member files. A truncated stream is an error.
public final class GzipByteSource: DecompressingByteSource {
    var stream = z_stream()
    var memberDone = false

    public init(_ inner: FileByteSource, displayName: String) throws {
        super.init(source: inner, name: displayName)
        guard cz_inflateInit2(&stream, 15 + 32) == Z_OK else {
            throw InputError(code: "gzip_error", file: displayName, message: "cannot initialise zlib")
        }
    }
    deinit { inflateEnd(&stream) }

    override func checkEndOfInput() throws {
        // Fine only at a member boundary (or for an empty file).
        if !memberDone && (produced > 0 || inner.compressedBytesRead > 0) {
            throw InputError(code: "truncated_gzip", file: name, offset: produced,
                             message: "gzip stream ends early (truncated file); records before the cut were read")
        }
    }

    override func didRefill() {
        if memberDone { inflateReset(&stream); memberDone = false }
    }

    override func step(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        var written = 0
        let rc: Int32 = inBuf.withUnsafeMutableBytes { ib in
            stream.next_in = ib.baseAddress!.assumingMemoryBound(to: Bytef.self) + inPos
            stream.avail_in = uInt(ib.count - inPos)
            stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(output.count)
            let r = inflate(&stream, Z_NO_FLUSH)
            written = output.count - Int(stream.avail_out)
            inPos = ib.count - Int(stream.avail_in)
            return r
        }
        if rc == Z_STREAM_END {
            // Another member may follow in the same buffer; otherwise reset when more input arrives.
            if inPos < inBuf.count { inflateReset(&stream) } else { memberDone = true }
        } else if rc != Z_OK && rc != Z_BUF_ERROR {
            throw InputError(code: "corrupt_gzip", file: name, offset: produced + written, message: "gzip data is corrupt (zlib error \(rc))")
        }
        return written
    }
}

/// Streaming zstd decompression (multi-frame files included). A truncated frame is an error.
public final class ZstdByteSource: DecompressingByteSource {
    let dctx: OpaquePointer
    /// The last `ZSTD_decompressStream` hint: 0 when a frame has just been completed.
    var lastHint = 0

    public init(_ inner: FileByteSource, displayName: String) throws {
        guard let d = ZSTD_createDCtx() else { throw InputError(code: "zstd_error", file: displayName, message: "cannot create zstd context") }
        dctx = d
        super.init(source: inner, name: displayName)
    }
    deinit { ZSTD_freeDCtx(dctx) }

    override func checkEndOfInput() throws {
        if lastHint != 0 {
            throw InputError(code: "truncated_zstd", file: name, offset: produced,
                             message: "zstd stream ends early (truncated file); records before the cut were read")
        }
    }

    override func step(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        var failed: String?
        var written = 0
        inBuf.withUnsafeBytes { ib in
            var input = ZSTD_inBuffer(src: ib.baseAddress, size: ib.count, pos: inPos)
            var out = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let r = ZSTD_decompressStream(dctx, &out, &input)
            if ZSTD_isError(r) != 0 { failed = String(cString: ZSTD_getErrorName(r)) } else { lastHint = r }
            inPos = input.pos
            written = out.pos
        }
        if let f = failed {
            throw InputError(code: "corrupt_zstd", file: name, offset: produced + written, message: "zstd data is corrupt: \(f)")
        }
        return written
    }
}
