import CSQLite
import DomainForgeCore

/// A BM25 retrieval index in one SQLite file (FTS5).
///
/// Tables: `rag_meta` (format, chunking settings, FTS tokenizer), `rag_docs` (one row per document: id, source,
/// metadata JSON, the pipeline part it came from), `rag_chunks` (the chunk text with document id, ordinal and byte
/// offsets; `body` holds the segmented text when it differs from the text), `rag_fts` (an FTS5 index over the
/// chunks' bodies, external content, `unicode61`, see `IndexText`) and `rag_progress` (files of a build, for resume).
///
/// Writes happen in transactions the caller brackets with `begin()`/`commit()`; a build killed between two commits
/// leaves the index as of the last commit.
public final class RAGIndex {
    public let path: String
    let db: RetrievalDatabase
    public let settings: ChunkSettings
    /// Stored format version.
    public static let format = "1"

    /// Opens an existing index (its stored settings) for reading or writing.
    public init(openExisting path: String, readOnly: Bool = true) throws(RetrievalError) {
        self.path = path
        db = try RetrievalDatabase(path: path, create: false, readOnly: readOnly)
        guard try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'rag_meta'") == 1 else { throw .notAnIndex(path: path) }
        let sig = try Self.meta(db, "chunking") ?? ""
        settings = Self.parse(signature: sig) ?? ChunkSettings()
    }

    /// Opens `path` for writing with `settings`, creating it; an existing index must have the same settings.
    public init(path: String, settings: ChunkSettings) throws(RetrievalError) {
        try settings.validate()
        self.path = path
        self.settings = settings
        db = try RetrievalDatabase(path: path, create: true)
        let tables = try db.scalarInt("SELECT count(*) FROM sqlite_master")
        let hasMeta = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'rag_meta'")
        if tables > 0 && hasMeta == 0 {
            throw .notAnIndex(path: path)
        }
        try db.exec("PRAGMA journal_mode=DELETE")
        try db.exec("""
            BEGIN;
            CREATE TABLE IF NOT EXISTS rag_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS rag_docs(doc TEXT PRIMARY KEY, source TEXT NOT NULL, metadata TEXT NOT NULL,
                part INTEGER NOT NULL, chunks INTEGER NOT NULL, bytes INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS rag_chunks(id INTEGER PRIMARY KEY, doc TEXT NOT NULL, ord INTEGER NOT NULL,
                start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL, body TEXT);
            CREATE INDEX IF NOT EXISTS rag_chunks_doc ON rag_chunks(doc, ord);
            CREATE VIEW IF NOT EXISTS rag_bodies AS SELECT id, coalesce(body, text) AS body FROM rag_chunks;
            CREATE VIRTUAL TABLE IF NOT EXISTS rag_fts USING fts5(body, content='rag_bodies', content_rowid='id',
                tokenize='\(IndexText.ftsTokenizer)');
            CREATE TABLE IF NOT EXISTS rag_progress(file TEXT PRIMARY KEY, records INTEGER NOT NULL, complete INTEGER NOT NULL);
            COMMIT;
            """)
        if let stored = try Self.meta(db, "chunking"), stored != settings.signature {
            throw .settingsMismatch(path: path, stored: stored, requested: settings.signature)
        }
        if let f = try Self.meta(db, "format"), f != Self.format {
            throw .settingsMismatch(path: path, stored: "format \(f)", requested: "format \(Self.format)")
        }
        try setMeta("format", Self.format)
        try setMeta("chunking", settings.signature)
        try setMeta("fts_tokenizer", IndexText.ftsTokenizer)
    }

    static func meta(_ db: RetrievalDatabase, _ key: String) throws(RetrievalError) -> String? {
        let st = try db.statement("SELECT value FROM rag_meta WHERE key = ?")
        db.bind(st, 1, key)
        defer { sqlite3_reset(st) }
        return try db.step(st) ? db.text(st, 0) : nil
    }

    func setMeta(_ key: String, _ value: String) throws(RetrievalError) {
        let st = try db.statement("INSERT OR REPLACE INTO rag_meta(key, value) VALUES(?, ?)")
        db.bind(st, 1, key); db.bind(st, 2, value)
        try db.run(st)
    }

    static func parse(signature: String) -> ChunkSettings? {
        var f = [String: String]()
        for p in signature.split(separator: " ") {
            let kv = p.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { f[String(kv[0])] = String(kv[1]) }
        }
        guard let u = f["chunk_by"].flatMap(ChunkSettings.Unit.init(rawValue:)), let s = f["size"].flatMap(Int.init),
              let o = f["overlap"].flatMap(Int.init) else { return nil }
        return ChunkSettings(unit: u, size: s, overlap: o, tokenizerFingerprint: f["tokenizer"])
    }

    public func begin() throws(RetrievalError) { try db.exec("BEGIN IMMEDIATE") }
    public func commit() throws(RetrievalError) { try db.exec("COMMIT") }
    public func rollback() { try? db.exec("ROLLBACK") }

    /// Adds a document's chunks (replacing a document of the same id). Returns the number of chunks and whether
    /// an earlier document was replaced.
    @discardableResult
    public func add(id: String, source: String, metadata: String, chunks: [Chunk], bytes: Int, part: Int = 0)
        throws(RetrievalError) -> (chunks: Int, replaced: Bool) {
        let replaced = try removeDocument(id)
        let d = try db.statement("INSERT INTO rag_docs(doc, source, metadata, part, chunks, bytes) VALUES(?,?,?,?,?,?)")
        db.bind(d, 1, id); db.bind(d, 2, source); db.bind(d, 3, metadata); db.bind(d, 4, Int64(part))
        db.bind(d, 5, Int64(chunks.count)); db.bind(d, 6, Int64(bytes))
        try db.run(d)
        let c = try db.statement("INSERT INTO rag_chunks(doc, ord, start, end, text, body) VALUES(?,?,?,?,?,?)")
        let f = try db.statement("INSERT INTO rag_fts(rowid, body) VALUES(?, ?)")
        for ch in chunks {
            let body = IndexText.body(ch.text)
            db.bind(c, 1, id); db.bind(c, 2, Int64(ch.ordinal)); db.bind(c, 3, Int64(ch.start)); db.bind(c, 4, Int64(ch.end))
            db.bind(c, 5, ch.text)
            if body != ch.text { db.bind(c, 6, body) } else { sqlite3_bind_null(c, 6) }
            try db.run(c)
            let row = db.lastRowID
            sqlite3_reset(f); sqlite3_clear_bindings(f)
            db.bind(f, 1, row); db.bind(f, 2, body)
            try db.run(f)
        }
        return (chunks.count, replaced)
    }

    /// Deletes documents by id, all or none: an unknown id throws `unknownDocument` and the caller rolls back.
    public func delete(ids: [String]) throws(RetrievalError) {
        for id in ids where !(try removeDocument(id)) { throw .unknownDocument(id: id, path: path) }
    }

    /// Removes a document and its chunks from the tables and the FTS index; false when it is not there.
    func removeDocument(_ id: String) throws(RetrievalError) -> Bool {
        let sel = try db.statement("SELECT id, coalesce(body, text) FROM rag_chunks WHERE doc = ?")
        db.bind(sel, 1, id)
        var rows = [(Int64, String)]()
        while try db.step(sel) { rows.append((sqlite3_column_int64(sel, 0), db.text(sel, 1))) }
        sqlite3_reset(sel)
        let f = try db.statement("INSERT INTO rag_fts(rag_fts, rowid, body) VALUES('delete', ?, ?)")
        for (row, body) in rows {
            sqlite3_reset(f); sqlite3_clear_bindings(f)
            db.bind(f, 1, row); db.bind(f, 2, body)
            try db.run(f)
        }
        let dc = try db.statement("DELETE FROM rag_chunks WHERE doc = ?")
        db.bind(dc, 1, id)
        try db.run(dc)
        let dd = try db.statement("DELETE FROM rag_docs WHERE doc = ?")
        db.bind(dd, 1, id)
        try db.run(dd)
        return db.changes > 0
    }

    /// Removes the documents of pipeline parts not in `finished` (the stage's resume); documents added by `rag index`
    /// (part -1) stay. Returns how many were removed.
    public func forgetParts(notIn finished: Set<Int>) throws(RetrievalError) -> Int {
        let keep = finished.sorted().map(String.init).joined(separator: ",")
        let ids = try db.strings("SELECT doc FROM rag_docs WHERE part >= 0" + (keep.isEmpty ? "" : " AND part NOT IN (\(keep))") + " ORDER BY rowid")
        for id in ids { _ = try removeDocument(id) }
        return ids.count
    }

    /// SQLite's `PRAGMA integrity_check`, then FTS5's own check of the index against the chunks (FTS5 runs it as a
    /// write command: open with `readOnly: false`).
    public func check() throws(RetrievalError) {
        let problems = try db.strings("PRAGMA integrity_check")
        if problems != ["ok"] {
            throw .corruptIndex(path: path, detail: "integrity_check: " + problems.prefix(3).joined(separator: "; "))
        }
        do { try db.exec("INSERT INTO rag_fts(rag_fts) VALUES('integrity-check')") } catch {
            throw .corruptIndex(path: path, detail: "FTS5 integrity-check: \(error)")
        }
    }

    /// Counts of the index: documents, chunks, bytes of document text, file size in bytes.
    public func counts() throws(RetrievalError) -> (documents: Int, chunks: Int, textBytes: Int, fileBytes: Int) {
        let docs = try db.scalarInt("SELECT count(*) FROM rag_docs")
        let chunks = try db.scalarInt("SELECT count(*) FROM rag_chunks")
        let bytes = try db.scalarInt("SELECT coalesce(sum(bytes), 0) FROM rag_docs")
        let pages = try db.scalarInt("PRAGMA page_count") * (try db.scalarInt("PRAGMA page_size"))
        return (Int(docs), Int(chunks), Int(bytes), Int(pages))
    }
}
