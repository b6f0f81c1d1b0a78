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
        forEachWindow(bytes) { i, window in
            body(bucket(of: window, order: 1, shift))
            if i >= 1 { body(bucket(of: window, order: 2, shift)) }
            if i >= 2 { body(bucket(of: window, order: 3, shift)) }
            if i >= 3 { body(bucket(of: window, order: 4, shift)) }
        }
    }

    /// Calls `body(i, window)` for each byte: `window` holds the case-folded bytes up to `i`, the newest in the
    /// low byte (four bytes at most), so the n-gram of order k ending at `i` is its low k bytes.
    @inline(__always)
    static func forEachWindow(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, UInt64) -> Void) {
        var window: UInt64 = 0
        for i in 0..<bytes.count {
            var b = bytes[i]
            if b &- 65 < 26 { b |= 0x20 }
            window = (window << 8 | UInt64(b)) & 0xFFFF_FFFF
            body(i, window)
        }
    }

    /// The bucket of the order-`order` n-gram in the low bytes of `window`, for `shift` = 64 - bucket bits.
    @inline(__always)
    static func bucket(of window: UInt64, order: UInt64, _ shift: UInt64) -> Int {
        let bytes = order == 4 ? window : window & ((1 << (8 * order)) - 1)
        return bucket(bytes | order << 32, shift)
    }

    /// Fibonacci hashing of an n-gram key (its bytes, with the order above bit 32) to the top `64 - shift` bits.
    @inline(__always)
    static func bucket(_ key: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }
}
