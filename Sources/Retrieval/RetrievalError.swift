/// What can go wrong with a retrieval index; each case says what to do about it.
public enum RetrievalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a SQLite database, or SQLite or FTS5 found damage in it.
    case corruptIndex(path: String, detail: String)
    /// The file is a SQLite database but not a retrieval index (no `rag_meta` table).
    case notAnIndex(path: String)
    /// The index was built with other chunking or tokenization settings than the ones asked for.
    case settingsMismatch(path: String, stored: String, requested: String)
    /// `--delete ID` named a document the index does not have.
    case unknownDocument(id: String, path: String)
    /// A query against an index with no chunks.
    case emptyIndex(path: String)
    /// A SQLite call failed.
    case sqlite(path: String, message: String)
    /// Bad chunking settings.
    case invalidSettings(String)
    /// An input file could not be read or parsed as a whole (single records are rejected, not thrown).
    case input(file: String, message: String)

    public var description: String {
        switch self {
        case .corruptIndex(let p, let d):
            return "\(p) is not a readable retrieval index (\(d)); delete it and build it again with pipeline rag index"
        case .notAnIndex(let p):
            return "\(p) is a SQLite file but not a retrieval index; point at a file written by pipeline rag index, or use -o with a new name"
        case .settingsMismatch(let p, let s, let r):
            return "\(p) was built with \(s); these settings are \(r): use the same settings, or write a new index"
        case .unknownDocument(let id, let p):
            return "document '\(id)' is not in \(p); nothing was deleted (list ids with pipeline rag query --json, or check the spelling)"
        case .emptyIndex(let p):
            return "\(p) holds no chunks: add documents with pipeline rag index DOCS... -o \(p)"
        case .sqlite(let p, let m):
            return "sqlite error on \(p): \(m)"
        case .invalidSettings(let m):
            return m
        case .input(let f, let m):
            return "\(f): \(m)"
        }
    }
}
