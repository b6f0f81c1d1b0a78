import DomainForgeCore

/// The 128-bit key of a document's normalized text (`exact_dedup`); `h1` carries the language partition.
public struct ExactKey: Sendable, Equatable {
    public var h1: UInt64
    public var h2: UInt64
}

/// The algorithm half of `exact_dedup`, run on worker threads: normalizes the text (converted by `chinese` first)
/// and hashes it with MurmurHash3 x64-128.
public struct ExactKeyer: OrderedPreparer {
    let options: ExactDedupStage.Options
    /// Converts the text the key is computed from (`chinese`); nil for `none`.
    let keyConverter: ChineseConverter?

    /// The key, or nil when the normalized text is empty (such a document is kept without being indexed).
    public func prepare(_ document: Document) -> ExactKey? {
        let bytes = TextKit.normalizeForExact(keyConverter?.convert(document.text) ?? document.text, lowercase: options.lowercase,
                                              removePunctuation: options.removePunctuation,
                                              removeDigits: options.removeDigits,
                                              collapseWhitespace: options.collapseWhitespace)
        if bytes.isEmpty { return nil }
        let (a, b) = bytes.withUnsafeBytes { TextKit.hash128($0) }
        return ExactKey(h1: options.partitionByLanguage ? a ^ LanguagePartition.key(document) : a, h2: b)
    }
}
