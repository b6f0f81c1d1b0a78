import DomainForgeCore

/// The fingerprint of an input file stored in the run state: 64-bit FNV-1a of its raw (possibly compressed) bytes,
/// the same value `RecordReader` computes while reading. A resumed run compares it to notice files changed in place.
enum InputFingerprint {
    /// Hashes the whole file; 0 when it cannot be read (as for a file that could not be read during the run).
    static func hash(path: String) -> UInt64 {
        guard let src = try? FileByteSource(path: path, displayName: path) else { return 0 }
        var buf = [UInt8]()
        while true {
            buf.removeAll(keepingCapacity: true)
            guard let n = try? src.read(into: &buf, count: 1 << 20) else { return 0 }
            if n == 0 { return src.fileHash }
        }
    }
}
