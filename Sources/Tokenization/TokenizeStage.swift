import DomainForgeCore

/// The `tokenize` pipeline stage: encodes each document with a ``BPETokenizer`` and records the ids in the
/// document's `tokens` (for the shard writer) and their count in metadata (`num_tokens`). Never drops documents.
/// Counters: `tokens` (total ids written) and `tokenized_docs`.
///
/// Special tokens written in document text are encoded as plain text by default (`splitSpecialTokens: true`), so
/// a document containing the literal string `<|endoftext|>` cannot inject a control token; `appendId` (for example
/// the id of `<|endoftext|>`) is appended after each document as the separator for packing.
public struct TokenizeStage: DocumentStage {
    public let name: String
    public let tokenizer: BPETokenizer
    public let appendId: UInt32?
    public let storeIds: Bool
    public let splitSpecialTokens: Bool
    public let addSpecialTokens: Bool

    /// - Parameters:
    ///   - storeIds: keep the ids in `document.tokens` (false: only `num_tokens`, for counting).
    ///   - appendId: id appended to each document (e.g. `tokenizer.specialTokenId("<|endoftext|>")`).
    public init(tokenizer: BPETokenizer, name: String = "tokenize", appendId: UInt32? = nil, storeIds: Bool = true,
                splitSpecialTokens: Bool = true, addSpecialTokens: Bool = true) {
        self.name = name; self.tokenizer = tokenizer; self.appendId = appendId; self.storeIds = storeIds
        self.splitSpecialTokens = splitSpecialTokens; self.addSpecialTokens = addSpecialTokens
    }

    public func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        var ids = tokenizer.encode(document.text, addSpecialTokens: addSpecialTokens, splitSpecialTokens: splitSpecialTokens)
        if let appendId { ids.append(appendId) }
        document.metadata["num_tokens"] = .int(Int64(ids.count))
        if storeIds { document.tokens = ids }
        counters.add("tokens", ids.count)
        counters.add("tokenized_docs")
        return .keep
    }
}
