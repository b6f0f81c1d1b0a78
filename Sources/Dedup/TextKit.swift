import DomainForgeCore

/// Byte-level text helpers shared by the dedup stages: word scanning with hashing, normalization for exact
/// hashing, and the hash functions. Everything works on UTF-8 bytes; non-ASCII scalars are decoded only to be
/// classified (word character, separator, whitespace, or a script written without spaces).
///
/// Word rules (close to Python's `\w+` on lowercased text, which the benchmark's ground truth uses):
/// - ASCII letters, digits and `_` are word characters; ASCII letters are lowercased.
/// - Non-ASCII punctuation, symbols and spaces (Latin-1 punctuation, General Punctuation U+2000–206F, arrows and
///   math/box/misc symbols U+2190–2BFF, CJK punctuation U+3000–303F, full-width punctuation, private use, emoji
///   and other supplementary symbols from U+1F000) separate words.
/// - Scripts written without spaces (Han, kana, Thai, Lao, Myanmar, Khmer) give one word per character.
/// - Other non-ASCII scalars are word characters; Latin-1, Latin Extended-A, Greek and Cyrillic capitals are
///   lowercased by table (other scripts are left as they are).
enum TextKit {
    enum ScalarClass { case word, single, separator, space }

    @inline(__always)
    static func classify(_ v: UInt32) -> ScalarClass {
        if v < 0x80 { return .word } // callers handle ASCII themselves
        switch v {
        case 0xA0, 0x1680, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: return .space
        case 0x80...0xBF: return (v == 0xAA || v == 0xB5 || v == 0xBA) ? .word : .separator
        case 0xD7, 0xF7: return .separator
        case 0x2000...0x206F, 0x20A0...0x20CF, 0x2100...0x214F, 0x2190...0x2BFF, 0x3000...0x303F, 0xFE30...0xFE4F,
             0xFF00...0xFF0F, 0xFF1A...0xFF20, 0xFF3B...0xFF40, 0xFF5B...0xFF65, 0xE000...0xF8FF, 0x1F000...0x1FFFF,
             0xFFF0...0xFFFF:
            return .separator
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF, 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xF900...0xFAFF, 0x20000...0x2FFFF:
            return .single
        default: return .word
        }
    }

    /// Simple lowercase mapping for the common cased scripts; other scalars are returned unchanged.
    @inline(__always)
    static func lower(_ v: UInt32) -> UInt32 {
        switch v {
        case 0xC0...0xDE where v != 0xD7: return v + 0x20
        case 0x100...0x137, 0x14A...0x177: return v | 1
        case 0x139...0x148, 0x179...0x17E: return (v & 1) == 1 ? v + 1 : v
        case 0x391...0x3A9 where v != 0x3A2: return v + 0x20
        case 0x410...0x42F: return v + 0x20
        case 0x400...0x40F: return v + 0x50
        default: return v
        }
    }

    /// Decodes one scalar at `i` (valid UTF-8 assumed: Swift strings are valid); returns value and length.
    @inline(__always)
    static func decode(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0xE0, i + 1 < p.count { return (((b0 & 0x1F) << 6) | (UInt32(p[i + 1]) & 0x3F), 2) }
        if b0 < 0xF0, i + 2 < p.count {
            return (((b0 & 0x0F) << 12) | ((UInt32(p[i + 1]) & 0x3F) << 6) | (UInt32(p[i + 2]) & 0x3F), 3)
        }
        if i + 3 < p.count {
            return (((b0 & 0x07) << 18) | ((UInt32(p[i + 1]) & 0x3F) << 12) | ((UInt32(p[i + 2]) & 0x3F) << 6)
                    | (UInt32(p[i + 3]) & 0x3F), 4)
        }
        return (0xFFFD, p.count - i)
    }

    @inline(__always)
    static func asciiWord(_ b: UInt8) -> Bool {
        (b &- 0x61) < 26 || (b &- 0x41) < 26 || (b &- 0x30) < 10 || b == 0x5F
    }

    @inline(__always)
    static func asciiSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    // MARK: hashes

    @inline(__always)
    static func mix64(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 33)) &* 0xff51afd7ed558ccd
        z = (z ^ (z >> 33)) &* 0xc4ceb9fe1a85ec53
        return z ^ (z >> 33)
    }

    static let fnvOffset: UInt64 = 0xcbf29ce484222325
    static let fnvPrime: UInt64 = 0x100000001b3

    @inline(__always)
    static func fnvScalar(_ h: UInt64, _ v: UInt32) -> UInt64 {
        // Hash the scalar value's bytes (not its UTF-8) so lowercase-mapped scalars hash like their lowercase form.
        var h = h
        if v < 0x80 { return (h ^ UInt64(v)) &* fnvPrime }
        h = (h ^ UInt64(v & 0xFF)) &* fnvPrime
        h = (h ^ UInt64((v >> 8) & 0xFF | 0x100)) &* fnvPrime
        return (h ^ UInt64(v >> 16 | 0x200)) &* fnvPrime
    }

    /// Scans words; calls `body(startByte, endByte, hash)` for each, in order. The hash is of the lowercased word.
    @inline(__always)
    static func scanWords(_ p: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, UInt64) -> Void) {
        withoutActuallyEscaping(body) { b in
            var sink = ClosureSink(body: b)
            scanWords(p, &sink)
        }
    }

    struct ClosureSink: WordSink {
        let body: (Int, Int, UInt64) -> Void
        @inline(__always) mutating func word(_ s: Int, _ e: Int, _ h: UInt64) { body(s, e, h) }
    }

    struct HashSink: WordSink {
        var out: UnsafeMutablePointer<UInt64>
        var count = 0
        @inline(__always) mutating func word(_ s: Int, _ e: Int, _ h: UInt64) { out[count] = h; count += 1 }
    }

    /// The scanner behind `scanWords` and `scanSegmentedWords`: with `segmentRuns` a run of `.single` characters
    /// goes to ICU's word segmenter (`segmentRun`) instead of giving one word per character.
    @inline(__always)
    static func scanWords<S: WordSink>(_ p: UnsafeBufferPointer<UInt8>, _ sink: inout S, segmentRuns: Bool = false) {
        var i = 0
        let n = p.count
        var inWord = false
        var start = 0
        var h = fnvOffset
        while i < n {
            let b = p[i]
            if b < 0x80 {
                if asciiWord(b) {
                    if !inWord { inWord = true; start = i; h = fnvOffset }
                    let l = (b &- 0x41) < 26 ? b | 0x20 : b
                    h = (h ^ UInt64(l)) &* fnvPrime
                } else if inWord {
                    sink.word(start, i, mix64(h)); inWord = false
                }
                i += 1
                continue
            }
            let (v, len) = decode(p, i)
            switch classify(v) {
            case .word:
                if !inWord { inWord = true; start = i; h = fnvOffset }
                h = fnvScalar(h, lower(v))
            case .single:
                if inWord { sink.word(start, i, mix64(h)); inWord = false }
                if segmentRuns {
                    let end = spacelessRunEnd(p, i + len)
                    segmentRun(p, i, end) { sink.word($0, $1, $2) }
                    i = end
                    continue
                }
                sink.word(i, i + len, mix64(fnvScalar(fnvOffset, v)))
            case .separator, .space:
                if inWord { sink.word(start, i, mix64(h)); inWord = false }
            }
            i += len
        }
        if inWord { sink.word(start, n, mix64(h)) }
    }

    /// Word hashes of `text`.
    static func wordHashes(_ text: String) -> [UInt64] {
        var t = text
        return t.withUTF8 { p in
            [UInt64](unsafeUninitializedCapacity: p.count / 2 + 1) { buf, count in
                var sink = HashSink(out: buf.baseAddress!)
                scanWords(p, &sink)
                count = sink.count
            }
        }
    }

    /// Hash of `count` consecutive word hashes starting at `start` (order-sensitive), salted by the count.
    @inline(__always)
    static func gramHash(_ w: UnsafeBufferPointer<UInt64>, _ start: Int, _ count: Int) -> UInt64 {
        var h: UInt64 = 0x9E3779B97F4A7C15 &* UInt64(count &+ 1)
        for k in start..<(start + count) {
            h = (h ^ w[k]) &* 0x9FB21C651E98DF25
            h = (h << 29) | (h >> 35)
        }
        return mix64(h)
    }

    /// Polynomial n-gram hashes (mod 2^64, finalized by `mix64`): a gram of `L` words starting at `i` is
    /// `finishGram(P[i+L] - P[i]·B^L, L)` with prefix sums `P`, so every length costs O(1) per position.
    static let rollBase: UInt64 = 0x9FB21C651E98DF25

    @inline(__always)
    static func finishGram(_ h: UInt64, _ length: Int) -> UInt64 { mix64(h ^ (UInt64(length) &* 0x9E3779B97F4A7C15)) }

    /// The polynomial hash of `count` words from `start`, computed directly (same value as from prefix sums).
    static func polyGram(_ w: UnsafeBufferPointer<UInt64>, _ start: Int, _ count: Int) -> UInt64 {
        var h: UInt64 = 0
        for k in start..<(start + count) { h = h &* rollBase &+ w[k] }
        return finishGram(h, count)
    }

    // MARK: MurmurHash3 x64 128 (public-domain algorithm by Austin Appleby), written from its specification.

    static func hash128(_ p: UnsafeRawBufferPointer, seed: UInt64 = 0) -> (UInt64, UInt64) {
        let c1: UInt64 = 0x87c37b91114253d5, c2: UInt64 = 0x4cf5ad432745937f
        var h1 = seed, h2 = seed
        let n = p.count
        let blocks = n / 16
        @inline(__always) func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
        for b in 0..<blocks {
            var k1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: b * 16, as: UInt64.self))
            var k2 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: b * 16 + 8, as: UInt64.self))
            k1 = rotl(k1 &* c1, 31) &* c2; h1 ^= k1
            h1 = rotl(h1, 27) &+ h2; h1 = h1 &* 5 &+ 0x52dce729
            k2 = rotl(k2 &* c2, 33) &* c1; h2 ^= k2
            h2 = rotl(h2, 31) &+ h1; h2 = h2 &* 5 &+ 0x38495ab5
        }
        let tail = blocks * 16
        var k1: UInt64 = 0, k2: UInt64 = 0
        let rem = n & 15
        if rem > 8 {
            for j in stride(from: rem - 1, through: 8, by: -1) { k2 = (k2 << 8) | UInt64(p[tail + j]) }
            k2 = rotl(k2 &* c2, 33) &* c1; h2 ^= k2
        }
        if rem > 0 {
            for j in stride(from: min(rem, 8) - 1, through: 0, by: -1) { k1 = (k1 << 8) | UInt64(p[tail + j]) }
            k1 = rotl(k1 &* c1, 31) &* c2; h1 ^= k1
        }
        h1 ^= UInt64(n); h2 ^= UInt64(n)
        h1 = h1 &+ h2; h2 = h2 &+ h1
        h1 = mix64(h1); h2 = mix64(h2)
        h1 = h1 &+ h2; h2 = h2 &+ h1
        return (h1, h2)
    }

    // MARK: normalization for exact hashing

    /// Normalized UTF-8 bytes of `text` for exact-duplicate hashing.
    /// - lowercase: ASCII and the table-mapped scripts (see `lower`).
    /// - removePunctuation: ASCII punctuation/symbols and the non-ASCII separator classes are removed.
    /// - removeDigits: ASCII digits are removed.
    /// - collapseWhitespace: runs of whitespace (ASCII and Unicode spaces) become one space; leading and trailing
    ///   whitespace is removed. Without it whitespace is kept byte for byte.
    static func normalizeForExact(_ text: String, lowercase: Bool, removePunctuation: Bool, removeDigits: Bool,
                                  collapseWhitespace: Bool) -> [UInt8] {
        var t = text
        return t.withUTF8 { p in
            [UInt8](unsafeUninitializedCapacity: p.count * 2 + 4) { o, count in
                var n = 0
                var pendingSpace = false
                var i = 0
                while i < p.count {
                    let b = p[i]
                    if b < 0x80 {
                        i += 1
                        if asciiSpace(b) {
                            if collapseWhitespace { pendingSpace = true } else { o[n] = b; n += 1 }
                            continue
                        }
                        if (b &- 0x30) < 10 {
                            if removeDigits { continue }
                        } else if !asciiWord(b) {
                            if removePunctuation { continue }
                        }
                        if pendingSpace { if n > 0 { o[n] = 0x20; n += 1 }; pendingSpace = false }
                        o[n] = lowercase && (b &- 0x41) < 26 ? b | 0x20 : b
                        n += 1
                        continue
                    }
                    let (v, len) = decode(p, i)
                    let cls = classify(v)
                    if cls == .space {
                        if collapseWhitespace { pendingSpace = true } else { for k in 0..<len { o[n] = p[i + k]; n += 1 } }
                    } else if cls == .separator && removePunctuation {
                        // removed
                    } else {
                        if pendingSpace { if n > 0 { o[n] = 0x20; n += 1 }; pendingSpace = false }
                        let m = lowercase ? lower(v) : v
                        if m == v { for k in 0..<len { o[n] = p[i + k]; n += 1 } } else { n += writeUTF8(o.baseAddress! + n, m) }
                    }
                    i += len
                }
                count = n
            }
        }
    }

    @inline(__always)
    static func writeUTF8(_ o: UnsafeMutablePointer<UInt8>, _ v: UInt32) -> Int {
        if v < 0x80 { o[0] = UInt8(v); return 1 }
        if v < 0x800 { o[0] = UInt8(0xC0 | (v >> 6)); o[1] = UInt8(0x80 | (v & 0x3F)); return 2 }
        if v < 0x10000 {
            o[0] = UInt8(0xE0 | (v >> 12)); o[1] = UInt8(0x80 | ((v >> 6) & 0x3F)); o[2] = UInt8(0x80 | (v & 0x3F)); return 3
        }
        o[0] = UInt8(0xF0 | (v >> 18)); o[1] = UInt8(0x80 | ((v >> 12) & 0x3F)); o[2] = UInt8(0x80 | ((v >> 6) & 0x3F))
        o[3] = UInt8(0x80 | (v & 0x3F)); return 4
    }

    static func appendUTF8(_ out: inout [UInt8], _ v: UInt32) {
        if v < 0x80 { out.append(UInt8(v)) } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6))); out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12))); out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18))); out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// About the first `maxBytes` bytes of `text` on one line, whitespace runs collapsed (for reports).
    static func snippet(_ text: String, _ maxBytes: Int = 160) -> String {
        var t = text
        return t.withUTF8 { p in
            var out = [UInt8]()
            out.reserveCapacity(min(p.count, maxBytes) + 4)
            var lastSpace = true
            var i = 0
            while i < p.count {
                let b = p[i]
                if asciiSpace(b) {
                    if !lastSpace { out.append(0x20) }
                    lastSpace = true; i += 1; continue
                }
                if out.count >= maxBytes && (b & 0xC0) != 0x80 { out += [0xE2, 0x80, 0xA6]; break }
                lastSpace = false
                out.append(b); i += 1
            }
            while out.last == 0x20 { out.removeLast() }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// Sorts 32-bit values ascending (LSD radix, 4 passes of 8 bits; much faster than the stable comparison sort).
func radixSort(_ a: inout [UInt32]) {
    let n = a.count
    if n < 64 { a.sort(); return }
    var tmp = [UInt32](repeating: 0, count: n)
    a.withUnsafeMutableBufferPointer { src0 in
        tmp.withUnsafeMutableBufferPointer { dst0 in
            var src = src0, dst = dst0
            var counts = [Int](repeating: 0, count: 256)
            counts.withUnsafeMutableBufferPointer { c in
                for shift in stride(from: 0, to: 32, by: 8) {
                    for k in 0..<256 { c[k] = 0 }
                    for v in src { c[Int((v >> UInt32(shift)) & 0xFF)] += 1 }
                    var sum = 0
                    for k in 0..<256 { let t = c[k]; c[k] = sum; sum += t }
                    for v in src { let b = Int((v >> UInt32(shift)) & 0xFF); dst[c[b]] = v; c[b] += 1 }
                    swap(&src, &dst)
                }
            }
        }
    }
    // four passes: the result is back in `a`
}

protocol WordSink { mutating func word(_ s: Int, _ e: Int, _ h: UInt64) }

/// A fixed-size bit filter of 64-bit keys (one probe): a miss proves the key was never inserted, so most SQLite
/// lookups of unique documents are skipped. 2^27 bits (16 MiB) by default.
struct KeyFilter {
    var bits: [UInt64]
    let mask: UInt64
    init(log2Bits: Int = 27) {
        bits = [UInt64](repeating: 0, count: 1 << (log2Bits - 6))
        mask = (UInt64(1) << UInt64(log2Bits)) - 1
    }
    @inline(__always) mutating func insert(_ k: UInt64) {
        let b = TextKit.mix64(k ^ 0x5bd1e995) & mask
        bits[Int(b >> 6)] |= 1 << (b & 63)
    }
    @inline(__always) func mayContain(_ k: UInt64) -> Bool {
        let b = TextKit.mix64(k ^ 0x5bd1e995) & mask
        return bits[Int(b >> 6)] & (1 << (b & 63)) != 0
    }
}
