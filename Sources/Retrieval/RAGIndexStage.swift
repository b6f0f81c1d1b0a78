import DomainForgeCore
import Tokenization

/// `rag_index`: adds every document that reaches it to a BM25 retrieval index (`RAGIndex`), and keeps it, so one
/// `pipeline run` writes CPT shards and a RAG index from the same clean text.
///
/// ```yaml
/// stages:
///   - {type: rag_index, chunk_by: words, chunk_size: 200, overlap: 40}   # index at <output>/rag/index.sqlite
///   - {type: tokenize, tokenizer: tokenizers/medical-sample-bpe.json}
///   - {type: shard}
/// ```
/// Options: `index_path` (relative to the config's folder; default `index.sqlite` in the stage's state folder),
/// `chunk_by` (`words` | `tokens` | `sentences`), `chunk_size`, `overlap`, and `tokenizer` (a tokenizer file, needed by
/// `chunk_by: tokens`). Counter: `chunks`.
///
/// It is an ordered stage: documents are chunked and written on the writer thread in input order, one SQLite
/// transaction per part, each document tagged with its part. Resume forgets the documents of unfinished parts, so a
/// killed and resumed run ends with the same index contents as an uninterrupted one. Put it after the cleaning and
/// dedup stages (it indexes what they keep) and before `tokenize`.
public final class RAGIndexStage: OrderedStage {
    public static let type = "rag_index"
    /// The config keys of the options.
    public enum OptionKey: String, CodingKey, CaseIterable {
        case indexPath = "index_path", chunkBy = "chunk_by", chunkSize = "chunk_size", overlap, tokenizer
    }
    public static let optionKeys = OptionKey.allCases.map(\.rawValue)
    /// The options that have a default, with it.
    public static let defaults: [String: JSONValue] = ["chunk_by": .string("words"), "chunk_size": .int(200), "overlap": .int(40)]

    /// The stage's schema: each option's type, range and meaning (defaults: ``defaults``).
    public static let schema = StageSchema("Adds every document it sees to a BM25 retrieval index (SQLite FTS5) and keeps the document, so one run writes shards and a RAG index from the same clean text. Ordered stage: put it after cleaning and dedup, before tokenize. Query it with pipeline rag query.", keys: OptionKey.self, [
        .string(.indexPath, minLength: 1, "The index file, relative to the config's folder. Default: <output>/rag/index.sqlite (<output>/rag/rank-NNNNN/index.sqlite with ranks)."),
        .choice(.chunkBy, ["words", "tokens", "sentences"], "What chunk_size and overlap count: words (ICU words for CJK and Thai), tokens of the tokenizer option, or whole sentences."),
        .integer(.chunkSize, min: 1, "Maximum units per chunk."),
        .integer(.overlap, min: 0, "Units repeated at the start of the next chunk; less than chunk_size."),
        .string(.tokenizer, minLength: 1, "Tokenizer file (tokenizer.json) counting tokens for chunk_by: tokens."),
    ])

    public let name: String
    public let index: RAGIndex
    /// Chunks each document on the worker threads; the writer thread only stores the chunks.
    public let preparer: Chunker
    var part = 0
    var resumed = false
    var inTransaction = false

    public init(name: String = RAGIndexStage.type, indexPath: String, chunker: Chunker) throws {
        self.name = name
        if let slash = indexPath.lastIndex(of: "/") { try makeDirectory(String(indexPath[..<slash])) }
        index = try RAGIndex(path: indexPath, settings: chunker.settings)
        self.preparer = chunker
    }

    /// Builds the stage from its config object. Throws `RetrievalError.invalidSettings` naming the bad option.
    public static func make(options: JSONValue, stateDirectory: String, baseDirectory: String) throws -> RAGIndexStage {
        var o = options.objectValue ?? [:]
        o.removeValue(forKey: "type")
        for key in o.keys.sorted() where !optionKeys.contains(key) {
            throw RetrievalError.invalidSettings("stage 'rag_index': unknown option '\(key)'; allowed options: \(optionKeys.joined(separator: ", "))")
        }
        for (key, value) in defaults where o[key] == nil { o[key] = value }
        let by = o["chunk_by"]?.stringValue ?? ""
        guard let unit = ChunkSettings.Unit(rawValue: by) else {
            throw RetrievalError.invalidSettings("stage 'rag_index': chunk_by '\(by)' is not one of words, tokens, sentences")
        }
        var settings = ChunkSettings(unit: unit, size: o["chunk_size"]?.intValue ?? 0, overlap: o["overlap"]?.intValue ?? 0)
        var counter: (@Sendable (String) -> Int)?
        if let t = o["tokenizer"]?.stringValue {
            let path = t.hasPrefix("/") || baseDirectory.isEmpty ? t : baseDirectory + "/" + t
            let tok = try BPETokenizer.load(path: path)
            settings.tokenizerFingerprint = tok.fingerprint
            counter = { tok.encode($0, addSpecialTokens: false).count }
        }
        try settings.validate()
        var indexPath = stateDirectory + "/index.sqlite"
        if let p = o["index_path"]?.stringValue { indexPath = p.hasPrefix("/") || baseDirectory.isEmpty ? p : baseDirectory + "/" + p }
        return try RAGIndexStage(indexPath: indexPath, chunker: Chunker(settings: settings, tokenCount: counter))
    }

    /// Stores the document's chunks in the index, tagged with the current part. A write error fails the part.
    public func decide(_ document: inout Document, prepared chunks: [Chunk], counters: inout StageCounters) throws -> StageVerdict {
        guard !chunks.isEmpty else { return .keep }
        if !inTransaction { try beginPart(part) }
        let meta = JSONValue.object(document.metadata).serialized()
        try index.add(id: document.id, source: document.source, metadata: meta, chunks: chunks,
                      bytes: document.text.utf8.count, part: part)
        counters.add("chunks", chunks.count)
        return .keep
    }

    public func resume(finishedParts: Set<Int>) throws {
        if inTransaction { index.rollback(); inTransaction = false }
        try index.begin()
        _ = try index.forgetParts(notIn: finishedParts)
        try index.commit()
        resumed = true
    }

    public func beginPart(_ p: Int) throws {
        if !resumed { try resume(finishedParts: []) }
        if inTransaction { try index.commit(); inTransaction = false }
        part = p
        try index.begin()
        inTransaction = true
    }

    public func endPart(_ p: Int) throws {
        if inTransaction { try index.commit(); inTransaction = false }
    }

    public func finish() throws {
        if inTransaction { try index.commit(); inTransaction = false }
    }
}

extension Chunker: OrderedPreparer {
    /// The chunks of a document (``chunks(of:)``), computed on a worker thread.
    public func prepare(_ document: Document) -> [Chunk] { chunks(of: document.text) }
}
