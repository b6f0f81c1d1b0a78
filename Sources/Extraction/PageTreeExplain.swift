import CXML2
import DomainForgeCore

/// The score and verdict of one block of a page, to understand why text was kept or dropped.
public struct HTMLBlockVerdict: Sendable, Equatable {
    /// Source line of the element.
    public var line: Int
    /// The element as `tag#id.class1.class2`.
    public var element: String
    /// Visible characters in the element's subtree (before removal decisions).
    public var chars: Int
    /// Share of those characters inside links.
    public var linkDensity: Double
    /// Paragraph score accumulated by the element (0 when it is no candidate container).
    public var score: Double
    /// `content`, `outside`, `removed: hidden`, `removed: boilerplate tag`, `removed: class/id word`, ...
    public var verdict: String
}

extension PageTree {
    /// `tag#id.class` of element `i` (classes up to three), from the libxml2 node while the document lives.
    func describe(_ i: Int) -> String {
        guard i >= 0, i < dom.count, let n = dom[i], let name = n.pointee.name else { return "?" }
        var s = String(cString: UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self))
        func attr(_ a: String) -> String? {
            guard let v = xmlGetProp(n, a) else { return nil }
            defer { cxml_free(v) }
            return String(cString: UnsafeRawPointer(v).assumingMemoryBound(to: CChar.self))
        }
        if let id = attr("id"), !id.isEmpty { s += "#" + id }
        if let c = attr("class") { for w in c.split(separator: " ").prefix(3) { s += "." + w } }
        if let r = attr("role") { s += "[role=\(r)]" }
        return s
    }

    /// Why element `i`, the top of a removed subtree, was removed.
    func removalReason(_ i: Int) -> String {
        let f = nodes[i].flags
        if f & Self.fHidden != 0 { return "removed: hidden" }
        if f & Self.fStrongNegative != 0 { return "removed: strong class/id word" }
        if f & Self.fBoilerTag != 0 { return "removed: boilerplate tag" }
        return "removed: class/id word"
    }

    /// Every block with visible text (and every removed subtree's top) with its score and verdict, in page order.
    func blockVerdicts(roots: [Int]) -> [HTMLBlockVerdict] {
        var out: [HTMLBlockVerdict] = []
        var i = 0
        while i < nodes.count {
            let n = nodes[i]
            if n.isText || n.rawChars == 0 { i += 1; continue }
            let removedTop = n.flags & Self.fRemoved != 0
            if removedTop || n.block == Int32(i) || n.flags & Self.fCandidate != 0 {
                let inside = roots.contains { i >= $0 && i < Int(nodes[$0].end) }
                let verdict = removedTop ? removalReason(i) : (inside ? "content" : "outside")
                out.append(HTMLBlockVerdict(line: Int(n.line), element: describe(i), chars: Int(n.rawChars),
                                            linkDensity: Double(n.rawLinkChars) / Double(max(1, n.rawChars)),
                                            score: Double(finalScore(i)), verdict: verdict))
            }
            i = removedTop ? Int(n.end) : i + 1
        }
        return out
    }
}

extension HTMLExtraction {
    /// `{"container", "score", "rule"}` for a document's `metadata.extraction`; nil when no container was chosen.
    public var extractionMetadata: JSONValue? {
        guard let container, let rule else { return nil }
        return .object(["container": .string(container), "score": .double(containerScore ?? 0), "rule": .string(rule)])
    }
}

extension HTMLBlockVerdict {
    /// One `extract --debug` line: the document id, then this block's fields.
    public func jsonLine(id: String) -> [UInt8] {
        var out = [UInt8]()
        JSONWriter.write(.object(["id": .string(id), "line": .int(Int64(line)), "element": .string(element),
                                  "chars": .int(Int64(chars)), "link_density": .double((linkDensity * 1000).rounded() / 1000),
                                  "score": .double((score * 100).rounded() / 100), "verdict": .string(verdict)]), into: &out)
        out.append(0x0A)
        return out
    }
}
