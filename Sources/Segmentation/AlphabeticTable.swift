/// Unicode's Alphabetic property of the Basic Multilingual Plane as a bit table, filled once from the standard
/// library's `Unicode.Scalar.Properties.isAlphabetic` (so it answers exactly what that property answers) and read
/// without a property lookup per character: those lookups were the largest single cost of cleaning Chinese text,
/// where every character is non-ASCII (`perf`, `bench clean-zh`). Scalars above U+FFFF are looked up as before.
/// Shared by the script share (``DocumentLanguage``) and the cleaning stages.
public enum AlphabeticTable {
    /// 65,536 bits, one per BMP code point.
    @usableFromInline static let bmp: [UInt64] = {
        var words = [UInt64](repeating: 0, count: 1024)
        for v in 0..<0x10000 {
            if let s = Unicode.Scalar(UInt32(v)), s.properties.isAlphabetic { words[v >> 6] |= 1 << UInt64(v & 63) }
        }
        return words
    }()

    /// Whether the scalar value `v` has the Alphabetic property (false for surrogates and values above U+10FFFF).
    @inlinable
    public static func isAlphabetic(_ v: UInt32) -> Bool {
        if v < 0x10000 { return bmp.withUnsafeBufferPointer { $0[Int(v >> 6)] >> UInt64(v & 63) & 1 == 1 } }
        guard let s = Unicode.Scalar(v) else { return false }
        return s.properties.isAlphabetic
    }
}
