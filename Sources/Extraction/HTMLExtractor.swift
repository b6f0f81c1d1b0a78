import DomainForgeCore

/// Main-content extraction from raw HTML (stub: to be implemented).
public struct HTMLExtractor: Sendable {
    public struct Options: Sendable {
        public var includeTables: Bool = true
        public var includeTitle: Bool = true
        public init() {}
    }
    public let options: Options
    public init(options: Options = .init()) { self.options = options }

    /// Extracts the main content of one HTML page. Throws `ExtractionError.notHTML` for binary garbage.
    public func extract(_ bytes: UnsafeRawBufferPointer, declaredCharset: String? = nil) throws(ExtractionError) -> HTMLExtraction {
        HTMLExtraction(title: nil, text: String(decoding: bytes, as: UTF8.self), charset: "utf-8")
    }
}

/// The result of extracting one page.
public struct HTMLExtraction: Sendable, Equatable {
    /// The page title (`<title>`, else first `<h1>`), if any.
    public var title: String?
    /// Main content as plain text: blocks separated by blank lines, list items on their own lines.
    public var text: String
    /// The charset the bytes were decoded with (lower case, e.g. `utf-8`, `windows-1252`).
    public var charset: String
    public init(title: String?, text: String, charset: String) { self.title = title; self.text = text; self.charset = charset }
}
