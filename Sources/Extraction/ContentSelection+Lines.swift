

/// Landmarks and line classification used by main-content selection.
extension PageTree {
    /// The `<main>` or `role=main` element around `top` when it holds at least half of the page's kept non-link
    /// text: the page says where its content is, so all of it is taken (link lists inside are still pruned).
    func mainLandmark(around top: Int) -> Int? {
        let body = bodyIndex()
        let pageText = Int(nodes[body].chars - nodes[body].linkChars)
        var a = top
        while a >= 0 && a != body {
            let n = nodes[a]
            if n.tag == .main || n.flags & Self.fArticleBody != 0 {
                return Int(n.chars - n.linkChars) * 2 >= pageText ? a : nil
            }
            a = Int(n.parent)
        }
        return nil
    }

    func bodyIndex() -> Int {
        for i in 0..<min(nodes.count, 64) where nodes[i].tag == .body { return i }
        return 0
    }

    /// Whether the short text of block `i` is a stock boilerplate phrase ("Advertisement", "Read more"...).
    func isBoilerplatePhrase(_ i: Int) -> Bool {
        guard let (t, complete) = normalizedStart(i, limit: 48), complete else { return false }
        return Vocabulary.boilerplatePhrases.contains(t)
    }

    /// Whether block `i` is a short link line introduced by a stock lead-in ("Related: …", "READ MORE: …").
    func isLeadInLinkLine(_ i: Int) -> Bool {
        guard let (t, _) = normalizedStart(i, limit: 24) else { return false }
        return Vocabulary.linkLeadIns.contains { t == $0 || t.hasPrefix($0 + " ") }
    }

    /// Whether block `i` is a generator's colophon ("This document was generated using makeinfo").
    func isColophon(_ i: Int) -> Bool {
        guard let (t, _) = normalizedStart(i, limit: 32) else { return false }
        return Vocabulary.colophonLeadIns.contains { t == $0 || t.hasPrefix($0 + " ") }
    }

    /// The start of block `i`'s text in lower case, every run of non-letters (and each non-ASCII character) as one
    /// space, trimmed; `complete` when the whole text fits in `limit` bytes. Nil for blocks with many nodes.
    func normalizedStart(_ i: Int, limit: Int) -> (String, complete: Bool)? {
        var t = [UInt8]()
        var j = i + 1
        let end = Int(nodes[i].end)
        if end - j > 64 { return nil }  // keeps deep nesting linear
        var complete = true
        scan: while j < end {
            let n = nodes[j]
            if n.flags & Self.fRemoved != 0 { j = Int(n.end); continue }
            if n.isText {
                for k in Int(n.textStart)..<Int(n.textStart + n.textCount) {
                    var c = buf[k]
                    if c >= 0x41 && c <= 0x5A { c |= 0x20 }
                    if c >= 0x61 && c <= 0x7A { t.append(c) }
                    else if c & 0xC0 != 0x80 && !t.isEmpty && t.last != 0x20 { t.append(0x20) }
                    if t.count > limit { complete = false; break scan }
                }
            }
            j += 1
        }
        while t.last == 0x20 { t.removeLast() }
        return (String(decoding: t, as: UTF8.self), complete)
    }
}
