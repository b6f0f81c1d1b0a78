import Retrieval
import SFT

/// RAG-augmented evaluation: the best chunks of a retrieval index for a question, prepended to it as
/// `Context:\n<chunks>\n\nQuestion: <question>`. The context is cut to `maxCharacters`; the scorers then cut the
/// window to the model's length from the left, keeping the answer.
public final class RetrievalContext {
    public let index: RAGIndex
    /// Chunks prepended (at most).
    public let k: Int
    /// Longest context in characters.
    public let maxCharacters: Int

    /// Opens the index (read-only); a corrupt or empty index throws `RetrievalError` when searched or opened.
    public init(indexPath: String, k: Int, maxCharacters: Int = 2000) throws {
        guard k >= 1 else { throw EvaluationError.config("retrieval needs k >= 1") }
        index = try RAGIndex(openExisting: indexPath)
        self.k = k; self.maxCharacters = maxCharacters
    }

    /// `question` with the retrieved chunks in front (unchanged when nothing matches).
    public func augment(_ question: String) throws -> String {
        let hits = try index.search(question, k: k).hits
        guard !hits.isEmpty else { return question }
        var context = hits.map(\.text).joined(separator: "\n\n")
        if context.count > maxCharacters { context = String(context.prefix(maxCharacters)) }
        return "Context:\n\(context)\n\nQuestion: \(question)"
    }

    /// `record` with its last user turn augmented.
    public func augment(_ record: SFTRecord) throws -> SFTRecord {
        guard let i = record.messages.lastIndex(where: { $0.role == "user" }) else { return record }
        var r = record
        r.messages[i].content = try augment(r.messages[i].content)
        return r
    }
}
