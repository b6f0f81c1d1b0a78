import CXML2

/// One-time libxml2 set-up, shared by the HTML and XML extractors.
enum LibXML {
    /// `xmlInitParser()` must run once before libxml2 is used from several threads.
    static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    @inline(__always) static func ensureInitialized() { _ = initialized }

    /// The node's name as a String (empty when absent).
    @inline(__always) static func name(_ n: xmlNodePtr) -> String {
        guard let p = n.pointee.name else { return "" }
        return String(cString: p)
    }

    /// Option bits as the `Int32` the parser functions take.
    @inline(__always) static func bits(_ o: xmlParserOption) -> Int32 { Int32(bitPattern: o.rawValue) }
    @inline(__always) static func bits(_ o: htmlParserOption) -> Int32 { Int32(bitPattern: o.rawValue) }
}

/// Whitespace normalisation on UTF-8 bytes, used for XML field text.
enum Whitespace {
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0C || c == 0x0B }

    /// Collapses runs of spaces/tabs inside lines, trims every line, turns runs of blank lines into one blank line,
    /// and trims the whole text.
    static func normalizeLines(_ b: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var pendingSpace = false
        var newlines = 0  // newlines seen since the last content byte
        for c in b {
            if c == 0x0A {
                newlines += 1
                pendingSpace = false
            } else if isSpace(c) {
                pendingSpace = true
            } else {
                if !out.isEmpty {
                    if newlines >= 2 { out.append(0x0A); out.append(0x0A) }
                    else if newlines == 1 { out.append(0x0A) }
                    else if pendingSpace { out.append(0x20) }
                }
                newlines = 0
                pendingSpace = false
                out.append(c)
            }
        }
        return out
    }
}
