/// The features of the language-ID model: hashed byte n-grams of orders 1 through 4 (as in langid.py,
/// Lui & Baldwin 2012, which uses byte 1–4-grams), each hashed into `1 << bits` buckets.
///
/// The trainer and the identifier share this function, so a model's buckets mean the same at both ends.
public enum ByteNGrams {
    /// The longest n-gram, in bytes.
    public static let maxOrder = 4

    /// Calls `body` with the bucket of every byte n-gram (orders 1...maxOrder) of `bytes`.
    /// Text is case-folded for ASCII letters only, so `The` and `the` share features.
    @inline(__always)
    public static func forEach(_ bytes: UnsafeBufferPointer<UInt8>, bits: Int, _ body: (Int) -> Void) {
        let shift = UInt64(64 - bits)
        var window: UInt64 = 0
        for i in 0..<bytes.count {
            var b = bytes[i]
            if b &- 65 < 26 { b |= 0x20 }
            window = (window << 8 | UInt64(b)) & 0xFFFF_FFFF
            body(bucket(window & 0xFF | 1 << 32, shift))
            if i >= 1 { body(bucket(window & 0xFFFF | 2 << 32, shift)) }
            if i >= 2 { body(bucket(window & 0xFF_FFFF | 3 << 32, shift)) }
            if i >= 3 { body(bucket(window | 4 << 32, shift)) }
        }
    }

    /// Fibonacci hashing of an n-gram key (its bytes, with the order above bit 32) to the top `64 - shift` bits.
    @inline(__always)
    static func bucket(_ key: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }
}
