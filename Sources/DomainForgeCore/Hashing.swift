/// Small non-cryptographic hashes used for fingerprints of inputs and configs.
public enum Hashing {
    /// 64-bit FNV-1a of `bytes`, continuing from `seed` (so files can be hashed in pieces).
    @inlinable
    public static func fnv1a64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0xcbf29ce484222325) -> UInt64 {
        var h = seed
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }

    public static func fnv1a64(_ bytes: [UInt8], seed: UInt64 = 0xcbf29ce484222325) -> UInt64 {
        bytes.withUnsafeBytes { fnv1a64($0, seed: seed) }
    }
}
