/// How documents are cut into chunks before indexing.
///
/// `unit` says what `size` and `overlap` count: words (ICU words for Chinese/Japanese/Thai text, whitespace-separated
/// words elsewhere), tokens of a tokenizer (summed per word, so chunks still end on word boundaries), or whole
/// sentences. Consecutive chunks share up to `overlap` units.
public struct ChunkSettings: Sendable, Equatable {
    /// What a chunk's size is counted in.
    public enum Unit: String, Sendable, CaseIterable {
        case words, tokens, sentences
    }

    public var unit: Unit
    /// Maximum units per chunk (a single unit larger than this becomes a chunk of its own).
    public var size: Int
    /// Units repeated at the start of the next chunk; less than `size`.
    public var overlap: Int
    /// The tokenizer's fingerprint, recorded with `unit == .tokens` so an index is not extended with other counts.
    public var tokenizerFingerprint: String?

    public init(unit: Unit = .words, size: Int = 200, overlap: Int = 40, tokenizerFingerprint: String? = nil) {
        self.unit = unit
        self.size = size
        self.overlap = overlap
        self.tokenizerFingerprint = tokenizerFingerprint
    }

    /// Throws when the numbers cannot chunk anything.
    public func validate() throws(RetrievalError) {
        guard size >= 1 else { throw .invalidSettings("chunk size must be at least 1 \(unit.rawValue) (got \(size))") }
        guard overlap >= 0, overlap < size else {
            throw .invalidSettings("overlap must be at least 0 and less than the chunk size \(size) (got \(overlap))")
        }
        if unit == .tokens && tokenizerFingerprint == nil {
            throw .invalidSettings("chunking by tokens needs a tokenizer (--tokenizer FILE, or the stage's tokenizer option)")
        }
    }

    /// The settings as stored in the index (`rag_meta.chunking`), compared when an index is extended.
    public var signature: String {
        var s = "chunk_by=\(unit.rawValue) size=\(size) overlap=\(overlap)"
        if let f = tokenizerFingerprint, unit == .tokens { s += " tokenizer=\(f)" }
        return s
    }
}
