/// Compile with `-Xswiftc -DEXTRACTION_DEBUG` to print the candidate scores of each page.
#if EXTRACTION_DEBUG
let debugEnabled = true
#else
let debugEnabled = false
#endif

/// Main-content selection and rendering on a `PageTree`.
extension PageTree {
    /// Returns the title and the main-content text.
    mutating func extract(options: HTMLExtractor.Options) -> (title: String?, text: String) {
        if nodes.isEmpty { return (title, "") }
        computeRawStats()
        var bytes: [UInt8]
        var usedH1 = false
        if options.wholePage {
            decideRemoval(strict: false, tagsOnly: false, none: true)
            computeStats()
            bytes = render(roots: [0], options: options, prune: false, usedH1: &usedH1)
            decision = .init(container: 0, score: 0, rule: "whole page", roots: [0])
        } else {
            decideRemoval(strict: true, tagsOnly: false, none: false)
            computeStats()
            var roots = selectRoots()
            bytes = render(roots: roots, options: options, prune: true, usedH1: &usedH1)
            decision.roots = roots
            if bytes.count < 250 && Int(nodes[0].rawChars - nodes[0].rawLinkChars) > 3 * max(bytes.count, 100) {
                // Too little survived: class/id rules probably hit a content wrapper. Retry with tag rules only.
                decideRemoval(strict: false, tagsOnly: true, none: false)
                computeStats()
                var h1 = false
                let first = decision
                roots = selectRoots()
                let second = render(roots: roots, options: options, prune: true, usedH1: &h1)
                if second.count > bytes.count {
                    bytes = second; usedH1 = h1; decision.roots = roots; decision.rule += ", tag rules only"
                } else { decision = first }
            }
            if options.linkListPages && !indexPage(&bytes, &usedH1, options: options) && bytes.count < 150 {
                listPageFallback(&bytes, &usedH1, options: options)
            }
        }
        var pageTitle = title.map(TextFinishing.cleanTitle)
        if !options.wholePage, let start = decision.roots.min(), let t = pageTitle {
            pageTitle = titleWithoutBanner(t, contentStart: start)
        }
        if pageTitle == nil && firstH1 >= 0 {
            var h = false
            let t = render(roots: [Int(firstH1)], options: options, prune: false, usedH1: &h)
            if !t.isEmpty { pageTitle = String(decoding: t, as: UTF8.self) }
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if options.includeTitle, let t = pageTitle, !usedH1, !text.hasPrefix(t) {
            text = text.isEmpty ? t : t + "\n\n" + text
        }
        return (pageTitle.map(TextFinishing.nfc), TextFinishing.nfc(text))
    }

    // MARK: statistics

    /// Subtree character and link-character counts over all visible text (before removal decisions).
    mutating func computeRawStats() {
        for i in 0..<nodes.count {
            nodes[i].rawChars = 0
            nodes[i].rawLinkChars = 0
        }
        for i in stride(from: nodes.count - 1, through: 0, by: -1) {
            let n = nodes[i]
            if n.isText {
                if n.flags & Self.fHidden == 0 {
                    nodes[i].rawChars = n.chars
                    nodes[i].rawLinkChars = n.flags & Self.fInLink != 0 ? n.chars : 0
                }
            }
            if n.flags & (Self.fArticleBody | Self.fHoldsArticleBody) != 0 && n.parent >= 0 && n.flags & Self.fHidden == 0 {
                nodes[Int(n.parent)].flags |= Self.fHoldsArticleBody
            }
            if n.parent >= 0 && n.flags & Self.fHidden == 0 {
                nodes[Int(n.parent)].rawChars += nodes[i].rawChars
                nodes[Int(n.parent)].rawLinkChars += nodes[i].rawLinkChars
            }
        }
        protectLargestBlock()
    }

    /// Marks the page's largest text block and its ancestors: a class/id word or a boilerplate tag never removes
    /// them. The block is the element whose own text plus its child blocks' own text (visible, outside links) is
    /// largest, at least 100 characters: a run of paragraphs outweighs one long author bio.
    mutating func protectLargestBlock() {
        var own = [Int32](repeating: 0, count: nodes.count)
        for i in 0..<nodes.count where nodes[i].isText && nodes[i].block >= 0 {
            if nodes[i].flags & (Self.fHidden | Self.fInLink) != 0 { continue }
            own[Int(nodes[i].block)] += nodes[i].chars
        }
        var group = own
        for i in 0..<nodes.count where own[i] > 0 && nodes[i].parent >= 0 { group[Int(nodes[i].parent)] += own[i] }
        var largest = -1
        for i in 0..<nodes.count where group[i] > 0 && (largest < 0 || group[i] > group[largest]) { largest = i }
        guard largest >= 0, group[largest] >= 100 else { return }
        var p = largest
        while p >= 0 { nodes[p].flags |= Self.fProtected; p = Int(nodes[p].parent) }
    }

    /// Marks boilerplate subtrees as removed. A candidate for removal that holds most of the page's non-link
    /// text is a wrapper, not boilerplate, and is kept.
    mutating func decideRemoval(strict: Bool, tagsOnly: Bool, none: Bool) {
        let total = max(1, Int(nodes[0].rawChars - nodes[0].rawLinkChars))
        for i in 0..<nodes.count {
            var n = nodes[i]
            let parentRemoved = n.parent >= 0 && nodes[Int(n.parent)].flags & Self.fRemoved != 0
            var removed = parentRemoved || n.flags & Self.fHidden != 0
            if !removed && !n.isText && !none {
                let boiler = n.flags & Self.fBoilerTag != 0 || (!tagsOnly && n.flags & Self.fNegative != 0 && n.flags & Self.fPositive == 0)
                    || (!tagsOnly && strict && n.flags & Self.fNegative != 0 && n.weight < 0)
                    || (!tagsOnly && n.flags & Self.fStrongNegative != 0)
                    || (!tagsOnly && n.flags & Self.fWeakNegative != 0 && n.rawLinkChars * 2 > n.rawChars)
                let own = Int(n.rawChars - n.rawLinkChars)
                // The largest text block protects its containers from mild words; from strong ones (comments,
                // teaser...) only when the container also holds half the page's text.
                let shielded = n.flags & (Self.fArticleBody | Self.fHoldsArticleBody) != 0
                    || (n.flags & Self.fProtected != 0 && (n.flags & Self.fStrongNegative == 0 || own * 2 >= total))
                if boiler && n.tag != .html && n.tag != .body && !shielded {
                    if own * 2 < total || (!tagsOnly && n.flags & Self.fStrongNegative != 0) { removed = true }
                }
            }
            if removed { n.flags |= Self.fRemoved } else { n.flags &= ~Self.fRemoved }
            nodes[i].flags = n.flags
        }
    }

    /// Subtree statistics over kept text, own (block-level) text per block, and paragraph scores.
    mutating func computeStats() {
        for i in 0..<nodes.count where !nodes[i].isText {
            nodes[i].chars = 0; nodes[i].linkChars = 0; nodes[i].ownChars = 0; nodes[i].ownLinkChars = 0
            nodes[i].commas = 0; nodes[i].score = 0
            nodes[i].flags &= ~Self.fCandidate
        }
        for i in stride(from: nodes.count - 1, through: 0, by: -1) {
            let n = nodes[i]
            if n.flags & Self.fRemoved != 0 { continue }
            if n.isText {
                let link = n.flags & Self.fInLink != 0 ? n.chars : 0
                nodes[i].linkChars = link
                if n.block >= 0 {
                    nodes[Int(n.block)].ownChars += n.chars
                    nodes[Int(n.block)].ownLinkChars += link
                    nodes[Int(n.block)].commas += n.commas
                }
            }
            if n.parent >= 0 {
                nodes[Int(n.parent)].chars += nodes[i].chars
                nodes[Int(n.parent)].linkChars += nodes[i].linkChars
            }
        }
        // Paragraph scores flow to ancestors.
        for i in 0..<nodes.count {
            let n = nodes[i]
            if n.isText || n.flags & Self.fRemoved != 0 || n.block != Int32(i) { continue }
            if n.ownChars < 25 || n.tag.isHeading { continue }
            switch n.tag { case .li, .dt, .dd, .th, .caption, .figcaption, .address, .summary, .tr, .table, .ul, .ol, .dl: continue; default: break }
            if n.ownLinkChars * 2 > n.ownChars { continue }
            let s = 1 + Float(n.commas) + min(Float(n.ownChars) / 100, 3)
            var p = n.parent
            var level = 0
            while p >= 0 && level < 5 {
                let pi = Int(p)
                if nodes[pi].flags & Self.fCandidate == 0 {
                    nodes[pi].flags |= Self.fCandidate
                    // A word never outweighs the page's largest block: its containers keep only positive evidence.
                    let w = nodes[pi].flags & Self.fProtected != 0 ? max(0, nodes[pi].weight) : nodes[pi].weight
                    nodes[pi].score = tagBias(nodes[pi].tag) + Float(w)
                }
                nodes[pi].score += level == 0 ? s : (level == 1 ? s / 2 : s / Float(level * 3))
                p = nodes[pi].parent
                level += 1
            }
        }
    }

    func tagBias(_ t: Tag) -> Float {
        switch t {
        case .div, .article, .main: return 5
        case .pre, .td, .blockquote: return 3
        case .address, .ol, .ul, .dl, .dd, .dt, .li, .form: return -3
        case .h1, .h2, .h3, .h4, .h5, .h6, .th: return -5
        default: return 0
        }
    }

    func linkDensity(_ i: Int) -> Float {
        let n = nodes[i]
        return n.chars > 0 ? Float(n.linkChars) / Float(n.chars) : 0
    }

    func finalScore(_ i: Int) -> Float { nodes[i].score * (1 - linkDensity(i)) }

    // MARK: selection

    /// The subtrees that form the main content, in document order.
    mutating func selectRoots() -> [Int] {
        var cands: [(Int, Float)] = []
        for i in 0..<nodes.count where nodes[i].flags & Self.fCandidate != 0 && nodes[i].flags & Self.fRemoved == 0 {
            cands.append((i, finalScore(i)))
        }
        // A microdata article body with real text is the strongest signal there is.
        do {
            var bestBody = -1
            for i in 0..<nodes.count where nodes[i].flags & Self.fArticleBody != 0 && nodes[i].flags & Self.fRemoved == 0 && nodes[i].tag != .main && nodes[i].tag != .body {
                if nodes[i].chars >= 250 && (bestBody < 0 || nodes[i].chars > nodes[bestBody].chars) { bestBody = i }
            }
            if bestBody >= 0 {
                if debugEnabled { print("articleBody line \(nodes[bestBody].line)") }
                decision = .init(container: bestBody, score: finalScore(bestBody), rule: "landmark")
                return [bestBody]
            }
        }
        guard !cands.isEmpty else {
            // No paragraph at all: the body (or the whole tree).
            decision = .init(container: bodyIndex(), score: 0, rule: "no paragraph: body")
            return [bodyIndex()]
        }
        cands.sort { $0.1 > $1.1 }
        var top = cands[0].0
        if debugEnabled { for (c, sc) in cands.prefix(8) { print("cand line \(nodes[c].line) \(nodes[c].tag) score \(sc) chars \(nodes[c].chars) ld \(linkDensity(c))") } }
        let topScore = cands[0].1
        // Several near-best candidates under one ancestor: the content spans them.
        let alternatives = cands.dropFirst().prefix(5).filter { $0.1 >= 0.75 * topScore }.map { $0.0 }
        if alternatives.count >= 2 {
            var a = Int(nodes[top].parent)
            while a >= 0 && nodes[a].tag != .body {
                let inside = alternatives.filter { $0 > a && $0 < Int(nodes[a].end) }.count
                if inside >= 2 { top = a; break }
                a = Int(nodes[a].parent)
            }
        }
        // Climb while the parent holds little besides the candidate.
        while nodes[top].parent >= 0 {
            let p = Int(nodes[top].parent)
            if nodes[p].tag == .body || nodes[p].tag == .html { break }
            let extra = nodes[p].chars - nodes[top].chars, extraLinks = nodes[p].linkChars - nodes[top].linkChars
            // Sibling sections of one body (nested <section>s, modular pages): the parent's other text is prose.
            let prose = nodes[p].tag == .section || nodes[p].tag == .article || nodes[p].tag == .div || nodes[p].tag == .main
            if extra <= 20 || (prose && extraLinks * 10 <= extra * 3) { top = p } else { break }
        }
        // Sibling blocks that look like content join the candidate.
        let p = Int(nodes[top].parent)
        if let m = mainLandmark(around: top) {
            decision = .init(container: m, score: finalScore(m), rule: "main landmark")
            return [m]
        }
        decision = .init(container: top, score: finalScore(top), rule: "best-scoring block")
        guard p >= 0 else { return [top] }
        let best = max(finalScore(top), 1)
        let threshold = max(10, best * 0.2)
        var roots: [Int] = []
        var c = p + 1
        while c < Int(nodes[p].end) {
            defer { c = Int(nodes[c].end) }
            if c == top { roots.append(c); continue }
            let n = nodes[c]
            if n.flags & Self.fRemoved != 0 || n.chars == 0 { continue }
            if n.isText { continue }
            // A generator's colophon after the content is a footer, not a sibling block of it.
            if n.chars < 200 && isColophon(c) { continue }
            var add = false
            if n.flags & Self.fCandidate != 0 && finalScore(c) >= threshold { add = true }
            else if n.tag == .p || n.tag == .div || n.tag == .section || n.tag == .blockquote || n.tag == .pre || n.tag.isHeading || n.tag == .ul || n.tag == .ol || n.tag == .table || n.tag == .figure {
                let ld = linkDensity(c)
                if n.chars >= 80 && ld < 0.25 { add = true }
                else if n.tag.isHeading && ld < 0.5 && c > top { add = true }
            }
            if add { roots.append(c) }
        }
        if debugEnabled { print("top line \(nodes[top].line) \(nodes[top].tag); roots", roots.map { "\(nodes[$0].line) \(nodes[$0].tag)" }) }
        return roots
    }

    // MARK: rendering

    /// Renders the given subtrees as text. With `prune`, link lists and boilerplate inside are skipped.
    /// `forceList` renders every root as a list document (an index page's span, `indexPage`).
    func render(roots: [Int], options: HTMLExtractor.Options, prune: Bool, usedH1: inout Bool, forceList: Bool = false) -> [UInt8] {
        var w = TextWriter()
        w.out.reserveCapacity(8192)
        for r in roots {
            let rootChars = max(1, nodes[r].chars)
            // A root that is mostly links (a table of contents, an index, a sitemap) is a list document: its link
            // lists are its content and are kept.
            let listDocument = options.linkListPages && (forceList || linkDensity(r) > 0.5)
            // Stack of open elements: (end index, tag, tight context).
            var stack: [(end: Int32, tag: Tag, tight: Bool)] = []
            // Blocks whose own line is a link-only edge line (`isLinkOnlyLine`), with their ends: that line is skipped.
            var edgeLines: [(block: Int32, end: Int32)] = []
            var i = r
            let stop = Int(nodes[r].end)
            w.block(4)
            while i < stop {
                while let top = stack.last, Int(top.end) <= i {
                    stack.removeLast()
                    w.exit(top.tag, tight: stack.last?.tight ?? false)
                }
                let n = nodes[i]
                if n.flags & Self.fRemoved != 0 { i = Int(n.end); continue }
                while let e = edgeLines.last, Int(e.end) <= i { edgeLines.removeLast() }
                if n.isText {
                    if !edgeLines.isEmpty && edgeLines.contains(where: { $0.block == n.block }) { i += 1; continue }
                    if n.chars > 0 || n.flags & Self.fInPre != 0 {
                        let start = Int(n.textStart), count = Int(n.textCount)
                        buf.withUnsafeBufferPointer { b in
                            w.text(UnsafeBufferPointer(rebasing: b[start..<start + count]), pre: n.flags & Self.fInPre != 0)
                        }
                    } else {
                        w.space()
                    }
                    i += 1
                    continue
                }
                if i != r && skip(i, prune: prune, rootChars: rootChars, options: options, listDocument: listDocument) { i = Int(n.end); continue }
                if prune && !listDocument && isLinkOnlyLine(i) { edgeLines.append((Int32(i), n.end)) }
                if n.tag == .h1 {
                    // Without the title, the headline goes too (it is the title in the page body).
                    if !options.includeTitle && !usedH1 && prune { usedH1 = true; i = Int(n.end); continue }
                    usedH1 = true
                }
                let tight = (stack.last?.tight ?? false) || n.tag == .li || n.tag == .td || n.tag == .th || n.tag == .dd || n.tag == .dt
                if n.tag.isHeading { w.headingStart = w.out.count }
                w.enter(n.tag, tight: stack.last?.tight ?? false)
                stack.append((n.end, n.tag, tight))
                i += 1
            }
            while let top = stack.popLast() { w.exit(top.tag, tight: stack.last?.tight ?? false) }
        }
        if prune, w.headingStart >= 0, !w.contentAfterHeading {
            // A heading with nothing after it (e.g. "Footnotes" whose list was pruned) is dropped.
            w.out.removeSubrange(w.headingStart...)
        }
        return w.finish()
    }

    /// Boilerplate inside the selected content: link lists, short all-link blocks, data tables when unwanted.
    func skip(_ i: Int, prune: Bool, rootChars: Int32, options: HTMLExtractor.Options, listDocument: Bool = false) -> Bool {
        let n = nodes[i]
        if !options.includeTables && n.tag == .table { return true }
        if !prune { return false }
        if n.chars == 0 {
            switch n.tag { case .br, .hr, .pre, .td, .th, .tr: return false; default: return n.end == Int32(i + 1) ? false : true }
        }
        if n.tag == .figcaption { return true }
        if n.chars <= 40 && (n.tag.isBlock || n.tag == .a) && isBoilerplatePhrase(i) { return true }
        if n.tag == .figure && n.chars < 300 { return true }
        if n.linkChars > 0 && n.chars < 150 && n.tag.isBlock && isLeadInLinkLine(i) { return true }
        if n.chars < 200 && n.tag.isBlock && isColophon(i) { return true }
        if listDocument { return false }
        var ld = linkDensity(i)
        switch n.tag {
        case .div, .section, .ul, .ol, .table, .dl, .form, .center, .details, .aside, .nav, .header, .footer, .figure, .article, .menu, .fieldset:
            // A link-only edge line is dropped when rendered (`isLinkOnlyLine`): the block is measured without it.
            let edge = ld > 0.3 && isLinkOnlyLine(i)
            if edge { ld = Float(n.linkChars - n.ownLinkChars) / Float(n.chars - n.ownChars) }
            if n.weight < 0 && ld > 0.2 && n.flags & Self.fProtected == 0 { return true }
            if ld > 0.3 {
                // A block that holds only a heading (beside an edge line) is measured as that heading: the links
                // of a code signature (`impl Clone for Gate`) are its type names.
                guard let under = linkDensityUnderHeadings(i, withoutOwnLine: edge) else { return ld >= 0.75 && n.chars < 150 }
                if ld > 0.5 && n.chars * 3 < rootChars { return true }
                if n.chars * 3 < rootChars && under > 0.5 { return true }
            }
            if (n.tag == .ul || n.tag == .ol) && ld > 0.35 && n.chars * 3 < rootChars { return true }
        case .p, .li, .dd, .dt, .h1, .h2, .h3, .h4, .h5, .h6, .blockquote:
            // An entry of a kept list whose text is mostly not links (a term list of names with descriptions)
            // names its entry: the link is the name, not navigation.
            if (n.tag == .li || n.tag == .dt) && n.parent >= 0 && Self.isListTag(nodes[Int(n.parent)].tag)
                && linkDensity(Int(n.parent)) <= 0.5 { return false }
            if ld >= 0.75 && n.chars < 150 { return true }
        default:
            break
        }
        return false
    }
}

