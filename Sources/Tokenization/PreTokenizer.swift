/// The regex pre-tokenizers of byte-level BPE, implemented as byte-level state machines with the exact
/// semantics of the regexes (leftmost-first alternation, greedy runs, the `(?!\S)` lookahead).
public enum SplitPattern: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// cl100k / Llama-3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case cl100k
    /// Qwen2: cl100k with single digits: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case qwen2

    /// The regex source text, as written into tokenizer.json.
    public var regex: String {
        switch self {
        case .gpt2: return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .cl100k: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .qwen2: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        }
    }

    /// Recognizes a regex from a tokenizer file (GPT-2, tiktoken's short contraction form, cl100k / Llama-3).
    public init?(regex: String) {
        let known: [(String, SplitPattern)] = [
            (SplitPattern.gpt2.regex, .gpt2),
            (#"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#, .gpt2),
            (SplitPattern.cl100k.regex, .cl100k),
            (SplitPattern.qwen2.regex, .qwen2),
            (#"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#, .cl100k),
            (#"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"#, .cl100k),
        ]
        for (r, p) in known where r == regex { self = p; return }
        return nil
    }

    /// Splits UTF-8 text into pre-tokens, calling `body(start, end)` with byte offsets of each piece in order.
    /// The pieces cover the input exactly.
    @inline(__always)
    func split(_ p: UnsafePointer<UInt8>, _ n: Int, _ body: (Int, Int) -> Void) {
        switch self {
        case .gpt2: splitGPT2(p, n, body)
        case .cl100k: splitCL100K(p, n, maxDigits: 3, body)
        case .qwen2: splitCL100K(p, n, maxDigits: 1, body)
        }
    }
}

/// Class of the scalar at `i`, and its byte length.
@inline(__always)
private func classAt(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ t: UnsafeMutablePointer<UInt8>) -> (UInt8, Int, UInt32) {
    let b = p[i]
    if b < 0x80 { return (t[Int(b)], 1, UInt32(b)) }
    let (cp, len) = decodeScalar(p, i, n)
    return (t[Int(cp)], len, cp)
}

/// End of the run of scalars of class `c` starting at `i`.
@inline(__always)
private func runEnd(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ c: UInt8, _ t: UnsafeMutablePointer<UInt8>) -> Int {
    var j = i
    while j < n {
        let b = p[j]
        if b < 0x80 {
            if t[Int(b)] != c { break }
            j += 1
        } else {
            let (cp, len) = decodeScalar(p, j, n)
            if t[Int(cp)] != c { break }
            j += len
        }
    }
    return j
}

/// For a whitespace run at [i, e) followed by a non-space (e < n): the offset of the last scalar in the run.
@inline(__always)
private func lastScalarStart(_ p: UnsafePointer<UInt8>, _ i: Int, _ e: Int) -> Int {
    var k = e - 1
    while k > i && (p[k] & 0xC0) == 0x80 { k -= 1 }
    return k
}

/// Whitespace tail rules shared by both patterns: `\s+(?!\S)|\s+` at `i` (a whitespace scalar).
@inline(__always)
private func whitespaceEnd(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ t: UnsafeMutablePointer<UInt8>) -> Int {
    let e = runEnd(p, i, n, CharClass.space, t)
    if e == n { return e }
    let last = lastScalarStart(p, i, e)
    return last > i ? last : e
}

func splitGPT2(_ p: UnsafePointer<UInt8>, _ n: Int, _ body: (Int, Int) -> Void) {
    let t = UnicodeClassTable.shared.table
    var i = 0
    while i < n {
        let b = p[i]
        // 's 't 're 've 'm 'll 'd
        if b == 0x27 && i + 1 < n {
            let c1 = p[i + 1]
            if c1 == 0x73 || c1 == 0x74 || c1 == 0x6D || c1 == 0x64 { body(i, i + 2); i += 2; continue }
            if i + 2 < n {
                let c2 = p[i + 2]
                if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) {
                    body(i, i + 3); i += 3; continue
                }
            }
        }
        var (cls, len, _) = classAt(p, i, n, t)
        var j = i
        if b == 0x20 && i + 1 < n {
            let (c2, _, _) = classAt(p, i + 1, n, t)
            if c2 != CharClass.space { cls = c2; j = i + 1; len = 0 }
        }
        _ = len
        let end: Int
        if cls == CharClass.space {
            end = whitespaceEnd(p, i, n, t)
        } else {
            end = runEnd(p, j, n, cls, t)
        }
        body(i, end)
        i = end
    }
}

@inline(__always)
private func isCRLF(_ b: UInt8) -> Bool { b == 0x0A || b == 0x0D }

func splitCL100K(_ p: UnsafePointer<UInt8>, _ n: Int, maxDigits: Int, _ body: (Int, Int) -> Void) {
    let t = UnicodeClassTable.shared.table
    var i = 0
    while i < n {
        let b = p[i]
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if b == 0x27 && i + 1 < n {
            let c1 = p[i + 1] | 0x20
            if c1 == 0x73 || c1 == 0x74 || c1 == 0x6D || c1 == 0x64 { body(i, i + 2); i += 2; continue }
            if p[i + 1] == 0xC5 && i + 2 < n && p[i + 2] == 0xBF { body(i, i + 3); i += 3; continue }  // U+017F folds to s
            if i + 2 < n {
                let c2 = p[i + 2] | 0x20
                if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) {
                    body(i, i + 3); i += 3; continue
                }
            }
        }
        let (cls, len, _) = classAt(p, i, n, t)
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if cls == CharClass.letter {
            let e = runEnd(p, i, n, CharClass.letter, t)
            body(i, e); i = e; continue
        }
        if cls != CharClass.number && !isCRLF(b) && i + len < n {
            let (c2, _, _) = classAt(p, i + len, n, t)
            if c2 == CharClass.letter {
                let e = runEnd(p, i + len, n, CharClass.letter, t)
                body(i, e); i = e; continue
            }
        }
        // \p{N}{1,3}
        if cls == CharClass.number {
            var e = i + len, k = 1
            while k < maxDigits && e < n {
                let (c2, l2, _) = classAt(p, e, n, t)
                if c2 != CharClass.number { break }
                e += l2; k += 1
            }
            body(i, e); i = e; continue
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var j = i
        if b == 0x20 && i + 1 < n { j = i + 1 }
        if j < n {
            let (c2, _, _) = j == i ? (cls, len, 0) : classAt(p, j, n, t)
            if c2 == CharClass.other {
                var e = runEnd(p, j, n, CharClass.other, t)
                while e < n && isCRLF(p[e]) { e += 1 }
                body(i, e); i = e; continue
            }
        }
        // whitespace: `\s*[\r\n]+`, then `\s+(?!\S)`, then `\s+`
        let e = runEnd(p, i, n, CharClass.space, t)
        var lastNL = -1
        var k = e - 1
        while k >= i { if isCRLF(p[k]) { lastNL = k; break }; k -= 1 }
        if lastNL >= 0 { body(i, lastNL + 1); i = lastNL + 1; continue }
        let end: Int
        if e == n { end = e } else {
            let last = lastScalarStart(p, i, e)
            end = last > i ? last : e
        }
        body(i, end); i = end
    }
}
