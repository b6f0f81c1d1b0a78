import CSQLite
import DomainForgeCore

/// One retrieved chunk.
public struct SearchHit: Sendable, Equatable {
    /// 1-based rank.
    public var rank: Int
    public var chunkID: Int64
    public var document: String
    public var ordinal: Int
    public var source: String
    /// The document's metadata as stored (a JSON object).
    public var metadata: String
    public var text: String
    /// BM25 score, higher is better (FTS5's `bm25()` negated: k1 = 1.2, b = 0.75).
    public var score: Double
}

/// The answer to a question: the hits and which words were searched.
public struct SearchResult: Sendable, Equatable {
    public var hits: [SearchHit]
    /// The question's distinct words that were searched.
    public var terms: [String]
    /// Words of the question left out because it had more than `maxTerms` distinct words.
    public var droppedTerms: Int
}

extension RAGIndex {
    /// Default limit on the distinct words of a question (the rest are dropped and reported).
    public static let defaultMaxTerms = 64

    /// The `k` best chunks for `question` by BM25, ties broken by chunk order. Throws `emptyIndex` on an index
    /// without chunks; a question without words gives no hits.
    public func search(_ question: String, k: Int, maxTerms: Int = RAGIndex.defaultMaxTerms) throws(RetrievalError) -> SearchResult {
        guard try db.scalarInt("SELECT EXISTS(SELECT 1 FROM rag_chunks)") == 1 else { throw .emptyIndex(path: path) }
        var terms = IndexText.terms(question)
        let dropped = max(0, terms.count - maxTerms)
        if dropped > 0 { terms = Array(terms.prefix(maxTerms)) }
        guard !terms.isEmpty, k > 0 else { return SearchResult(hits: [], terms: terms, droppedTerms: dropped) }
        let st = try db.statement("""
            SELECT c.id, c.doc, c.ord, c.text, d.source, d.metadata, bm25(rag_fts) AS s
            FROM rag_fts JOIN rag_chunks c ON c.id = rag_fts.rowid JOIN rag_docs d ON d.doc = c.doc
            WHERE rag_fts MATCH ? ORDER BY s, c.id LIMIT ?
            """)
        db.bind(st, 1, IndexText.matchExpression(terms))
        db.bind(st, 2, Int64(k))
        defer { sqlite3_reset(st) }
        var hits = [SearchHit]()
        while try db.step(st) {
            hits.append(SearchHit(rank: hits.count + 1, chunkID: sqlite3_column_int64(st, 0), document: db.text(st, 1),
                                  ordinal: Int(sqlite3_column_int64(st, 2)), source: db.text(st, 4), metadata: db.text(st, 5),
                                  text: db.text(st, 3), score: -sqlite3_column_double(st, 6)))
        }
        return SearchResult(hits: hits, terms: terms, droppedTerms: dropped)
    }

    /// Every chunk as `(chunk id, document, ordinal, text)` in id order: the contents a resumed build must reproduce.
    public func dump() throws(RetrievalError) -> [String] {
        let st = try db.statement("SELECT c.id, c.doc, c.ord, c.start, c.end, c.text, d.source, d.metadata, d.part FROM rag_chunks c JOIN rag_docs d ON d.doc = c.doc ORDER BY c.id")
        defer { sqlite3_reset(st) }
        var out = [String]()
        while try db.step(st) {
            out.append((0..<9).map { db.text(st, Int32($0)) }.joined(separator: "\t"))
        }
        return out
    }

    /// How many chunks hold `term` (FTS5 row count of a one-term query).
    public func documentFrequency(_ term: String) throws(RetrievalError) -> Int {
        let st = try db.statement("SELECT count(*) FROM rag_fts WHERE rag_fts MATCH ?")
        db.bind(st, 1, IndexText.matchExpression([term]))
        defer { sqlite3_reset(st) }
        return try db.step(st) ? Int(sqlite3_column_int64(st, 0)) : 0
    }
}
