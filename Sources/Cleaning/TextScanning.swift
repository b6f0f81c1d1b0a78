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
    guard let s = Unicode.Scalar(v) else { return false }
    return s.properties.isAlphabetic
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

// MARK: - Hashing

/// 64-bit hash of a byte range (FNV-1a over 8-byte words with a final avalanche; quality is ample for
/// deduplicating lines and words inside one document).
@inline(__always)
func hashBytes(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(truncatingIfNeeded: end - start)
    var i = start
    let base = UnsafeRawPointer(p.baseAddress!)
    while i + 8 <= end {
        let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = (h ^ w) &* 0x0000_0100_0000_01B3
        h ^= h >> 29
        i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < end {
        tail |= UInt64(p[i]) << shift
        shift += 8
        i += 1
    }
    h = (h ^ tail) &* 0x0000_0100_0000_01B3
    return mix64(h)
}

/// SplitMix64 finalizer.
@inline(__always)
func mix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Open-addressing table from 64-bit hashes to a count and the index of the first occurrence.
/// Keys are already well mixed, so the slot is the low bits. Keys sit in their own 8-byte array (the probe loop
/// touches nothing else; counts live beside them and are read only on a hit); the top byte of a stored key is an
/// epoch, so `reset()` is O(1) except every 255th time (the other 56 bits of the hash identify the key).
/// A class over raw storage: no copy-on-write or bounds checks in the probe loop. Used by one thread at a time
/// (each `process` call makes its own).
final class HashCounter {
    private let keys: UnsafeMutablePointer<UInt64>
    private let counts: UnsafeMutablePointer<Int32>
    private let firsts: UnsafeMutablePointer<Int32>
    private let size: Int
    private let mask: Int
    private var epoch: UInt64 = 1

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        self.size = size
        mask = size - 1
        keys = .allocate(capacity: size)
        keys.initialize(repeating: 0, count: size)
        counts = .allocate(capacity: size)
        firsts = .allocate(capacity: size)
    }

    deinit {
        keys.deallocate()
        counts.deallocate()
        firsts.deallocate()
    }

    /// Forgets every key.
    func reset() {
        if epoch == 255 {
            keys.update(repeating: 0, count: size)
            epoch = 1
        } else {
            epoch += 1
        }
    }

    /// Adds one occurrence of `key` (first seen at `index`); returns the count after adding and the slot.
    @inline(__always)
    func add(_ key: UInt64, index: Int) -> (count: Int, slot: Int) {
        let k = (key & 0x00FF_FFFF_FFFF_FFFF) | (epoch << 56)
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let existing = keys[slot]
            if existing == k {
                counts[slot] += 1
                return (Int(counts[slot]), slot)
            }
            if existing >> 56 != epoch {
                keys[slot] = k
                counts[slot] = 1
                firsts[slot] = Int32(truncatingIfNeeded: index)
                return (1, slot)
            }
            slot = (slot + 1) & mask
        }
    }

    /// Inserts `key`; returns false when it was already present.
    @inline(__always)
    func insert(_ key: UInt64) -> Bool {
        let k = (key & 0x00FF_FFFF_FFFF_FFFF) | (epoch << 56)
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let existing = keys[slot]
            if existing == k { return false }
            if existing >> 56 != epoch {
                keys[slot] = k
                return true
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always) func first(atSlot slot: Int) -> Int { Int(firsts[slot]) }
}

// MARK: - Word tokens

/// One word token of a text, with byte offsets and its length in scalars.
struct WordToken {
    var start: Int32
    var end: Int32
    /// Length in unicode scalars.
    var length: Int32
    /// Every scalar is punctuation or a symbol (datatrove: not a "non-symbol word").
    var isSymbol: Bool
    /// At least one alphabetic scalar.
    var hasAlpha: Bool
}

/// Word tokenizer approximating datatrove's English word tokenizer (spaCy's rule-based English tokenizer in
/// datatrove 0.10; NLTK's `word_tokenize` before) without its cost: text is split on whitespace; punctuation at the
/// start and end of a chunk becomes separate tokens (one per character, except that a run of dots, `...`, is one
/// token, and `- + / = | \\ ~ ^ @` stay attached at the end, `- / | \\ ~ ^ @` at the start, see `isEdgePunct`);
/// a final `.` stays on single capitals and a few abbreviations (`A.`, `U.S.A.`, `Mrs.`, see `attachesPeriod`);
/// the clitics `'s 'm 'd 're 've 'll n't` become tokens of their own (`don't` → `do` `n't`); inside a chunk, spaCy's infix rules split (see `appendCore`: `e-mail` → `e` `-` `mail`,
/// `1990-2000`, `and/or`); other inner punctuation stays (`U.S.A`, `3.14`, `e.g`, URLs). spaCy's exception lists (`U.S.`,
/// `can't` → `ca` `n't` is reproduced only through the `n't` rule) are not. Scripts written without spaces (Chinese, Japanese, Thai) give one token per
/// whitespace-separated run, so word-based rules see very few, very long "words" there.
func tokenizeWords(_ p: UnsafeBufferPointer<UInt8>, into tokens: inout [WordToken]) {
    tokens.removeAll(keepingCapacity: true)
    let n = p.count
    var i = 0
    while i < n {
        // Skip whitespace.
        let b = p[i]
        if b < 0x80 {
            if b <= 0x20 && (isASCIIWhitespace(b) || (b >= 0x1C && b <= 0x1F)) { i += 1; continue }
        } else {
            let (v, len) = decodeScalar(p, i)
            if isUnicodeWhitespace(v) { i += len; continue }
        }
        // Chunk [i, j); note whether it is all ASCII, and all letters (the common case: one plain word).
        var j = i
        var ascii = true
        var letters = true
        while j < n {
            let c = p[j]
            if c < 0x80 {
                if c <= 0x20 && (isASCIIWhitespace(c) || (c >= 0x1C && c <= 0x1F)) { break }
                letters = letters && isASCIILetter(c)
                j += 1
            } else {
                let (v, len) = decodeScalar(p, j)
                if isUnicodeWhitespace(v) { break }
                ascii = false
                j += len
            }
        }
        if ascii && letters {
            tokens.append(WordToken(start: Int32(i), end: Int32(j), length: Int32(j - i), isSymbol: false, hasAlpha: true))
        } else if ascii {
            splitASCIIChunk(p, i, j, into: &tokens)
        } else {
            splitChunk(p, i, j, into: &tokens)
        }
        i = j
    }
}

/// ASCII punctuation that spaCy splits off the start or end of a word: all but `- + / = | \\ ~ ^ @`, which stay
/// attached (so `|---+---|` or `--` is one token, as there).
@inline(__always) func isEdgePunct(_ b: UInt8) -> Bool {
    isASCIIPunct(b) && b != 0x2D && b != 0x2B && b != 0x2F && b != 0x3D && b != 0x7C && b != 0x5C && b != 0x7E
        && b != 0x5E && b != 0x40
}

/// Abbreviations that keep their period (a small part of spaCy's English exceptions).
private let periodAbbreviations: [[UInt8]] = [
    "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Prof", "Rev", "Gen", "Col", "Capt", "Lt", "Sgt", "Gov", "Sen", "Rep",
    "Hon", "Mt", "Inc", "Ltd", "Co", "Corp", "Bros", "vs", "etc", "e.g", "i.e", "Jan", "Feb", "Mar", "Apr", "Jun",
    "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "No",
].map { Array($0.utf8) }

/// Whether the `.` at `p[e]`, ending the word `p[s..<e]`, stays attached (as spaCy's suffix rules and exceptions
/// do): after a single capital (`A.`, `U.S.A.`) or a listed abbreviation (`Mrs.`, `etc.`), if it is not part of
/// a run of dots. spaCy splits it after a lowercase letter, a digit or two capitals (`USA.`).
@inline(__always)
private func attachesPeriod(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ end: Int) -> Bool {
    guard p[e] == 0x2E, !(e + 1 < end && p[e + 1] == 0x2E) else { return false }
    let last = p[e - 1]
    if last &- 0x41 < 26 {
        return !(e - 2 >= s && p[e - 2] &- 0x41 < 26)
    }
    let len = e - s
    guard len >= 2 && len <= 4 else { return false }
    for abbreviation in periodAbbreviations where abbreviation.count == len {
        var equal = true
        for k in 0..<len where p[s + k] != abbreviation[k] { equal = false; break }
        if equal { return true }
    }
    return false
}

/// Leading punctuation split off by spaCy: `isEdgePunct`, plus `=` and a `+` not followed by a digit.
@inline(__always) func isLeadingPunct(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Bool {
    let b = p[i]
    if isEdgePunct(b) || b == 0x3D { return true }
    return b == 0x2B && !(i + 1 < end && isASCIIDigit(p[i + 1]))
}

/// Length in bytes of an English clitic ending the word `p[s..<e]` that spaCy splits off: `'s` `'m` `'d` `'re`
/// `'ve` `'ll` `n't` (with `'` or `’`, any case), or 0.
@inline(__always) private func cliticLength(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Int {
    // Find the apostrophe among the last 4 bytes + 2 (for ’, 3 bytes).
    var k = e - 2
    let lowest = max(s + 1, e - 6)
    while k >= lowest {
        var apostropheEnd = -1
        if p[k] == 0x27 {
            apostropheEnd = k + 1
        } else if k + 2 < e && p[k] == 0xE2 && p[k + 1] == 0x80 && p[k + 2] == 0x99 {
            apostropheEnd = k + 3
        }
        if apostropheEnd > 0 {
            let tail = e - apostropheEnd
            let a = tail > 0 ? asciiLower(p[apostropheEnd]) : 0
            let b = tail > 1 ? asciiLower(p[apostropheEnd + 1]) : 0
            var ok = false
            if tail == 1 { ok = a == 0x73 || a == 0x6D || a == 0x64 }                    // 's 'm 'd
            else if tail == 2 { ok = (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) }  // 're 've 'll
            guard ok || (tail == 1 && a == 0x74 && k - 1 > s && asciiLower(p[k - 1]) == 0x6E) else { return 0 }
            if tail == 1 && a == 0x74 { return e - (k - 1) }                               // n't
            return isASCIILetter(p[k - 1]) || p[k - 1] >= 0x80 ? e - k : 0
        }
        k -= 1
    }
    return 0
}

@inline(__always) private func isLetterish(_ b: UInt8) -> Bool { isASCIILetter(b) || b >= 0x80 }
@inline(__always) private func isAlnumish(_ b: UInt8) -> Bool { isASCIIAlnum(b) || b >= 0x80 }

/// Appends the core of a chunk (no leading/trailing punctuation), split at the infixes spaCy's English tokenizer
/// (datatrove's English word tokenizer) splits at: dashes `-` `--` `---` `~` between a letter/digit and a letter;
/// `:` `<` `>` `=` `/` between a letter/digit and a letter; `,` between letters; `-` `+` `*` `^` between digits
/// (`1990-2000`); runs of 2+ dots (`wait...what`); a `.` between a lowercase letter or closing bracket and an
/// uppercase letter. URLs (`://`, `www.`) are kept whole. Non-ASCII bytes count as letters in these checks.
@inline(__always)
private func appendCore(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ fullEnd: Int, into tokens: inout [WordToken]) {
    let clitic = fullEnd - s >= 3 ? cliticLength(p, s, fullEnd) : 0
    let e = fullEnd - clitic
    appendInfixSplit(p, s, e, into: &tokens)
    if clitic > 0 { appendWord(p, e, fullEnd, into: &tokens) }
}

@inline(__always)
private func appendInfixSplit(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, into tokens: inout [WordToken]) {
    var candidate = false
    var k = s + 1
    while k < e - 1 {
        switch p[k] {
        case 0x2D, 0x7E, 0x2B, 0x2A, 0x5E, 0x3A, 0x3C, 0x3E, 0x3D, 0x2F, 0x2C, 0x2E: candidate = true
        default: break
        }
        if candidate { break }
        k += 1
    }
    if !candidate || isURL(p, s, e) {
        appendWord(p, s, e, into: &tokens)
        return
    }
    var partStart = s
    while k < e - 1 {
        let b = p[k]
        let prev = p[k - 1]
        var splitEnd = -1
        switch b {
        case 0x2D, 0x7E:  // - ~
            var m = k + 1
            if b == 0x2D { while m < e && p[m] == 0x2D && m - k < 3 { m += 1 } }
            if m < e {
                let next = p[m]
                if isAlnumish(prev) && isLetterish(next) {
                    splitEnd = m
                } else if b == 0x2D && m == k + 1 && isASCIIDigit(prev) && (isASCIIDigit(next) || next == 0x2D) {
                    splitEnd = m
                }
            }
        case 0x2B, 0x2A, 0x5E:  // + * ^
            if isASCIIDigit(prev) && (isASCIIDigit(p[k + 1]) || p[k + 1] == 0x2D) { splitEnd = k + 1 }
        case 0x3A, 0x3C, 0x3E, 0x3D, 0x2F:  // : < > = /
            if isAlnumish(prev) && isLetterish(p[k + 1]) { splitEnd = k + 1 }
        case 0x2C:  // ,
            if isLetterish(prev) && isLetterish(p[k + 1]) { splitEnd = k + 1 }
        case 0x2E:  // .
            if p[k + 1] == 0x2E {
                var m = k
                while m < e && p[m] == 0x2E { m += 1 }
                if m < e { splitEnd = m }
            } else if ((prev &- 0x61 < 26) || prev >= 0x80 || prev == 0x29 || prev == 0x5D) && (p[k + 1] &- 0x41 < 26) {
                splitEnd = k + 1
            }
        default:
            break
        }
        if splitEnd > 0 {
            if k > partStart { appendWord(p, partStart, k, into: &tokens) }
            tokens.append(WordToken(start: Int32(k), end: Int32(splitEnd), length: Int32(splitEnd - k), isSymbol: true,
                                    hasAlpha: false))
            partStart = splitEnd
            k = splitEnd
        } else {
            k += 1
        }
    }
    if e > partStart { appendWord(p, partStart, e, into: &tokens) }
}

@inline(__always)
private func isURL(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
    if e - s >= 4 && (p[s] | 0x20) == 0x77 && (p[s + 1] | 0x20) == 0x77 && (p[s + 2] | 0x20) == 0x77 && p[s + 3] == 0x2E {
        return true
    }
    var k = s
    while k + 2 < e {
        if p[k] == 0x3A && p[k + 1] == 0x2F && p[k + 2] == 0x2F { return true }
        k += 1
    }
    return false
}

/// Appends `p[s..<e]` as one token, measuring its length in scalars and whether it has a letter / only symbols.
@inline(__always)
private func appendWord(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, into tokens: inout [WordToken]) {
    var length: Int32 = 0
    var hasAlpha = false
    var allSymbol = true
    var k = s
    while k < e {
        let b = p[k]
        if b < 0x80 {
            if isASCIILetter(b) { hasAlpha = true; allSymbol = false } else if allSymbol && !isASCIIPunct(b) { allSymbol = false }
            k += 1
        } else {
            let (v, len) = decodeScalar(p, k)
            if !hasAlpha && isAlphabetic(v) { hasAlpha = true }
            if allSymbol && !isPunctOrSymbol(v) { allSymbol = false }
            k += len
        }
        length += 1
    }
    tokens.append(WordToken(start: Int32(s), end: Int32(e), length: length, isSymbol: allSymbol, hasAlpha: hasAlpha))
}

/// `splitChunk` for a chunk of ASCII bytes.
@inline(__always)
private func splitASCIIChunk(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into tokens: inout [WordToken]) {
    var s = start
    while s < end && isLeadingPunct(p, s, end) {
        tokens.append(WordToken(start: Int32(s), end: Int32(s + 1), length: 1, isSymbol: true, hasAlpha: false))
        s += 1
    }
    if s == end { return }
    var e = end
    while e > s && isEdgePunct(p[e - 1]) { e -= 1 }
    if e < end && attachesPeriod(p, s, e, end) { e += 1 }
    appendCore(p, s, e, into: &tokens)
    var k = e
    while k < end {
        if p[k] == 0x2E {
            var m = k
            while m < end && p[m] == 0x2E { m += 1 }
            tokens.append(WordToken(start: Int32(k), end: Int32(m), length: Int32(m - k), isSymbol: true, hasAlpha: false))
            k = m
        } else {
            tokens.append(WordToken(start: Int32(k), end: Int32(k + 1), length: 1, isSymbol: true, hasAlpha: false))
            k += 1
        }
    }
}

@inline(__always)
private func splitChunk(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into tokens: inout [WordToken]) {
    // Leading punctuation: one token per scalar.
    var s = start
    while s < end {
        let (v, len) = decodeScalar(p, s)
        guard v < 0x80 ? isLeadingPunct(p, s, end) : isPunctOrSymbol(v) else { break }
        tokens.append(WordToken(start: Int32(s), end: Int32(s + len), length: 1, isSymbol: true, hasAlpha: false))
        s += len
    }
    if s == end { return }
    // Trailing punctuation: find where it starts (scan back over scalars).
    var e = end
    while e > s {
        var k = e - 1
        while (p[k] & 0xC0) == 0x80 { k -= 1 }
        let (v, _) = decodeScalar(p, k)
        guard v < 0x80 ? isEdgePunct(UInt8(v)) : isPunctOrSymbol(v) else { break }
        e = k
    }
    // Core word [s, e).
    if e < end && attachesPeriod(p, s, e, end) { e += 1 }
    appendCore(p, s, e, into: &tokens)
    // Trailing punctuation tokens; a run of '.' is one token.
    var k = e
    while k < end {
        if p[k] == 0x2E {
            var m = k
            while m < end && p[m] == 0x2E { m += 1 }
            tokens.append(WordToken(start: Int32(k), end: Int32(m), length: Int32(m - k), isSymbol: true, hasAlpha: false))
            k = m
        } else {
            let (_, len) = decodeScalar(p, k)
            tokens.append(WordToken(start: Int32(k), end: Int32(k + len), length: 1, isSymbol: true, hasAlpha: false))
            k += len
        }
    }
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
