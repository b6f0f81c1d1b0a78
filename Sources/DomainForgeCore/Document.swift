/// One document flowing through a pipeline: the unit that is counted, kept, dropped or rejected.
///
/// The JSONL output shape is the datatrove/dolma one: `{"id", "text", "metadata"}`; `source` is written
/// into `metadata.source` unless the metadata already has one.
public struct Document: Sendable, Equatable {
    /// Stable identifier, unique within a run (readers derive it from file name and position unless the input has one).
    public var id: String
    /// The document text (valid Unicode; readers replace invalid bytes).
    public var text: String
    /// The input the document came from, relative to the configured input root where possible.
    public var source: String
    /// Free-form metadata carried to the output. Keys are written sorted, so output is deterministic.
    public var metadata: [String: JSONValue]
    /// Token ids set by a `tokenize` stage (not written to JSONL; the shard writer stores them).
    public var tokens: [UInt32]?

    public init(id: String, text: String, source: String, metadata: [String: JSONValue] = [:], tokens: [UInt32]? = nil) {
        self.id = id
        self.text = text
        self.source = source
        self.metadata = metadata
        self.tokens = tokens
    }
}
