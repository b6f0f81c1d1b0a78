import DomainForgeCore

/// Which parts of an XML file become documents, chosen by XPath (from the pipeline config).
public struct XMLSelector: Sendable, Equatable {
    /// XPath selecting the document nodes, e.g. `//QAPair` or `/Document`.
    public var documents: String
    /// XPaths relative to each document node whose string values form the text, joined by `separator`.
    public var text: [String]
    /// XPath relative to the document node giving its id (e.g. `@pid` or `ancestor::Document/@id`); nil: position-based.
    public var id: String?
    /// Metadata key to XPath relative to the document node.
    public var metadata: [String: String]
    /// Joins the text fields.
    public var separator: String
    public init(documents: String, text: [String], id: String? = nil, metadata: [String: String] = [:], separator: String = "\n\n") {
        self.documents = documents; self.text = text; self.id = id; self.metadata = metadata; self.separator = separator
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

/// Parses XML safely (no DTD loading, no external entities, no network, bounded expansion and depth)
/// and applies an `XMLSelector` (stub: to be implemented).
public struct XMLRecordExtractor: Sendable {
    public let selector: XMLSelector
    /// Throws `.invalidXPath` when an expression does not compile.
    public init(selector: XMLSelector) throws(ExtractionError) { self.selector = selector }
    public func extract(_ bytes: UnsafeRawBufferPointer, fileName: String) throws(ExtractionError) -> [XMLRecord] { [] }
}
