/// The vocabulary in the forms other file formats need (GGUF's `tokenizer.ggml.*` arrays, a tokenizer_config.json).
extension BPETokenizer {
    /// Whether a word found whole in the vocabulary is emitted as one token (Llama-3's `ignore_merges`).
    public var ignoresMerges: Bool { model.ignoreMerges }

    /// Whether the merges rank pairs by their index (false for tiktoken-style files such as Mistral's tekken, whose
    /// pairs rank by the token they make: a merge list alone does not describe them).
    public var ranksMergesByIndex: Bool { model.pairRanks == nil }

    /// The merges in rank order, each as the two byte-level strings it joins (`"Ġ"`, `"t"`).
    public var mergePairs: [(String, String)] {
        model.mergeList.map { (tokenStrings[Int($0.0)], tokenStrings[Int($0.1)]) }
    }

    /// The kind of an id: an added special token, an added ordinary token, a model token, or none (an unused id
    /// below ``vocabSize``).
    public enum TokenKind: Sendable, Equatable {
        case special, added, normal, unused
    }

    /// The kind of `id` (see ``TokenKind``).
    public func tokenKind(_ id: UInt32) -> TokenKind {
        if let k = addedById[id] { return addedTokens[k].special ? .special : .added }
        if Int(id) < tokenStrings.count, !tokenStrings[Int(id)].isEmpty { return .normal }
        return .unused
    }
}
