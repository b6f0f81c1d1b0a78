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

    public init(path: String, displayName: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        name = displayName
        if fd < 0 {
            throw InputError(code: "unreadable_file", file: displayName, message: "cannot open: \(String(cString: strerror(errno)))")
        }
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

/// Streaming gzip decompression (zlib), including multi-member files. A truncated stream is an error.
public final class GzipByteSource: ByteSource {
    let inner: FileByteSource
    let name: String
    var stream = z_stream()
    var inBuf = [UInt8]()
    var inPos = 0
    var finished = false
    var memberDone = false
    var produced = 0
    var out = [UInt8]()
    public var compressedBytesRead: Int { inner.compressedBytesRead }
    public var fileHash: UInt64 { inner.fileHash }

    public init(_ inner: FileByteSource, displayName: String) throws {
        self.inner = inner
        self.name = displayName
        guard cz_inflateInit2(&stream, 15 + 32) == Z_OK else {
            throw InputError(code: "gzip_error", file: displayName, message: "cannot initialise zlib")
        }
    }
    deinit { inflateEnd(&stream) }

    public func read(into buffer: inout [UInt8], count: Int) throws -> Int {
        if finished { return 0 }
        if out.count < count { out = [UInt8](repeating: 0, count: count) }
        let old = 0
        var outUsed = 0
        defer { if outUsed > 0 { buffer.append(contentsOf: out[0..<outUsed]) } }
        while outUsed == 0 {
            if inPos >= inBuf.count {
                inBuf.removeAll(keepingCapacity: true)
                inPos = 0
                let n = try inner.read(into: &inBuf, count: 1 << 18)
                if n == 0 {
                    // End of file: fine only at a member boundary (or an empty file).
                    if !memberDone && (produced > 0 || inner.compressedBytesRead > 0) {
                        throw InputError(code: "truncated_gzip", file: name, offset: produced,
                                         message: "gzip stream ends early (truncated file); records before the cut were read")
                    }
                    finished = true
                    break
                }
                if memberDone {
                    inflateReset(&stream)
                    memberDone = false
                }
            }
            let rc: Int32 = inBuf.withUnsafeMutableBytes { ib in
                out.withUnsafeMutableBytes { ob in
                    stream.next_in = ib.baseAddress!.assumingMemoryBound(to: Bytef.self) + inPos
                    stream.avail_in = uInt(ib.count - inPos)
                    stream.next_out = ob.baseAddress!.assumingMemoryBound(to: Bytef.self) + old + outUsed
                    stream.avail_out = uInt(count - outUsed)
                    let before = stream.avail_out
                    let r = inflate(&stream, Z_NO_FLUSH)
                    outUsed += Int(before - stream.avail_out)
                    inPos = ib.count - Int(stream.avail_in)
                    return r
                }
            }
            if rc == Z_STREAM_END {
                memberDone = true
                if inPos < inBuf.count { inflateReset(&stream); memberDone = false }
            } else if rc != Z_OK && rc != Z_BUF_ERROR {
                throw InputError(code: "corrupt_gzip", file: name, offset: produced + outUsed, message: "gzip data is corrupt (zlib error \(rc))")
            }
        }
        produced += outUsed
        return outUsed
    }
}

/// Streaming zstd decompression. A truncated frame is an error.
public final class ZstdByteSource: ByteSource {
    let inner: FileByteSource
    let name: String
    let dctx: OpaquePointer
    var inBuf = [UInt8]()
    var inPos = 0
    var lastHint = 0
    var finished = false
    var produced = 0
    var out = [UInt8]()
    public var compressedBytesRead: Int { inner.compressedBytesRead }
    public var fileHash: UInt64 { inner.fileHash }

    public init(_ inner: FileByteSource, displayName: String) throws {
        self.inner = inner
        self.name = displayName
        guard let d = ZSTD_createDCtx() else { throw InputError(code: "zstd_error", file: displayName, message: "cannot create zstd context") }
        dctx = d
    }
    deinit { ZSTD_freeDCtx(dctx) }

    public func read(into buffer: inout [UInt8], count: Int) throws -> Int {
        if finished { return 0 }
        if out.count < count { out = [UInt8](repeating: 0, count: count) }
        let old = 0
        var outUsed = 0
        defer { if outUsed > 0 { buffer.append(contentsOf: out[0..<outUsed]) } }
        while outUsed == 0 {
            if inPos >= inBuf.count {
                inBuf.removeAll(keepingCapacity: true)
                inPos = 0
                let n = try inner.read(into: &inBuf, count: 1 << 18)
                if n == 0 {
                    if lastHint != 0 {
                        throw InputError(code: "truncated_zstd", file: name, offset: produced,
                                         message: "zstd stream ends early (truncated file); records before the cut were read")
                    }
                    finished = true
                    break
                }
            }
            var hint = 0
            var failed: String?
            inBuf.withUnsafeBytes { ib in
                out.withUnsafeMutableBytes { ob in
                    var input = ZSTD_inBuffer(src: ib.baseAddress, size: ib.count, pos: inPos)
                    var output = ZSTD_outBuffer(dst: ob.baseAddress! + old, size: count, pos: outUsed)
                    let r = ZSTD_decompressStream(dctx, &output, &input)
                    if ZSTD_isError(r) != 0 { failed = String(cString: ZSTD_getErrorName(r)) } else { hint = r }
                    inPos = input.pos
                    outUsed = output.pos
                }
            }
            if let f = failed {
                throw InputError(code: "corrupt_zstd", file: name, offset: produced + outUsed, message: "zstd data is corrupt: \(f)")
            }
            lastHint = hint
        }
        produced += outUsed
        return outUsed
    }
}
