#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DomainForgeCore

/// A temporary file holding the candidate items of a mix (tokens, loss mask, record line), so that memory holds
/// only an offset and a size per item while the sources are streamed; items are read back by offset when the
/// chosen ones are written in their interleaved order. The file is deleted when the value is released.
final class MixSpill {
    /// What is kept in memory for one spilled item.
    struct Entry {
        var offset: Int
        var count: Int32
        /// CPT text (no record, no loss mask): may be cut to its first tokens.
        var cuttable: Bool
        /// Take only the first `count` tokens (and add `#cut` to the id).
        var cut = false
    }

    /// One item as written and read back.
    struct Item {
        var id: String
        var tokens: [UInt32]
        var mask: [UInt8]?
        /// The record's JSON line (SFT sources only).
        var recordLine: [UInt8]?
    }

    let path: String
    private let fd: Int32
    private var end = 0
    private var pending = [UInt8]()

    /// Creates the spill file at `path` (replacing any file there).
    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { throw MixError("cannot create the temporary file \(path): \(String(cString: strerror(errno))); check that the output's parent folder is writable") }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Deletes the file now (reads fail afterwards); before a folder holding it is renamed.
    func remove() { unlink(path) }

    /// Appends one item and returns its entry.
    func append(_ it: Item) throws -> Entry {
        let start = end + pending.count
        put(UInt32(it.tokens.count))
        put(UInt32(it.mask == nil ? 0 : 1))
        bytes(Array(it.id.utf8))
        it.tokens.withUnsafeBytes { pending.append(contentsOf: $0) }
        if let m = it.mask { pending.append(contentsOf: m) }
        bytes(it.recordLine ?? [])
        if pending.count >= 1 << 20 { try flush() }
        return Entry(offset: start, count: Int32(it.tokens.count), cuttable: it.mask == nil && it.recordLine == nil)
    }

    /// Reads back the item of `e` (cut to `e.count` tokens when `e.cut`).
    func read(_ e: Entry) throws -> Item {
        try flush()
        var pos = e.offset
        let head = try load(at: pos, count: 8)
        pos += 8
        let n = Int(u32(head, 0)), hasMask = u32(head, 4) != 0
        let id = String(decoding: try lengthPrefixed(at: &pos), as: UTF8.self)
        let raw = try load(at: pos, count: n * 4)
        pos += n * 4
        var tokens = [UInt32](repeating: 0, count: n)
        raw.withUnsafeBytes { src in tokens.withUnsafeMutableBytes { $0.copyMemory(from: src) } }
        var mask: [UInt8]?
        if hasMask { mask = try load(at: pos, count: n); pos += n }
        let line = try lengthPrefixed(at: &pos)
        var it = Item(id: id, tokens: tokens, mask: mask, recordLine: line.isEmpty ? nil : line)
        if e.cut {
            it.id += "#cut"
            it.tokens = Array(it.tokens.prefix(Int(e.count)))
            it.mask = it.mask.map { Array($0.prefix(Int(e.count))) }
        }
        return it
    }

    private func put(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { pending.append(contentsOf: $0) } }

    private func bytes(_ b: [UInt8]) {
        put(UInt32(b.count))
        pending.append(contentsOf: b)
    }

    private func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    private func lengthPrefixed(at pos: inout Int) throws -> [UInt8] {
        let n = Int(u32(try load(at: pos, count: 4), 0))
        let b = try load(at: pos + 4, count: n)
        pos += 4 + n
        return b
    }

    private func flush() throws {
        var done = 0
        while done < pending.count {
            let w = pending.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(end + done)) }
            if w < 0 {
                if errno == EINTR { continue }
                throw MixError("cannot write the temporary file \(path): \(String(cString: strerror(errno))); free some disk space")
            }
            done += w
        }
        end += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    private func load(at offset: Int, count: Int) throws -> [UInt8] {
        if count == 0 { return [] }
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let r = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset + got)) }
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { throw MixError("cannot read back the temporary file \(path) at \(offset + got); was it removed?") }
            got += r
        }
        return out
    }
}
