import CXML2
import DomainForgeCore

/// Which parts of an XML file become documents, chosen by XPath (from the pipeline config).
///
/// Example for MedQuAD, one document per question/answer pair:
/// ```swift
/// XMLSelector(documents: "//QAPair", text: ["Question", "Answer"],
///             id: "concat(ancestor::Document/@id, '-', @pid)",
///             metadata: ["focus": "ancestor::Document/Focus", "qtype": "Question/@qtype"])
/// ```
public struct XMLSelector: Sendable, Equatable {
    /// XPath selecting the document nodes, e.g. `//QAPair` or `/Document`.
    public var documents: String
    /// XPaths relative to each document node whose string values form the text, joined by `separator`.
    /// An expression selecting several nodes contributes each of them (in document order) as its own part;
    /// empty parts are skipped.
    public var text: [String]
    /// XPath relative to the document node giving its id (e.g. `@pid` or `ancestor::Document/@id`); nil: position-based.
    /// Position-based ids (also used when the expression yields an empty string) are `<file name>#<n>`, n counting from 1.
    public var id: String?
    /// Metadata key to XPath relative to the document node. Keys whose value is empty are left out.
    public var metadata: [String: String]
    /// Joins the text fields.
    public var separator: String
    /// Collapse spaces inside lines, trim lines and merge runs of blank lines (default true).
    public var normalizeWhitespace: Bool
    /// Largest text, in UTF-8 bytes, one record may collect; longer text is cut (bounds entity expansion too).
    public var maxTextBytes: Int
    public init(documents: String, text: [String], id: String? = nil, metadata: [String: String] = [:], separator: String = "\n\n",
                normalizeWhitespace: Bool = true, maxTextBytes: Int = 64 << 20) {
        self.documents = documents; self.text = text; self.id = id; self.metadata = metadata; self.separator = separator
        self.normalizeWhitespace = normalizeWhitespace; self.maxTextBytes = maxTextBytes
    }
}

/// One document found in an XML file.
public struct XMLRecord: Sendable, Equatable {
    public var id: String?
    public var text: String
    public var metadata: [String: String]
    /// 1-based line of the document node in the file (0 when unknown).
    public var line: Int
    public init(id: String?, text: String, metadata: [String: String], line: Int) {
        self.id = id; self.text = text; self.metadata = metadata; self.line = line
    }
}

/// Parses XML safely and applies an `XMLSelector`.
///
/// Safety: the parser never loads a DTD or an external entity and never touches the network
/// (`XML_PARSE_NONET`, no `NOENT`/`DTDLOAD`/`HUGE`); external entities are left unexpanded, internal ones are
/// bounded by libxml2's amplification check (a "billion laughs" file is refused) and by `maxTextBytes`;
/// nesting deeper than libxml2's limit (256) is refused. Tree walks are iterative.
///
/// Thread safety: the value holds only strings; every call parses with its own parser context, records errors
/// in that context only, and compiles its XPath expressions afresh, so one extractor can be used from several
/// threads at once.
public struct XMLRecordExtractor: Sendable {
    public let selector: XMLSelector

    /// Throws `.invalidXPath` when an expression does not compile.
    public init(selector: XMLSelector) throws(ExtractionError) {
        LibXML.ensureInitialized()
        self.selector = selector
        var all = [selector.documents] + selector.text
        if let id = selector.id { all.append(id) }
        all += selector.metadata.keys.sorted().map { selector.metadata[$0]! }
        for e in all {
            let c = try Self.compile(e)
            xmlXPathFreeCompExpr(c)
        }
        if selector.text.isEmpty {
            throw .invalidXPath(expression: "", message: "no text expression given: list at least one XPath whose value forms the text")
        }
    }

    static func compile(_ expr: String, in ctx: xmlXPathContextPtr? = nil) throws(ExtractionError) -> xmlXPathCompExprPtr {
        if expr.trimmingASCIIWhitespace().isEmpty { throw .invalidXPath(expression: expr, message: "the expression is empty") }
        let owned = ctx == nil
        guard let ctx = ctx ?? cxml_xpath_context(nil) else { throw .invalidXPath(expression: expr, message: "out of memory") }
        defer { if owned { xmlXPathFreeContext(ctx) } }
        guard let c = expr.withCString({ xmlXPathCtxtCompile(ctx, UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self)) }) else {
            var why = ctx.pointee.lastError.message.map { String(cString: $0).trimmingASCIIWhitespace() } ?? "it does not compile"
            if ctx.pointee.lastError.int1 > 0 { why += " at character \(ctx.pointee.lastError.int1)" }
            xmlResetError(&ctx.pointee.lastError)
            throw .invalidXPath(expression: expr, message: why + " (check brackets, quotes, function and axis names)")
        }
        return c
    }

    /// Parses `bytes` and returns one record per node matched by `selector.documents`, in document order.
    /// `fileName` names the file in ids and error messages.
    /// Throws `.malformedXML` (with the line) for XML that is not well-formed, `.refusedXML` for entity loops,
    /// entity amplification or excessive depth, `.invalidXPath` when an expression fails to evaluate.
    public func extract(_ bytes: UnsafeRawBufferPointer, fileName: String) throws(ExtractionError) -> [XMLRecord] {
        LibXML.ensureInitialized()
        if bytes.isEmpty { throw .malformedXML(line: 0, message: "\(fileName) is empty (0 bytes); expected an XML document") }
        guard bytes.count < Int(Int32.max) else { throw .refusedXML("\(fileName) is larger than 2 GiB") }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw .malformedXML(line: 0, message: "\(fileName) contains only whitespace; expected an XML document")
        }

        let options = LibXML.bits(XML_PARSE_NONET) | LibXML.bits(XML_PARSE_NOERROR) | LibXML.bits(XML_PARSE_NOWARNING)
            | LibXML.bits(XML_PARSE_COMPACT) | LibXML.bits(XML_PARSE_BIG_LINES)
        var errors = cxml_parse_errors()
        let doc: xmlDocPtr? = withUnsafeMutablePointer(to: &errors) { ep in
            fileName.withCString { name in
                cxml_read_xml(bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count), name, options, ep)
            }
        }
        guard let doc else {
            if errors.refused != 0 {
                let m = Self.cString(&errors.refusedMessage).trimmingASCIIWhitespace()
                throw .refusedXML("\(fileName): \(m) (entity expansion and nesting depth are limited; DTDs and external entities are never loaded)")
            }
            let m = errors.count > 0 ? Self.cString(&errors.message).trimmingASCIIWhitespace() : "the parser returned no document"
            throw .malformedXML(line: Int(errors.line), message: "\(fileName): \(m)")
        }
        defer { xmlFreeDoc(doc) }

        try Self.checkEntityExpansion(doc, inputBytes: bytes.count, fileName: fileName)

        guard let ctx = cxml_xpath_context(doc) else { throw .refusedXML("\(fileName): out of memory creating an XPath context") }
        defer { xmlXPathFreeContext(ctx) }

        // Compile per call: compiled expressions are not shared between threads.
        var compiled: [xmlXPathCompExprPtr] = []
        defer { for c in compiled { xmlXPathFreeCompExpr(c) } }
        let docExpr = try Self.compile(selector.documents, in: ctx); compiled.append(docExpr)
        var textExprs: [xmlXPathCompExprPtr] = []
        for t in selector.text { let c = try Self.compile(t, in: ctx); compiled.append(c); textExprs.append(c) }
        var idExpr: xmlXPathCompExprPtr? = nil
        if let id = selector.id { let c = try Self.compile(id, in: ctx); compiled.append(c); idExpr = c }
        let metaKeys = selector.metadata.keys.sorted()
        var metaExprs: [xmlXPathCompExprPtr] = []
        for k in metaKeys { let c = try Self.compile(selector.metadata[k]!, in: ctx); compiled.append(c); metaExprs.append(c) }

        ctx.pointee.node = xmlDocGetRootElement(doc).map { UnsafeMutablePointer(OpaquePointer($0)) } ?? UnsafeMutablePointer(OpaquePointer(doc))
        let docNodes = try evalNodes(docExpr, ctx: ctx, expression: selector.documents)
        var records: [XMLRecord] = []
        records.reserveCapacity(docNodes.count)
        let sepBytes = Array(selector.separator.utf8)
        for (i, node) in docNodes.enumerated() {
            var text = [UInt8]()
            var budget = selector.maxTextBytes
            for (k, e) in textExprs.enumerated() {
                let parts = try evalStrings(e, ctx: ctx, node: node, expression: selector.text[k], budget: &budget)
                for p in parts where !p.isEmpty {
                    if !text.isEmpty { text += sepBytes }
                    text += p
                }
            }
            var id: String? = nil
            if let idExpr, let v = try evalStrings(idExpr, ctx: ctx, node: node, expression: selector.id!, budget: &budget).first(where: { !$0.isEmpty }) {
                id = String(decoding: v, as: UTF8.self)
            }
            if id == nil { id = "\(fileName)#\(i + 1)" }
            var meta: [String: String] = [:]
            for (k, e) in metaExprs.enumerated() {
                let parts = try evalStrings(e, ctx: ctx, node: node, expression: selector.metadata[metaKeys[k]]!, budget: &budget)
                let v = parts.filter { !$0.isEmpty }.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
                if !v.isEmpty { meta[metaKeys[k]] = v }
            }
            let line = Int(xmlGetLineNo(node))
            records.append(XMLRecord(id: id, text: String(decoding: text, as: UTF8.self), metadata: meta, line: max(0, line)))
        }
        return records
    }

    /// Entity references stay unexpanded in the tree, but any string value (ours or an XPath string function)
    /// expands them: bound the whole document's expanded text before evaluating anything.
    static func checkEntityExpansion(_ doc: xmlDocPtr, inputBytes: Int, fileName: String) throws(ExtractionError) {
        guard let dtd = doc.pointee.intSubset, dtd.pointee.entities != nil else { return }
        let limit = max(1 << 20, 8 * inputBytes)
        var left = limit + 1
        var unused = [UInt8]()
        XMLText.append(UnsafeMutableRawPointer(doc).assumingMemoryBound(to: xmlNode.self), into: &unused, budget: &left, countOnly: true)
        if left <= 0 {
            throw .refusedXML("\(fileName): its entities expand to more than \(limit) bytes of text (entity amplification); refused")
        }
    }

    private static func evalError(_ ctx: xmlXPathContextPtr, _ expression: String) -> ExtractionError {
        let why = ctx.pointee.lastError.message.map { String(cString: $0).trimmingASCIIWhitespace() } ?? "evaluation failed"
        xmlResetError(&ctx.pointee.lastError)
        return .invalidXPath(expression: expression, message: why + " (unknown function, undefined variable or wrong argument types?)")
    }

    private static func cString<T>(_ tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            let b = raw.bindMemory(to: UInt8.self)
            let n = b.firstIndex(of: 0) ?? b.count
            return String(decoding: UnsafeBufferPointer(rebasing: b[0..<n]), as: UTF8.self)
        }
    }

    private func evalNodes(_ c: xmlXPathCompExprPtr, ctx: xmlXPathContextPtr, expression: String) throws(ExtractionError) -> [xmlNodePtr] {
        guard let obj = xmlXPathCompiledEval(c, ctx) else { throw Self.evalError(ctx, expression) }
        defer { xmlXPathFreeObject(obj) }
        guard obj.pointee.type == XPATH_NODESET else {
            throw .invalidXPath(expression: expression, message: "the documents expression must select nodes, not a string, number or boolean")
        }
        var out: [xmlNodePtr] = []
        if let ns = obj.pointee.nodesetval {
            let n = cxml_nodeset_length(ns)
            out.reserveCapacity(Int(n))
            for i in 0..<n { if let node = cxml_nodeset_item(ns, i) { out.append(node) } }
        }
        return out
    }

    /// Evaluates `c` relative to `node`; each selected node (or the scalar value) becomes one part.
    private func evalStrings(_ c: xmlXPathCompExprPtr, ctx: xmlXPathContextPtr, node: xmlNodePtr, expression: String,
                             budget: inout Int) throws(ExtractionError) -> [[UInt8]] {
        ctx.pointee.node = node
        ctx.pointee.contextSize = -1
        ctx.pointee.proximityPosition = -1
        guard let obj = xmlXPathCompiledEval(c, ctx) else { throw Self.evalError(ctx, expression) }
        defer { xmlXPathFreeObject(obj) }
        var parts: [[UInt8]] = []
        if obj.pointee.type == XPATH_NODESET {
            guard let ns = obj.pointee.nodesetval else { return [] }
            let n = cxml_nodeset_length(ns)
            for i in 0..<n {
                guard let item = cxml_nodeset_item(ns, i) else { continue }
                var b = [UInt8]()
                XMLText.append(item, into: &b, budget: &budget)
                parts.append(selector.normalizeWhitespace ? Whitespace.normalizeLines(b) : b)
            }
        } else {
            guard let s = xmlXPathCastToString(obj) else { return [] }
            defer { cxml_free(s) }
            var b = Array(UnsafeBufferPointer(start: s, count: strlen(UnsafeRawPointer(s).assumingMemoryBound(to: CChar.self))))
            if b.count > budget { b.removeLast(b.count - max(0, budget)) }
            budget -= b.count
            parts.append(selector.normalizeWhitespace ? Whitespace.normalizeLines(b) : b)
        }
        return parts
    }
}

/// Iterative text collection from a libxml2 subtree (never recursive, so any depth is safe).
enum XMLText {
    /// Appends the string value of `node` to `out`, spending at most `budget` bytes. Internal entity references
    /// are expanded from the content the parser already built (bounded by libxml2's amplification check and by
    /// `budget`); external entities are never expanded.
    /// With `countOnly`, nothing is appended: `budget` just counts down (used to measure entity expansion).
    static func append(_ node: xmlNodePtr, into out: inout [UInt8], budget: inout Int, countOnly: Bool = false) {
        @inline(__always) func put(_ p: UnsafePointer<xmlChar>?) {
            guard let p, budget > 0 else { return }
            let n = strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
            let k = min(n, budget)
            if !countOnly { out.append(contentsOf: UnsafeBufferPointer(start: p, count: k)) }
            budget -= k
        }
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE, XML_COMMENT_NODE, XML_PI_NODE:
            if node.pointee.type == XML_TEXT_NODE || node.pointee.type == XML_CDATA_SECTION_NODE { put(node.pointee.content) }
            return
        case XML_ELEMENT_NODE, XML_ATTRIBUTE_NODE, XML_DOCUMENT_NODE, XML_ENTITY_REF_NODE:
            break
        default:
            return
        }
        let top = node
        var entityReturns: [xmlNodePtr] = []
        var cur: xmlNodePtr?
        if node.pointee.type == XML_ENTITY_REF_NODE {
            guard let c = entityContent(node) else { return }
            entityReturns.append(node)
            cur = c
        } else {
            cur = node.pointee.children
        }
        while let n = cur, budget > 0 {
            var descend: xmlNodePtr? = nil
            switch n.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE: put(n.pointee.content)
            case XML_ELEMENT_NODE: descend = n.pointee.children
            case XML_ENTITY_REF_NODE:
                if entityReturns.count < 40, let c = entityContent(n) { entityReturns.append(n); descend = c }
            default: break
            }
            if let d = descend { cur = d; continue }
            // Advance to the next node in document order, climbing out of finished subtrees.
            var m = n
            cur = nil
            while true {
                if m == top { break }
                if let nx = m.pointee.next { cur = nx; break }
                guard let p = m.pointee.parent else { break }
                if p.pointee.type == XML_ENTITY_DECL {
                    guard let r = entityReturns.popLast() else { break }
                    m = r
                    continue
                }
                if p == top { break }
                m = p
            }
        }
    }

    /// The parsed content of an internal general entity referenced by `ref`, or nil.
    private static func entityContent(_ ref: xmlNodePtr) -> xmlNodePtr? {
        guard let e = ref.pointee.children, e.pointee.type == XML_ENTITY_DECL else { return nil }
        let ent = UnsafeMutableRawPointer(e).assumingMemoryBound(to: xmlEntity.self)
        guard ent.pointee.etype == XML_INTERNAL_GENERAL_ENTITY else { return nil }
        return ent.pointee.children
    }
}
