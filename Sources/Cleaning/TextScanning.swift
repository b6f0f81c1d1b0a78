import Segmentation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Byte-level text helpers shared by the cleaning stages.
//
// Everything here works on the UTF-8 bytes of a `String` (via `withUTF8`) and decodes unicode scalars by hand
// only when a byte is >= 0x80: the stages run on millions of documents, and Character iteration, `split` and
// `lowercased()` are 30-100x slower than byte loops. "Characters" in ratios and lengths are unicode scalars,
// which is what Python's `len(str)` counts, so thresholds mean what they mean in datatrove.

// MARK: - UTF-8 decoding

/// Decodes the scalar starting at `i` in valid UTF-8 and returns it with its byte length.
@inline(__always)
func decodeScalar(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (value: UInt32, length: Int) {
    let b0 = UInt32(p[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 { return (((b0 & 0x1F) << 6) | (UInt32(p[i + 1]) & 0x3F), 2) }
    if b0 < 0xF0 {
        return (((b0 & 0x0F) << 12) | ((UInt32(p[i + 1]) & 0x3F) << 6) | (UInt32(p[i + 2]) & 0x3F), 3)
    }
    return (((b0 & 0x07) << 18) | ((UInt32(p[i + 1]) & 0x3F) << 12) | ((UInt32(p[i + 2]) & 0x3F) << 6)
        | (UInt32(p[i + 3]) & 0x3F), 4)
}

/// Number of unicode scalars in `p[start..<end]` (bytes that are not UTF-8 continuation bytes).
@inline(__always)
func scalarCount(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    var n = 0
    var i = start
    while i < end {
        n &+= (p[i] & 0xC0) != 0x80 ? 1 : 0
        i &+= 1
    }
    return n
}

/// Unicode scalars in a string (Python's `len`).
func scalarLength(_ text: String) -> Int {
    var copy = text
    return copy.withUTF8 { scalarCount($0, 0, $0.count) }
}

// MARK: - Character classes

@inline(__always) func isASCIIWhitespace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
@inline(__always) func isASCIIDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
@inline(__always) func isASCIILetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }
@inline(__always) func isASCIIAlnum(_ b: UInt8) -> Bool { isASCIIDigit(b) || isASCIILetter(b) }
@inline(__always) func isASCIIHexDigit(_ b: UInt8) -> Bool { isASCIIDigit(b) || (b | 0x20) &- 0x61 < 6 }
@inline(__always) func asciiLower(_ b: UInt8) -> UInt8 { isASCIILetter(b) ? b | 0x20 : b }

/// ASCII punctuation and symbols: ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``.
@inline(__always) func isASCIIPunct(_ b: UInt8) -> Bool {
    (b >= 0x21 && b <= 0x2F) || (b >= 0x3A && b <= 0x40) || (b >= 0x5B && b <= 0x60) || (b >= 0x7B && b <= 0x7E)
}

/// Whitespace as Python's `str.split()` sees it (ASCII whitespace, NEL, NBSP and the Unicode space separators).
@inline(__always) func isUnicodeWhitespace(_ v: UInt32) -> Bool {
    if v < 0x80 { return isASCIIWhitespace(UInt8(v)) || (v >= 0x1C && v <= 0x1F) }
    switch v {
    case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
    default: return false
    }
}

/// Punctuation or symbol (general categories P* and S*), the counterpart of datatrove's `PUNCTUATION_SET`.
@inline(__always) func isPunctOrSymbol(_ v: UInt32) -> Bool {
    if v < 0x80 { return isASCIIPunct(UInt8(v)) }
    guard let s = Unicode.Scalar(v) else { return false }
    switch s.properties.generalCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
         .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return true
    default:
        return false
    }
}

/// Alphabetic as Python's `str.isalpha()` (letters of any script).
@inline(__always) func isAlphabetic(_ v: UInt32) -> Bool {
    if v < 0x80 { return isASCIILetter(UInt8(v)) }
    return AlphabeticTable.isAlphabetic(v)
}

// MARK: - Line iteration

/// Calls `body(start, end)` for each `\n`-separated line of `p` (the `\n` excluded), like Python's `split("\n")`:
/// an empty text has one empty line and a trailing `\n` yields a final empty line.
@inline(__always)
func forEachLine(_ p: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
    var start = 0
    let n = p.count
    while start < n, let nl = nextNewline(p, from: start) {
        body(start, nl)
        start = nl + 1
    }
    body(start, n)
}

/// Offset of the next `\n` at or after `from`, or nil (libc `memchr`, vectorized).
@inline(__always)
func nextNewline(_ p: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
    guard from < p.count, let base = p.baseAddress else { return nil }
    guard let hit = memchr(base + from, 0x0A, p.count - from) else { return nil }
    return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
}

/// Trims ASCII whitespace (and \u{A0}-class spaces are not trimmed: the normalize stage maps them to spaces).
@inline(__always)
func trimASCIIWhitespace(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int) {
    var s = start
    var e = end
    while s < e && isASCIIWhitespace(p[s]) { s += 1 }
    while e > s && isASCIIWhitespace(p[e - 1]) { e -= 1 }
    return (s, e)
}

/// Case-insensitive ASCII search of a lowercase ASCII `needle` in `p[start..<end]`.
@inline(__always)
func containsASCIICaseInsensitive(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ needle: [UInt8]) -> Bool {
    let m = needle.count
    if m == 0 { return true }
    if end - start < m { return false }
    let first = needle[0]
    var i = start
    let last = end - m
    while i <= last {
        if asciiLower(p[i]) == first {
            var j = 1
            while j < m && asciiLower(p[i + j]) == needle[j] { j += 1 }
            if j == m { return true }
        }
        i += 1
    }
    return false
}

/// Counts whitespace-separated words (Python's `len(str.split())`) in `p[start..<end]`, and the longest one in scalars.
@inline(__always)
func whitespaceWords(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (count: Int, longest: Int) {
    var count = 0
    var longest = 0
    var cur = 0
    var inWord = false
    var i = start
    while i < end {
        let b = p[i]
        var ws: Bool
        var len = 1
        if b < 0x80 {
            ws = isASCIIWhitespace(b) || (b >= 0x1C && b <= 0x1F)
        } else {
            let d = decodeScalar(p, i)
            ws = isUnicodeWhitespace(d.value)
            len = d.length
        }
        if ws {
            if inWord { longest = max(longest, cur); inWord = false }
        } else {
            if !inWord { inWord = true; cur = 0; count += 1 }
            cur += 1
        }
        i += len
    }
    if inWord { longest = max(longest, cur) }
    return (count, longest)
}
