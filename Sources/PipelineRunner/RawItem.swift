import DomainForgeCore

/// A unit of input read sequentially by the reader thread and decoded into documents by a worker.
public enum RawItem: Sendable {
    /// A JSONL line.
    case jsonLine(bytes: [UInt8], line: Int, offset: Int)
    /// One element of a top-level JSON array (element index, byte offset).
    case jsonElement(bytes: [UInt8], index: Int, offset: Int)
    /// Plain text: a whole file (`section` 0, `line` 1) or one blank-line separated section.
    case text(bytes: [UInt8], section: Int, line: Int)
    /// A whole HTML or XML file.
    case file(bytes: [UInt8])
    /// Something the reader could not read; becomes one rejected record.
    case error(InputError)

    /// Input bytes this item stands for (for batching).
    var byteCount: Int {
        switch self {
        case .jsonLine(let b, _, _), .jsonElement(let b, _, _), .text(let b, _, _), .file(let b): return b.count + 1
        case .error: return 64
        }
    }
}

/// A batch of raw items from one part, in input order, tagged with their file.
public struct RawBatch: Sendable {
    public var seq: Int
    public var items: [(file: Int, item: RawItem)]  // file = index into the part's files
    /// Bytes of input files completed with this batch (for progress), and files completed.
    public var finishedFileBytes: Int
}
