import DomainForgeCore
import Foundation

/// The links one split of the global dedup step found: every linked document (index, part, position packed by
/// `SignatureStore.key`) with the representative of its component within the split, and the pairs it compared.
/// Saved as `links-SSSS-of-NNNN.bin`: the magic `DFLINKS1`, split, count of splits, comparisons, number of pairs,
/// the pairs (little-endian UInt64), then an FNV-1a 64 checksum of everything before it.
public struct GlobalDedupLinks: Sendable, Equatable {
    public var split: Int
    public var splits: Int
    public var comparisons: Int
    public var pairs: [UInt64]   // key, root, key, root, ...

    static let magic = Array("DFLINKS1".utf8)

    public static func fileName(split: Int, of splits: Int) -> String {
        String(format: "links-%04d-of-%04d.bin", split, splits)
    }

    public func write(directory: String) throws {
        try makeDirectory(directory)
        var out = Self.magic
        for v in [UInt64(split), UInt64(splits), UInt64(comparisons), UInt64(pairs.count / 2)] + pairs {
            withUnsafeBytes(of: v.littleEndian) { out += $0 }
        }
        withUnsafeBytes(of: Hashing.fnv1a64(out).littleEndian) { out += $0 }
        let f = try AtomicOutputFile(path: directory + "/" + Self.fileName(split: split, of: splits))
        try f.write(out)
        try f.commit()
    }

    /// Reads and checks a links file; a short, altered or foreign file is an error naming it.
    public static func read(path: String) throws -> GlobalDedupLinks {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw GlobalDedupError("\(path) is missing: run pipeline dedup-global with --split for that split first")
        }
        let b = [UInt8](d)
        func bad(_ why: String) -> GlobalDedupError {
            GlobalDedupError("\(path) is damaged (\(why)); run its split again (pipeline dedup-global OUT --split I/N)")
        }
        guard b.count >= 48, Array(b[0..<8]) == magic else { throw bad("not a links file") }
        func u64(_ i: Int) -> UInt64 { b[i..<(i + 8)].enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) } }
        let n = Int(u64(32))
        guard n >= 0, n <= (b.count - 48) / 16, b.count == 48 + 16 * n else { throw bad("length") }
        guard u64(b.count - 8) == Hashing.fnv1a64(Array(b[0..<(b.count - 8)])) else { throw bad("checksum") }
        return GlobalDedupLinks(split: Int(u64(8)), splits: Int(u64(16)), comparisons: Int(u64(24)),
                                pairs: (0..<(2 * n)).map { u64(40 + 8 * $0) })
    }
}
