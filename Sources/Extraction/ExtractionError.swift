/// Why an input could not be turned into documents. The message tells the user what is wrong with the file.
public enum ExtractionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not HTML (e.g. binary data with NUL bytes).
    case notHTML(String)
    /// The XML is not well-formed; `line` is 1-based where known (0 when not).
    case malformedXML(line: Int, message: String)
    /// The XML tried something we refuse: entity expansion beyond the limit, DTD loading, external entities, depth.
    case refusedXML(String)
    /// An XPath expression from the config does not compile or evaluate.
    case invalidXPath(expression: String, message: String)

    public var description: String {
        switch self {
        case .notHTML(let m): return "not HTML: \(m)"
        case .malformedXML(let line, let m): return line > 0 ? "malformed XML at line \(line): \(m)" : "malformed XML: \(m)"
        case .refusedXML(let m): return "refused XML: \(m)"
        case .invalidXPath(let e, let m): return "invalid XPath '\(e)': \(m)"
        }
    }
}
