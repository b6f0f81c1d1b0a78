/// A token matched in the raw text before BPE (HF "added tokens"), such as `<|endoftext|>`.
public struct AddedToken: Sendable, Equatable {
    /// The literal text of the token.
    public var content: String
    /// Its id.
    public var id: UInt32
    /// Special tokens are control tokens: `decode(skipSpecialTokens: true)` drops them and
    /// `encode(splitSpecialTokens: true)` treats them as plain text.
    public var special: Bool
    /// Absorb whitespace on the left / right of a match.
    public var lstrip: Bool
    public var rstrip: Bool
    /// Match only as a whole word (not inside a run of letters or digits).
    public var singleWord: Bool
    /// Match against normalized text (otherwise against the raw input).
    public var normalized: Bool

    public init(content: String, id: UInt32, special: Bool = true, lstrip: Bool = false, rstrip: Bool = false,
                singleWord: Bool = false, normalized: Bool? = nil) {
        self.content = content; self.id = id; self.special = special
        self.lstrip = lstrip; self.rstrip = rstrip; self.singleWord = singleWord
        self.normalized = normalized ?? !special
    }
}

/// Leftmost-longest matcher over a small set of added tokens.
struct AddedTokenMatcher: Sendable {
    let tokens: [AddedToken]
    let bytes: [[UInt8]]
    /// For each first byte, token indices sorted longest first.
    let byFirst: [[Int]]
    /// Whether some token starts with the byte.
    let isFirst: [Bool]
    var isEmpty: Bool { tokens.isEmpty }

    init(_ tokens: [AddedToken]) {
        let toks = tokens.filter { !$0.content.isEmpty }
        self.tokens = toks
        let bs = toks.map { Array($0.content.utf8) }
        bytes = bs
        var bf = [[Int]](repeating: [], count: 256)
        for (k, b) in bs.enumerated() { bf[Int(b[0])].append(k) }
        for f in 0..<256 { bf[f].sort { bs[$0].count > bs[$1].count || (bs[$0].count == bs[$1].count && $0 < $1) } }
        byFirst = bf
        isFirst = bf.map { !$0.isEmpty }
    }

    /// Splits [0, n) into text pieces and token matches, in order.
    func split(_ p: UnsafePointer<UInt8>, _ n: Int, text: (Int, Int) -> Void, token: (Int) -> Void) {
        var cut = 0
        var i = 0
        let t = UnicodeClassTable.shared.table
        let firstTable = isFirst
        while i < n {
            // Skip bytes that start no token without touching the candidate lists.
            let skip: Int = firstTable.withUnsafeBufferPointer { fb in
                var j = i
                while j < n && !fb[Int(p[j])] { j += 1 }
                return j
            }
            i = skip
            if i >= n { break }
            let cands = byFirst[Int(p[i])]
            var matched = -1
            for k in cands {
                let b = bytes[k]
                if i + b.count <= n && b.withUnsafeBufferPointer({ memcmpBytes($0.baseAddress!, p + i, b.count) }) {
                    if tokens[k].singleWord {
                        if i > 0 && isWordByteBefore(p, i, t) { continue }
                        if i + b.count < n && isWordAt(p, i + b.count, n, t) { continue }
                    }
                    matched = k; break
                }
            }
            if matched < 0 { i += 1; continue }
            var s = i, e = i + bytes[matched].count
            if tokens[matched].lstrip {
                while s > cut {
                    var k = s - 1
                    while k > cut && (p[k] & 0xC0) == 0x80 { k -= 1 }
                    let (cp, _) = decodeScalar(p, k, n)
                    if t[Int(cp)] != CharClass.space { break }
                    s = k
                }
            }
            if tokens[matched].rstrip {
                while e < n {
                    let (cp, len) = decodeScalar(p, e, n)
                    if t[Int(cp)] != CharClass.space { break }
                    e += len
                }
            }
            if s > cut { text(cut, s) }
            token(matched)
            cut = e; i = e
        }
        if cut < n { text(cut, n) }
    }

    private func isWordAt(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ t: UnsafeMutablePointer<UInt8>) -> Bool {
        let (cp, _) = decodeScalar(p, i, n)
        let c = t[Int(cp)]
        return c == CharClass.letter || c == CharClass.number || cp == 0x5F
    }
    private func isWordByteBefore(_ p: UnsafePointer<UInt8>, _ i: Int, _ t: UnsafeMutablePointer<UInt8>) -> Bool {
        var k = i - 1
        while k > 0 && (p[k] & 0xC0) == 0x80 { k -= 1 }
        return isWordAt(p, k, i, t)
    }
}
