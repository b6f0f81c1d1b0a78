import CXML2

/// A flat, pre-order copy of the parts of an HTML document that matter for extraction, with per-subtree text
/// statistics. Built and walked iteratively (no recursion), so nesting depth only costs heap memory.
struct PageTree {
    struct Node {
        var tag: Tag = .other
        var isText = false
        var flags: UInt16 = 0
        var weight: Int16 = 0
        var parent: Int32 = -1
        var end: Int32 = 0          // one past the last descendant
        var block: Int32 = -1       // nearest block-level element (itself for blocks)
        var textStart: Int32 = 0    // text nodes: byte range in `buf`
        var textCount: Int32 = 0
        var chars: Int32 = 0        // text nodes: collapsed characters; elements: sum over kept text in subtree
        var linkChars: Int32 = 0    // characters inside <a> in the subtree
        var ownChars: Int32 = 0     // blocks: characters of text whose nearest block is this element
        var ownLinkChars: Int32 = 0
        var commas: Int32 = 0       // text nodes: commas; blocks: own commas
        var rawChars: Int32 = 0     // like chars, before boilerplate removal
        var rawLinkChars: Int32 = 0
        var score: Float = 0
        var line: Int32 = 0         // source line (elements), for diagnostics
    }

    // flags
    static let fHidden: UInt16 = 1 << 0
    static let fBoilerTag: UInt16 = 1 << 1      // nav/aside/footer/header/form/menu
    static let fNegative: UInt16 = 1 << 2       // class/id/role says boilerplate
    static let fPositive: UInt16 = 1 << 3
    static let fInPre: UInt16 = 1 << 4
    static let fInLink: UInt16 = 1 << 5
    static let fRemoved: UInt16 = 1 << 6        // decided: boilerplate (inherited)
    static let fArticleBody: UInt16 = 1 << 7    // itemprop=articleBody or role=main/article
    static let fCandidate: UInt16 = 1 << 8
    static let fHoldsArticleBody: UInt16 = 1 << 9  // an articleBody element is in the subtree
    static let fStrongNegative: UInt16 = 1 << 10   // class/id says comments, related links, consent banner...
    static let fInSVG: UInt16 = 1 << 11            // inside <svg>: only the text of <text> elements is kept
    static let fInSVGText: UInt16 = 1 << 12
    static let fProtected: UInt16 = 1 << 13        // holds the page's largest text block: never removed by a word
    static let fWeakNegative: UInt16 = 1 << 14     // a variant word (hidden-sm): boilerplate only when link-dense

    var nodes: [Node] = []
    var buf: [UInt8] = []
    var title: String?
    var firstH1: Int32 = -1
    /// libxml2 element of each node (nil for text), valid while the document lives: names the chosen container.
    var dom: [xmlNodePtr?] = []
    /// How the main content was chosen (set by `selectRoots`).
    var decision = Decision()

    /// The container the main content was taken from, its score and the rule that chose it.
    struct Decision {
        var container = -1
        var score: Float = 0
        var rule = ""
        var roots: [Int] = []
    }

    // MARK: building

    /// `inputBytes` sizes the buffers up front (one allocation each instead of repeated growth).
    mutating func build(from doc: htmlDocPtr, inputBytes: Int = 0) {
        guard let root = xmlDocGetRootElement(doc) else { return }
        nodes.reserveCapacity(max(256, inputBytes / 48))
        dom.reserveCapacity(max(256, inputBytes / 48))
        buf.reserveCapacity(max(4096, inputBytes / 3))
        var open: [Int32] = []
        open.reserveCapacity(64)
        var cur: xmlNodePtr? = root
        let lookup = TagLookup.shared
        func tagOf(_ n: xmlNodePtr) -> Tag {
            guard let name = n.pointee.name else { return .other }
            return lookup.tag(name)
        }

        while let n = cur {
            var descend = false
            var pushedLeaf = false
            let parentIndex = open.last ?? -1
            let inherited: UInt16 = parentIndex >= 0 ? nodes[Int(parentIndex)].flags & (Self.fInPre | Self.fInLink | Self.fHidden | Self.fInSVG | Self.fInSVGText) : 0
            switch n.pointee.type {
            case XML_ELEMENT_NODE:
                let t = tagOf(n)
                if t == .head {
                    findTitle(in: n, tagOf: tagOf)
                } else if t == .title && inherited & Self.fInSVG == 0 {
                    if title == nil { title = collapsedText(of: n) }
                } else if !t.isDropped {
                    var node = Node()
                    node.tag = t
                    node.parent = parentIndex
                    node.line = Int32(xmlGetLineNo(n))
                    node.flags = inherited | attributeFlags(n, tag: t, weight: &node.weight)
                    switch t {
                    case .nav, .aside, .footer, .header, .form, .menu, .noscript: node.flags |= Self.fBoilerTag
                    case .svg: node.flags |= Self.fInSVG
                    case .svgText: node.flags |= Self.fInSVGText
                    case .pre: node.flags |= Self.fInPre
                    case .a: node.flags |= Self.fInLink
                    case .main, .article: node.flags |= Self.fPositive
                    default: break
                    }
                    let idx = Int32(nodes.count)
                    node.block = t.isBlock ? idx : (parentIndex >= 0 ? nodes[Int(parentIndex)].block : -1)
                    if t == .h1 && firstH1 < 0 { firstH1 = idx }
                    nodes.append(node)
                    dom.append(n)
                    open.append(idx)
                    if n.pointee.children != nil { descend = true } else { pushedLeaf = true }
                }
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let c = n.pointee.content, parentIndex >= 0 {
                    addText(c, parent: parentIndex, flags: inherited)
                }
            default:
                break
            }
            if descend { cur = n.pointee.children; continue }
            if pushedLeaf { close(&open) }
            var m = n
            cur = nil
            while true {
                if m == root { break }
                if let nx = m.pointee.next { cur = nx; break }
                guard let p = m.pointee.parent else { break }
                close(&open)
                m = p
            }
        }
        while !open.isEmpty { close(&open) }
    }

    private mutating func close(_ open: inout [Int32]) {
        let i = Int(open.removeLast())
        nodes[i].end = Int32(nodes.count)
    }

    private mutating func addText(_ c: UnsafePointer<xmlChar>, parent: Int32, flags: UInt16) {
        let n = strlen(UnsafeRawPointer(c).assumingMemoryBound(to: CChar.self))
        if n == 0 || flags & (Self.fInSVG | Self.fInSVGText) == Self.fInSVG { return }
        let inPre = flags & Self.fInPre != 0
        var chars: Int32 = 0, commas: Int32 = 0
        var inSpace = true
        for k in 0..<n {
            let b = c[k]
            if b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0C {
                if !inSpace { chars += 1; inSpace = true }
            } else {
                inSpace = false
                if b & 0xC0 != 0x80 { chars += 1 }
                if b == 0x2C { commas += 1 }
            }
        }
        var node = Node()
        node.isText = true
        node.parent = parent
        node.flags = flags
        node.block = nodes[Int(parent)].block
        node.end = Int32(nodes.count + 1)
        if chars == 0 && !inPre {
            // Whitespace only: one shared space byte keeps the words on either side apart.
            if buf.last != 0x20 { buf.append(0x20) }
            node.textStart = Int32(buf.count - 1)
            node.textCount = 1
            nodes.append(node)
            dom.append(nil)
            return
        }
        node.textStart = Int32(buf.count)
        node.textCount = Int32(n)
        node.chars = chars
        node.commas = commas
        buf.append(contentsOf: UnsafeBufferPointer(start: c, count: n))
        node.end = Int32(nodes.count + 1)
        nodes.append(node)
        dom.append(nil)
    }

    private mutating func findTitle(in head: xmlNodePtr, tagOf: (xmlNodePtr) -> Tag) {
        var c = head.pointee.children
        while let n = c {
            if n.pointee.type == XML_ELEMENT_NODE && tagOf(n) == .title && title == nil { title = collapsedText(of: n) }
            c = n.pointee.next
        }
    }

    /// Collapsed text of a small element (title): direct text children only.
    private func collapsedText(of n: xmlNodePtr) -> String? {
        var out = [UInt8]()
        var c = n.pointee.children
        while let t = c {
            if t.pointee.type == XML_TEXT_NODE, let s = t.pointee.content {
                out.append(contentsOf: UnsafeBufferPointer(start: s, count: strlen(UnsafeRawPointer(s).assumingMemoryBound(to: CChar.self))))
                out.append(0x20)
            }
            c = t.pointee.next
        }
        let r = Whitespace.collapse(out)
        return r.isEmpty ? nil : String(decoding: r, as: UTF8.self)
    }

    /// Hidden / boilerplate / content flags from class, id, role, style, hidden, aria-hidden and itemprop.
    /// A `<section>` or heading id of several words is a slug of its heading text (`command-line-tools`,
    /// `related-work`), not a name of a page part: it is not read as class/id evidence.
    static func isHeadingSlug(_ v: UnsafePointer<xmlChar>, tag: Tag) -> Bool {
        guard tag == .section || tag.isHeading else { return false }
        var words = 0, inWord = false, p = v
        while p.pointee != 0 {
            let c = p.pointee | 0x20
            let alnum = (c >= 0x61 && c <= 0x7A) || (p.pointee >= 0x30 && p.pointee <= 0x39) || p.pointee >= 0x80
            if alnum && !inWord { words += 1 }
            inWord = alnum
            p += 1
        }
        return words >= 2
    }

    private func attributeFlags(_ n: xmlNodePtr, tag: Tag, weight: inout Int16) -> UInt16 {
        var flags: UInt16 = 0
        var a = n.pointee.properties
        while let at = a {
            defer { a = at.pointee.next }
            guard let name = at.pointee.name, let valNode = at.pointee.children, let v = valNode.pointee.content else {
                if let name = at.pointee.name, strcasecmp(name, "hidden") == 0 { flags |= Self.fHidden }
                continue
            }
            let nm = UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self)
            let val = UnsafeRawPointer(v).assumingMemoryBound(to: CChar.self)
            if strcmp(nm, "id") == 0 && strcasecmp(val, "top") == 0 {
                // The page's top region (the masthead, the target of "back to top" links), like a <header>; when
                // it wraps the whole page it holds the largest block and is shielded.
                flags |= Self.fNegative; weight -= 25
            } else if strcmp(nm, "class") == 0 || (strcmp(nm, "id") == 0 && !Self.isHeadingSlug(v, tag: tag)) {
                let (neg, strong, pos, weak) = Self.classify(v, heading: tag.isHeading)
                if weak { flags |= Self.fWeakNegative }
                if neg { flags |= Self.fNegative; weight -= 25 }
                if strong { flags |= Self.fStrongNegative }
                if pos { flags |= Self.fPositive; weight += 25 }
            } else if strcmp(nm, "style") == 0 {
                if Self.styleHides(v) { flags |= Self.fHidden }
            } else if strcmp(nm, "hidden") == 0 {
                flags |= Self.fHidden
            } else if strcmp(nm, "aria-hidden") == 0 {
                if strcasecmp(val, "true") == 0 { flags |= Self.fHidden }
            } else if strcmp(nm, "role") == 0 {
                let r = String(cString: val).lowercased()
                if r == "main" || r == "article" { flags |= Self.fPositive | Self.fArticleBody; weight += 25 }
                else if Vocabulary.negativeRoles.contains(r) { flags |= Self.fNegative; weight -= 25 }
            } else if strcmp(nm, "itemprop") == 0 {
                if String(cString: val).lowercased() == "articlebody" { flags |= Self.fPositive | Self.fArticleBody; weight += 25 }
            }
        }
        return flags
    }

    /// Whether an inline style hides the element (`display:none`, `visibility:hidden`, any spacing or case).
    static func styleHides(_ v: UnsafePointer<xmlChar>) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 400) { compact in
            var n = 0
            var p = v
            while p.pointee != 0 && n < 400 {
                let c = p.pointee
                if c != 0x20 && c != 0x09 && c != 0x0A && c != 0x0D { compact[n] = c | ((c >= 0x41 && c <= 0x5A) ? 0x20 : 0); n += 1 }
                p += 1
            }
            let b = UnsafeBufferPointer(rebasing: compact[0..<n])
            return Self.contains(b, "display:none") || Self.contains(b, "visibility:hidden")
        }
    }

    static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let n = needle.utf8CodeUnitCount
        if hay.count < n { return false }
        let s = needle.utf8Start
        outer: for i in 0...(hay.count - n) {
            for k in 0..<n where hay[i + k] != s[k] { continue outer }
            return true
        }
        return false
    }

    /// Splits a class/id value into lower-case alphanumeric tokens and matches them against the vocabulary.
    /// Class names are judged one at a time (`entry-meta`, `post has-comments`): a state modifier (`has-…`, `no-…`,
    /// `is-…`) says nothing; when a name mixes content and boilerplate words, its last word decides
    /// (`entry-meta` is boilerplate, `article-body` content); a strong word (comments, related) wins a tie.
    /// On a heading (`heading`), the word `header` names what the element is (`code-header`,
    /// `section-header`), not a page header around it, and is not evidence.
    static func classify(_ v: UnsafePointer<xmlChar>, heading: Bool = false) -> (negative: Bool, strong: Bool, positive: Bool, weak: Bool) {
        var neg = false, pos = false, strong = false
        // the class name being read
        var itemNeg = false, itemPos = false, itemStrong = false, itemModifier = false, itemHidden = false
        var weak = false
        var itemTokens = 0
        var lastNeg = false, lastPos = false
        var token = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))  // first 32 bytes of the token, lower-cased
        var len = 0
        let m = TokenMatcher.shared
        var p = v
        var count = 0
        func endItem() {
            if itemTokens > 0 && !itemModifier {
                if itemNeg && itemPos {
                    if lastNeg { itemPos = false } else if lastPos { itemNeg = false; itemStrong = false } else if itemStrong { itemPos = false }
                }
                // `hidden` alone hides (Bootstrap's .hidden); in a longer name it is a variant (hidden-xs,
                // field--label-hidden) and says nothing about the element's text.
                neg = neg || itemNeg || (itemHidden && itemTokens == 1)
                weak = weak || (itemHidden && itemTokens > 1)
                pos = pos || itemPos
                strong = strong || itemStrong
            }
            itemNeg = false; itemPos = false; itemStrong = false; itemModifier = false; itemHidden = false; itemTokens = 0
        }
        while count < 512 {
            var c = p.pointee
            if c >= 0x41 && c <= 0x5A { c |= 0x20 }
            let alnum = (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
            if alnum {
                if len < 32 {
                    withUnsafeMutableBytes(of: &token) { $0[len] = c }
                }
                len += 1
            } else {
                if len > 0 {
                    withUnsafeBytes(of: &token) { t in
                        let tb = UnsafeRawBufferPointer(rebasing: t[0..<min(len, 32)])
                        if itemTokens == 0 && m.isModifier(tb, fullLength: len) { itemModifier = true }
                        var r = m.match(tb, fullLength: len)
                        if heading && r.negative && m.isHeaderWord(tb, fullLength: len) { r.negative = false }
                        if m.isHiddenWord(tb, fullLength: len) { itemHidden = true }
                        itemNeg = itemNeg || r.negative
                        itemStrong = itemStrong || r.strong
                        itemPos = itemPos || r.positive
                        lastNeg = r.negative
                        lastPos = r.positive
                    }
                    itemTokens += 1
                    token = (0, 0, 0, 0)
                    len = 0
                }
                if c == 0 || c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { endItem() }
                if c == 0 { break }
            }
            p += 1
            count += 1
        }
        endItem()
        return (neg, strong, pos, weak)
    }
}
