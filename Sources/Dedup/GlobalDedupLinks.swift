import DomainForgeCore
import Foundation

/// The links one split of the global dedup step found, streamed to `links-SSSS-of-NNNN.bin` so the split job holds
/// none of them in memory: the magic `DFLINKS2`, split and number of splits, then one pair of documents (packed by
/// `SignatureStore.key`) per link, then a trailer: the marker `~0`, pairs compared, pairs written, and an FNV-1a 64
/// checksum of everything before it. All integers are little-endian UInt64.
public enum GlobalDedupLinks {
    static let magic = Array("DFLINKS2".utf8)
    static let trailerMark = UInt64.max

    public static func fileName(split: Int, of splits: Int) -> String {
        String(format: "links-%04d-of-%04d.bin", split, splits)
    }

    /// Writes one split's file: `add` each linked pair, then `finish`.
    public final class Writer {
        let file: AtomicOutputFile
        var buffer = [UInt8]()
        var hash = Hashing.fnv1a64([UInt8]())
        /// Links written so far.
        public private(set) var pairs = 0

        public init(directory: String, split: Int, of splits: Int) throws {
            try makeDirectory(directory)
            file = try AtomicOutputFile(path: directory + "/" + GlobalDedupLinks.fileName(split: split, of: splits))
            buffer = GlobalDedupLinks.magic
            put(UInt64(split)); put(UInt64(splits))
        }

        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { buffer += $0 } }

        func flush() throws {
            hash = Hashing.fnv1a64(buffer, seed: hash)
            try file.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }

        public func add(_ a: UInt64, _ b: UInt64) throws {
            put(a); put(b)
            pairs += 1
            if buffer.count >= 1 << 16 { try flush() }
        }

        /// Writes the trailer and renames the file into place.
        public func finish(comparisons: Int) throws {
            put(GlobalDedupLinks.trailerMark); put(UInt64(comparisons)); put(UInt64(pairs))
            try flush()
            withUnsafeBytes(of: hash.littleEndian) { buffer += $0 }
            try file.write(buffer)
            try file.commit()
        }
    }

    /// Reads a split's file, calling `pair` for each link, and returns the pairs compared. The checksum is checked at
    /// the end (before anything is written from the links); a short, altered or foreign file is an error naming it.
    public static func read(path: String, split: Int, of splits: Int, pair: (UInt64, UInt64) -> Void) throws -> Int {
        func bad(_ why: String) -> GlobalDedupError {
            GlobalDedupError("\(path) is damaged (\(why)); run its split again (pipeline dedup-global OUT --split \(split)/\(splits))")
        }
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw GlobalDedupError("\(path) is missing: run pipeline dedup-global OUT --split \(split)/\(splits) first")
        }
        defer { try? h.close() }
        let data = [UInt8](h.readDataToEndOfFile())
        guard data.count >= 56, Array(data[0..<8]) == magic, (data.count - 56) % 16 == 0 else { throw bad("not a links file") }
        func u64(_ i: Int) -> UInt64 { data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: i, as: UInt64.self)) } }
        let end = data.count - 32
        guard u64(end) == trailerMark, Int(u64(end + 16)) == (end - 24) / 16 else { throw bad("length") }
        guard u64(data.count - 8) == data.withUnsafeBytes({ Hashing.fnv1a64(UnsafeRawBufferPointer(rebasing: $0[0..<(data.count - 8)])) }) else {
            throw bad("checksum")
        }
        guard u64(8) == UInt64(split), u64(16) == UInt64(splits) else { throw bad("it is split \(u64(8)) of \(u64(16))") }
        for i in stride(from: 24, to: end, by: 16) { pair(u64(i), u64(i + 8)) }
        return Int(u64(end + 8))
    }
}
