/// Character classes used by the pre-tokenizer regexes, with O(1) lookup for every code point.
enum CharClass {
    static let other: UInt8 = 0, letter: UInt8 = 1, number: UInt8 = 2, space: UInt8 = 3
}

/// Flat class table over all 0x110000 code points (1.1 MB), built once from `unicodeClassRanges`.
final class UnicodeClassTable: @unchecked Sendable {
    let table: UnsafeMutablePointer<UInt8>
    static let shared = UnicodeClassTable()
    private init() {
        table = .allocate(capacity: 0x110000)
        let r = unicodeClassRanges
        for k in 0..<r.count {
            let start = Int(r[k] >> 8), cls = UInt8(r[k] & 0xFF)
            let end = k + 1 < r.count ? Int(r[k + 1] >> 8) : 0x110000
            (table + start).update(repeating: cls, count: end - start)
        }
    }
}

/// Decodes the scalar at `i` of valid UTF-8 `p` (length of input `n`); returns (code point, byte length).
@inline(__always)
func decodeScalar(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (UInt32, Int) {
    let b0 = UInt32(p[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 {
        guard i + 1 < n else { return (0xFFFD, 1) }
        return (((b0 & 0x1F) << 6) | (UInt32(p[i + 1]) & 0x3F), 2)
    }
    if b0 < 0xF0 {
        guard i + 2 < n else { return (0xFFFD, n - i) }
        return (((b0 & 0x0F) << 12) | ((UInt32(p[i + 1]) & 0x3F) << 6) | (UInt32(p[i + 2]) & 0x3F), 3)
    }
    guard i + 3 < n else { return (0xFFFD, n - i) }
    let cp = ((b0 & 0x07) << 18) | ((UInt32(p[i + 1]) & 0x3F) << 12) | ((UInt32(p[i + 2]) & 0x3F) << 6) | (UInt32(p[i + 3]) & 0x3F)
    return (cp < 0x110000 ? cp : 0xFFFD, 4)
}
