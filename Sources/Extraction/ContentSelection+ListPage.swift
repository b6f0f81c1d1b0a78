/// Index, table-of-contents and sitemap pages: a list of links that is the page's body becomes a list document.
extension PageTree {
    /// Tag of an element that holds a list of entries.
    static func isListTag(_ t: Tag) -> Bool {
        switch t { case .ul, .ol, .dl, .table, .menu: return true; default: return false }
    }

    /// Principle: a page whose main block is an index or a table of contents (a list or table of links that is
    /// the page's body, after the page's heading, inside the content landmark when the page has one) is a list
    /// document of its entries, whatever the generator. Applies when the ordinary selection kept less text than
    /// the list holds; the text is then the page's heading, what follows it down to the list, the list, and prose
    /// blocks after it. Returns whether the text was replaced.
    mutating func indexPage(_ bytes: inout [UInt8], _ usedH1: inout Bool, options: HTMLExtractor.Options) -> Bool {
        let scope = contentLandmark() ?? bodyIndex()
        let heading = pageHeading(in: scope)
        guard let list = mainLinkList(in: scope, after: heading) else { return false }
        let l = nodes[list]
        // The ordinary selection lost the list, or took the whole body (the navigation before the heading and
        // the sidebars outside the landmark included).
        let wholeBody = heading >= 0 && decision.container == bodyIndex()
        guard Int(l.chars) > bytes.count || wholeBody else { return false }
        // The list is the body: the rest of the content after the heading is short beside it.
        let from = heading >= 0 ? heading : scope
        let prose = proseChars(from: from, in: scope) - Int(l.chars - l.linkChars)
        guard Int(l.linkChars) >= 2 * prose else { return false }
        let roots = heading >= 0 ? span(from: heading, to: list) : [list]
        var h1 = false
        let text = render(roots: roots, options: options, prune: true, usedH1: &h1, forceList: true)
        guard text.count > bytes.count || wholeBody else { return false }
        bytes = text; usedH1 = h1
        decision = .init(container: list, score: finalScore(list), rule: "index page", roots: roots)
        return true
    }

    /// The first kept `<main>`, `role=main` or `itemprop=articleBody` element with text: the page says where
    /// its content is.
    func contentLandmark() -> Int? {
        for i in 0..<nodes.count where !nodes[i].isText && nodes[i].flags & Self.fRemoved == 0 && nodes[i].chars > 0 {
            if nodes[i].tag == .main || nodes[i].flags & Self.fArticleBody != 0 { return i }
        }
        return nil
    }

    /// The page's heading inside `scope`: its first kept `<h1>`, else its first `<h2>`; -1 when there is none.
    func pageHeading(in scope: Int) -> Int {
        var firstH2 = -1
        var i = scope + 1
        let end = Int(nodes[scope].end)
        while i < end {
            let n = nodes[i]
            if n.flags & Self.fRemoved != 0 { i = Int(n.end); continue }
            if !n.isText && n.chars > 0 {
                if n.tag == .h1 { return i }
                if n.tag == .h2 && firstH2 < 0 { firstH2 = i }
            }
            i += 1
        }
        return firstH2
    }

    /// The kept list or table with the most link text inside `scope` after `heading` (outermost when lists nest),
    /// when links make more than half of its text.
    func mainLinkList(in scope: Int, after heading: Int) -> Int? {
        var best = -1
        var i = heading >= 0 ? Int(nodes[heading].end) : scope + 1
        let end = Int(nodes[scope].end)
        while i < end {
            let n = nodes[i]
            if n.isText { i += 1; continue }
            if n.flags & Self.fRemoved != 0 { i = Int(n.end); continue }
            if Self.isListTag(n.tag) && n.linkChars * 2 > n.chars {
                if best < 0 || n.linkChars > nodes[best].linkChars { best = i }
                i = Int(n.end)
                continue
            }
            i += 1
        }
        return best >= 0 && nodes[best].linkChars >= 20 ? best : nil
    }

    /// Kept non-link characters of `scope` from node `from` on (its whole text when `from` is `scope`), a
    /// generator's colophon left out.
    func proseChars(from: Int, in scope: Int) -> Int {
        if from == scope { return Int(nodes[scope].chars - nodes[scope].linkChars) }
        var sum = 0
        for i in from..<Int(nodes[scope].end) where nodes[i].isText && nodes[i].flags & (Self.fInLink) == 0 {
            var p = Int(nodes[i].parent), removed = false
            while p > scope { if nodes[p].flags & Self.fRemoved != 0 { removed = true; break }; p = Int(nodes[p].parent) }
            let b = Int(nodes[i].block)
            if !removed && !(b >= 0 && nodes[b].chars < 200 && isColophon(b)) { sum += Int(nodes[i].chars) }
        }
        return sum
    }

    /// The children of the common ancestor of `heading` and `list` from the one holding the heading to the one
    /// holding the list, then the prose blocks after it (a generator's colophon excluded).
    func span(from heading: Int, to list: Int) -> [Int] {
        var a = Int(nodes[heading].parent)
        while a >= 0 && !(list > a && list < Int(nodes[a].end)) { a = Int(nodes[a].parent) }
        guard a >= 0 else { return [list] }
        var roots: [Int] = []
        var c = a + 1
        var afterList = false
        while c < Int(nodes[a].end) {
            defer { c = Int(nodes[c].end) }
            let n = nodes[c]
            let holdsHeading = heading >= c && heading < Int(n.end)
            if !holdsHeading && roots.isEmpty { continue }
            if n.flags & Self.fRemoved != 0 || n.chars == 0 || n.isText { continue }
            if afterList {
                if n.chars >= 80 && linkDensity(c) < 0.25 && !isColophon(c) { roots.append(c) } else { break }
                continue
            }
            roots.append(c)
            if list >= c && list < Int(n.end) { afterList = true }
        }
        return roots
    }

    /// A page made of link lists (an index, a sitemap, a chapter's table of contents) with no prose to select: its
    /// entries are the text. Tried with the class/id rules, then (a `toc` class is navigation on an article page but
    /// the content of a contents page) with tag rules only.
    mutating func listPageFallback(_ bytes: inout [UInt8], _ usedH1: inout Bool, options: HTMLExtractor.Options) {
        let body = bodyIndex()
        for tagsOnly in [false, true] {
            if tagsOnly {
                decideRemoval(strict: false, tagsOnly: true, none: false)
                computeStats()
            }
            if linkDensity(body) > 0.5 && Int(nodes[body].chars) >= 2 * bytes.count + 60 {
                var h1 = false
                let list = render(roots: [body], options: options, prune: true, usedH1: &h1)
                if list.count > bytes.count {
                    bytes = list; usedH1 = h1
                    decision = .init(container: body, score: 0, rule: tagsOnly ? "link-list page, tag rules only" : "link-list page", roots: [body])
                    return
                }
            }
        }
        decideRemoval(strict: true, tagsOnly: false, none: false)  // back to the state the text was chosen in
        computeStats()
    }
}
