/// Accumulates text with pending separators: 1 space, 2 cell separator, 3 newline, 4 blank line.
struct TextWriter {
    var out: [UInt8] = []
    var pending = 0
    var rowHasCell = false
    /// Output offset where the latest heading began, and whether text followed that heading's end.
    var headingStart = -1
    var contentAfterHeading = false
    private var inHeading = 0

    mutating func space() { if pending < 1 { pending = 1 } }
    mutating func block(_ level: Int) { if pending < level { pending = level } }

    mutating func flush() {
        if out.isEmpty { pending = 0; return }
        switch pending {
        case 1: out.append(0x20)
        case 2: out.append(contentsOf: [0x20, 0x7C, 0x20])
        case 3: trimTrailingWhitespace(); out.append(0x0A)
        case 4: trimTrailingWhitespace(); out.append(0x0A); out.append(0x0A)
        default: break
        }
        pending = 0
    }

    /// Drops spaces and newlines at the end (a `<pre>` block's final newline included) before a line break.
    mutating func trimTrailingWhitespace() { while let l = out.last, l == 0x20 || l == 0x09 || l == 0x0A || l == 0x0D { out.removeLast() } }

    mutating func text(_ b: UnsafeBufferPointer<UInt8>, pre: Bool) {
        if pre {
            var start = 0
            // drop one leading newline right after <pre>
            if pending >= 3 && b.first == 0x0A { start = 1 }
            if start < b.count {
                flush()
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[start...]))
                if inHeading == 0 { contentAfterHeading = true }
            }
            return
        }
        var k = 0
        let n = b.count
        while k < n {
            let c = b[k]
            if c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D || c == 0x0C {
                if pending < 1 { pending = 1 }
            } else if c == 0xC2 && k + 1 < n && b[k + 1] == 0xA0 {  // no-break space
                if pending < 1 { pending = 1 }
                k += 1
            } else if c == 0xC2 && k + 1 < n && b[k + 1] == 0xAD {  // soft hyphen: invisible, dropped
                k += 1
            } else if (c == 0xE2 && k + 2 < n && b[k + 1] == 0x80 && b[k + 2] == 0x8B)
                        || (c == 0xEF && k + 2 < n && b[k + 1] == 0xBB && b[k + 2] == 0xBF) {  // zero-width space, BOM (joiners are kept: scripts and emoji need them)
                k += 2
            } else {
                if pending > 0 { flush() }
                out.append(c)
                if inHeading == 0 { contentAfterHeading = true }
            }
            k += 1
        }
    }

    mutating func enter(_ t: Tag, tight: Bool) {
        if t.isHeading { inHeading += 1; contentAfterHeading = false }
        switch t {
        case .br: block(pending >= 3 && !out.isEmpty ? 4 : 3)  // <br><br> separates paragraphs
        case .li, .tr, .dt, .dd: block(3); rowHasCell = false
        case .td, .th:
            if rowHasCell { block(2) }
            rowHasCell = true
        case .img, .a, .span, .font, .code, .label, .other: break
        default: if t.isBlock { block(tight ? 3 : 4) }
        }
    }

    mutating func exit(_ t: Tag, tight: Bool) {
        if t.isHeading { inHeading -= 1 }
        switch t {
        case .li, .tr, .dt, .dd: block(3)
        case .td, .th, .br: break
        case .table, .ul, .ol, .dl: block(tight ? 3 : 4); rowHasCell = false
        case .img, .a, .span, .font, .code, .label, .other: break
        default: if t.isBlock { block(tight ? 3 : 4) }
        }
    }

    mutating func finish() -> [UInt8] {
        while let l = out.last, l == 0x20 || l == 0x0A || l == 0x09 || l == 0x0D { out.removeLast() }
        return out
    }
}


