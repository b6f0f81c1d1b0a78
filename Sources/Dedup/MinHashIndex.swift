import CSQLite
import DomainForgeCore

/// The storage half of online `minhash_dedup`: kept documents (`docs`: id, snippet, signature, shingles) and their
/// band keys (`bands`), with a bit filter of band keys in front of SQLite (loaded on first use).
final class MinHashIndex {
    static let schema = """
        CREATE TABLE IF NOT EXISTS docs(row INTEGER PRIMARY KEY, run INTEGER NOT NULL, part INTEGER NOT NULL,
            doc_id TEXT NOT NULL, snippet TEXT NOT NULL, sig BLOB NOT NULL, shingles BLOB);
        CREATE TABLE IF NOT EXISTS bands(key INTEGER NOT NULL, row INTEGER NOT NULL, run INTEGER NOT NULL,
            part INTEGER NOT NULL, PRIMARY KEY(key, row)) WITHOUT ROWID;
        """

    let core: IndexCore
    var filter = KeyFilter(log2Bits: 27)
    var filterLoaded = false

    init(core: IndexCore) { self.core = core }

    /// Forgets the filter (after resume removed rows).
    func reset() {
        filter = KeyFilter(log2Bits: 27)
        filterLoaded = false
    }

    /// Opens the part's transaction and loads the filter when needed.
    func startWriting() throws {
        try core.ensureWriting()
        guard !filterLoaded else { return }
        let st = try core.db.stmt("SELECT key FROM bands")
        try core.db.forEachRow(st) { filter.insert(UInt64(bitPattern: sqlite3_column_int64(st, 0))) }
        filterLoaded = true
    }

    /// The rows of kept documents sharing at least one band key, sorted, each once.
    func candidates(_ bandKeys: [UInt64]) throws -> [Int64] {
        var rows = [Int64]()
        let q = try core.db.stmt("SELECT row FROM bands WHERE key = ?")
        for key in bandKeys where filter.mayContain(key) {
            core.db.bind(q, 1, Int64(bitPattern: key))
            try core.db.forEachRow(q) { rows.append(sqlite3_column_int64(q, 0)) }
        }
        rows.sort()
        var u = 0
        for i in 0..<rows.count where i == 0 || rows[i] != rows[i - 1] { rows[u] = rows[i]; u += 1 }
        rows.removeLast(rows.count - u)
        return rows
    }

    /// The stored signature of a kept document, or nil when the row is gone.
    func signature(row: Int64) throws -> [UInt64]? {
        let st = try core.db.stmt("SELECT sig FROM docs WHERE row = ?")
        core.db.bind(st, 1, row)
        defer { sqlite3_reset(st) }
        return try core.db.step(st) ? core.db.blobUInt64(st, 0) : nil
    }

    /// The stored shingles of a kept document (`verify_jaccard`), or nil when the row is gone.
    func shingles(row: Int64) throws -> [UInt32]? {
        let st = try core.db.stmt("SELECT shingles FROM docs WHERE row = ?")
        core.db.bind(st, 1, row)
        defer { sqlite3_reset(st) }
        return try core.db.step(st) ? core.db.blobUInt32(st, 0) : nil
    }

    /// The id and snippet of a kept document.
    func document(row: Int64) throws -> (id: String, snippet: String) {
        let st = try core.db.stmt("SELECT doc_id, snippet FROM docs WHERE row = ?")
        core.db.bind(st, 1, row)
        defer { sqlite3_reset(st) }
        _ = try core.db.step(st)
        return (core.db.text(st, 0), core.db.text(st, 1))
    }

    /// Indexes a kept document: its row (signature, and shingles with `verify_jaccard`) and its band keys.
    func insert(_ document: Document, _ sig: MinHashSignature, withShingles: Bool) throws {
        let ins = try core.db.stmt("INSERT INTO docs(run, part, doc_id, snippet, sig, shingles) VALUES(?,?,?,?,?,?)")
        core.db.bind(ins, 1, core.run); core.db.bind(ins, 2, core.part); core.db.bind(ins, 3, document.id)
        core.db.bind(ins, 4, TextKit.snippet(document.text))
        sig.values.withUnsafeBytes { core.db.bindBlob(ins, 5, $0) }
        if withShingles { sig.shingles.withUnsafeBytes { core.db.bindBlob(ins, 6, $0) } }
        try core.db.run(ins)
        let row = sqlite3_last_insert_rowid(core.db.db)
        let bi = try core.db.stmt("INSERT OR IGNORE INTO bands(key, row, run, part) VALUES(?,?,?,?)")
        for key in sig.bandKeys {
            core.db.bind(bi, 1, Int64(bitPattern: key)); core.db.bind(bi, 2, row)
            core.db.bind(bi, 3, core.run); core.db.bind(bi, 4, core.part)
            try core.db.run(bi)
            filter.insert(key)
        }
    }
}
