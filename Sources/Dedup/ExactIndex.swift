import CSQLite
import DomainForgeCore

/// The storage half of online `exact_dedup`: the `exact` table of kept keys (with a bit filter of `h1` in front
/// of it, loaded on first use) and the duplicate pairs.
final class ExactIndex {
    static let schema = """
        CREATE TABLE IF NOT EXISTS exact(h1 INTEGER NOT NULL, h2 INTEGER NOT NULL, run INTEGER NOT NULL,
            part INTEGER NOT NULL, doc_id TEXT NOT NULL, snippet TEXT NOT NULL, PRIMARY KEY(h1, h2)) WITHOUT ROWID;
        """

    let core: IndexCore
    var filter = KeyFilter(log2Bits: 24)
    var filterLoaded = false

    init(core: IndexCore) { self.core = core }

    /// Forgets the filter (after resume removed rows).
    func reset() {
        filter = KeyFilter(log2Bits: 24)
        filterLoaded = false
    }

    /// Opens the part's transaction and loads the filter when needed.
    func startWriting() throws {
        try core.ensureWriting()
        guard !filterLoaded else { return }
        let st = try core.db.stmt("SELECT h1 FROM exact")
        try core.db.forEachRow(st) { filter.insert(UInt64(bitPattern: sqlite3_column_int64(st, 0))) }
        filterLoaded = true
    }

    /// The id and snippet of the kept document with `key`, if any.
    func find(_ key: ExactKey) throws -> (id: String, snippet: String)? {
        guard filter.mayContain(key.h1) else { return nil }
        let st = try core.db.stmt("SELECT doc_id, snippet FROM exact WHERE h1 = ? AND h2 = ?")
        core.db.bind(st, 1, Int64(bitPattern: key.h1)); core.db.bind(st, 2, Int64(bitPattern: key.h2))
        defer { sqlite3_reset(st) }
        return try core.db.step(st) ? (core.db.text(st, 0), core.db.text(st, 1)) : nil
    }

    /// Indexes a kept document.
    func insert(_ key: ExactKey, _ document: Document) throws {
        let ins = try core.db.stmt("INSERT INTO exact(h1, h2, run, part, doc_id, snippet) VALUES(?,?,?,?,?,?)")
        core.db.bind(ins, 1, Int64(bitPattern: key.h1)); core.db.bind(ins, 2, Int64(bitPattern: key.h2))
        core.db.bind(ins, 3, core.run); core.db.bind(ins, 4, core.part)
        core.db.bind(ins, 5, document.id); core.db.bind(ins, 6, TextKit.snippet(document.text))
        try core.db.run(ins)
        filter.insert(key.h1)
    }
}
