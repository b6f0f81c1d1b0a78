/// One tokenized document (or SFT record) as stored in a shard.
public struct ShardSample: Sendable, Equatable {
    /// The document id.
    public var id: String
    /// The source name (input name or mix source), counted per source in the manifest.
    public var source: String
    /// Token ids, EOS included when the writer added it.
    public var tokens: [UInt32]
    /// One byte per token (1 = counts in the loss), for SFT; nil for CPT data.
    public var lossMask: [UInt8]?

    public init(id: String, source: String, tokens: [UInt32], lossMask: [UInt8]? = nil) {
        self.id = id; self.source = source; self.tokens = tokens; self.lossMask = lossMask
    }
}

/// The element type of the `tokens` column.
public enum TokenDType: String, Sendable, Codable {
    case uint16, uint32

    /// uint16 when every id fits (vocab size at most 65,536), else uint32.
    public static func forVocab(_ vocabSize: Int) -> TokenDType { vocabSize <= 65_536 ? .uint16 : .uint32 }
    public var byteWidth: Int { self == .uint16 ? 2 : 4 }
}

/// Errors reading or checking shards. Each names the file at fault.
public struct ShardError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var message: String
    public init(file: String, message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}
