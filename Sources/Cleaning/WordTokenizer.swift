#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Word tokens of English text for the Gopher rules (see TextScanning.swift for the byte-level rules).

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
