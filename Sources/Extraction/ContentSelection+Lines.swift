

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

    /// Link density of element `i` over its text outside headings. Principle: headings label what follows them,
    /// so a box of headed link lists (an in-page contents box, a "See also" box beside the text) is measured by
    /// its lists, and reads as the navigation it is. `withoutOwnLine` leaves out the block's own line too (a
    /// link-only edge line, dropped when rendered).
    /// Nil when all of the text is in headings.
    func linkDensityUnderHeadings(_ i: Int, withoutOwnLine: Bool = false) -> Float? {
        var headingChars: Int32 = withoutOwnLine ? nodes[i].ownChars : 0
        var headingLinks: Int32 = withoutOwnLine ? nodes[i].ownLinkChars : 0
        var j = i + 1
        let end = Int(nodes[i].end)
        while j < end {
            let c = nodes[j]
            if c.flags & Self.fRemoved != 0 { j = Int(c.end); continue }
            if !c.isText && c.tag.isHeading { headingChars += c.chars; headingLinks += c.linkChars; j = Int(c.end); continue }
            j += 1
        }
        let text = nodes[i].chars - headingChars
        return text > 0 ? Float(nodes[i].linkChars - headingLinks) / Float(text) : nil
    }

    /// Whether block `i`'s own line (its text outside its child blocks) is a short run of links, numbers and
    /// separators beside child blocks that carry the text: a source link, a version badge, a permalink, a "top"
    /// link at the edge of a section ("1.0.0 · source"). Principle: a line whose every word is a link is
    /// navigation (as a short all-link paragraph is); the child blocks stay. List items and table cells are
    /// entries, not edges, and keep their text.
    func isLinkOnlyLine(_ i: Int) -> Bool {
        let n = nodes[i]
        guard n.ownLinkChars > 0, n.ownChars <= 40, n.chars > n.ownChars, n.tag.isBlock else { return false }
        switch n.tag {
        case .li, .dt, .dd, .td, .th, .tr, .p, .caption, .figcaption, .pre, .table, .ul, .ol, .dl: return false
        default: break
        }
        var j = i + 1
        let end = Int(n.end)
        while j < end {
            let c = nodes[j]
            if c.flags & Self.fRemoved != 0 || (!c.isText && c.tag.isBlock) { j = Int(c.end); continue }
            if c.isText && c.flags & Self.fInLink == 0 && c.chars > 0 && hasLetter(j) { return false }
            j += 1
        }
        return true
    }

    /// Whether text node `i` holds a letter: an ASCII letter, or a character of a script block (Latin, Greek,
    /// Cyrillic, Hebrew, Arabic, Indic, CJK, Hangul...); Latin-1 symbols, punctuation, arrows and other symbols
    /// (U+0080-U+00BF, U+2000-U+2FFF), private use and emoji are not letters.
    func hasLetter(_ i: Int) -> Bool {
        let n = nodes[i]
        for k in Int(n.textStart)..<Int(n.textStart + n.textCount) {
            let c = buf[k] | 0x20
            if (c >= 0x61 && c <= 0x7A) && buf[k] < 0x80 { return true }
            let b = buf[k]
            if (b >= 0xC3 && b <= 0xDF) || (b >= 0xE0 && b <= 0xED && b != 0xE2) { return true }
        }
        return false
    }

    /// Whether the short text of block `i` is a stock boilerplate phrase ("Advertisement", "Read more"...).
    func isBoilerplatePhrase(_ i: Int) -> Bool {
        withNormalizedStart(i, limit: 48) { t, complete in
            guard complete, let candidates = PhraseBytes.shared.phrasesByLength[t.count] else { return false }
            return candidates.contains { $0.elementsEqual(t) }
        }
    }

    /// Whether block `i` is a short link line introduced by a stock lead-in ("Related: …", "READ MORE: …").
    func isLeadInLinkLine(_ i: Int) -> Bool {
        withNormalizedStart(i, limit: 24) { t, _ in PhraseBytes.startsWithLeadIn(t, PhraseBytes.shared.linkLeadIns) }
    }

    /// Whether block `i` is a generator's colophon ("This document was generated using makeinfo").
    func isColophon(_ i: Int) -> Bool {
        withNormalizedStart(i, limit: 32) { t, _ in PhraseBytes.startsWithLeadIn(t, PhraseBytes.shared.colophonLeadIns) }
    }

    /// Calls `body` with the start of block `i`'s text in lower case, every run of non-letters (and each non-ASCII
    /// character) as one space, trimmed; `complete` when the whole text fits in `limit` bytes. False for blocks
    /// with many nodes (keeps deep nesting linear). The text is built in a stack buffer: this runs for most
    /// small blocks of a page, so it allocates nothing.
    func withNormalizedStart(_ i: Int, limit: Int, _ body: (UnsafeBufferPointer<UInt8>, Bool) -> Bool) -> Bool {
        let end = Int(nodes[i].end)
        if end - (i + 1) > 64 { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: limit + 2) { t in
            var count = 0
            var complete = true
            buf.withUnsafeBufferPointer { b in
                var j = i + 1
                scan: while j < end {
                    let n = nodes[j]
                    if n.flags & Self.fRemoved != 0 { j = Int(n.end); continue }
                    if n.isText {
                        for k in Int(n.textStart)..<Int(n.textStart + n.textCount) {
                            var c = b[k]
                            if c >= 0x41 && c <= 0x5A { c |= 0x20 }
                            if c >= 0x61 && c <= 0x7A { t[count] = c; count += 1 }
                            else if c & 0xC0 != 0x80 && count > 0 && t[count - 1] != 0x20 { t[count] = 0x20; count += 1 }
                            if count > limit { complete = false; break scan }
                        }
                    }
                    j += 1
                }
            }
            while count > 0 && t[count - 1] == 0x20 { count -= 1 }
            return body(UnsafeBufferPointer(rebasing: t[0..<count]), complete)
        }
    }
}

/// `Vocabulary`'s phrase lists as bytes, for allocation-free comparison.
final class PhraseBytes: Sendable {
    static let shared = PhraseBytes()
    let phrasesByLength: [Int: [[UInt8]]]
    let linkLeadIns: [[UInt8]]
    let colophonLeadIns: [[UInt8]]

    init() {
        phrasesByLength = Dictionary(grouping: Vocabulary.boilerplatePhrases.map { Array($0.utf8) }, by: \.count)
        linkLeadIns = Vocabulary.linkLeadIns.map { Array($0.utf8) }
        colophonLeadIns = Vocabulary.colophonLeadIns.map { Array($0.utf8) }
    }

    /// Whether `t` is one of `leadIns` or starts with one followed by a space.
    static func startsWithLeadIn(_ t: UnsafeBufferPointer<UInt8>, _ leadIns: [[UInt8]]) -> Bool {
        leadIns.contains { w in
            guard t.count >= w.count, t.prefix(w.count).elementsEqual(w) else { return false }
            return t.count == w.count || t[w.count] == 0x20
        }
    }
}
