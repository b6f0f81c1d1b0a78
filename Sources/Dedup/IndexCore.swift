import CSQLite
import DomainForgeCore

/// A configuration error for a dedup stage.
public struct DedupConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The state every index-backed stage shares: the SQLite file, this run's id in it, the part being written
/// (with its open transaction), and the duplicate pairs table used by `dedup-report`.
///
/// Rows carry `(run, part)`. The run is identified by a random token kept in `<stateDirectory>/run.json` and in the
/// index's `runs` table, so the same output folder resumes as the same run (however the paths are spelled), while a later run in another folder that points `index_path` at this index gets a new run id:
/// its `resume` never deletes the earlier run's rows, and it deduplicates against all of them.
final class IndexCore {
    let db: SQLiteDB
    let run: Int64
    let stateDirectory: String
    var part: Int64 = 0
    var inTransaction = false
    var resumed = false
    /// Tables with (run, part) columns, cleaned on resume.
    let partTables: [String]

    init(indexPath: String, stateDirectory: String, kind: String, config: String, schema: String, partTables: [String]) throws {
        try makeDirectory(stateDirectory)
        if let slash = indexPath.lastIndex(of: "/") { try makeDirectory(String(indexPath[..<slash])) }
        self.stateDirectory = stateDirectory
        self.partTables = partTables + ["dups"]
        db = try SQLiteDB(path: indexPath)
        try db.exec("""
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS runs(run INTEGER PRIMARY KEY, state_dir TEXT NOT NULL, token TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS dups(id INTEGER PRIMARY KEY, run INTEGER NOT NULL, part INTEGER NOT NULL,
                dropped TEXT NOT NULL, kept TEXT NOT NULL, similarity REAL NOT NULL, dropped_snippet TEXT NOT NULL,
                kept_snippet TEXT NOT NULL);
            \(schema)
            """)
        if let k = try db.meta("kind"), k != kind {
            throw DedupConfigError("index \(indexPath) belongs to a '\(k)' stage, not '\(kind)'")
        }
        if let c = try db.meta("config"), c != config {
            throw DedupConfigError("index \(indexPath) was built with different settings (\(c)); this stage has (\(config)); "
                                   + "point index_path at a new file or use the same settings")
        }
        try db.setMeta("kind", kind)
        try db.setMeta("config", config)
        run = try Self.runID(db: db, stateDirectory: stateDirectory, indexPath: indexPath)
    }

    /// The run id: found through the random token in `<stateDirectory>/run.json` (not through paths, which may be
    /// spelled differently between invocations), or a new run recorded in the index and in that file.
    static func runID(db: SQLiteDB, stateDirectory: String, indexPath: String) throws -> Int64 {
        let runFile = stateDirectory + "/run.json"
        if let bytes = try? readWholeFile(path: runFile, displayName: runFile, limit: 1 << 16),
           let v = try? JSONParser.parse(bytes: bytes), let token = v["token"]?.stringValue {
            let st = try db.stmt("SELECT run FROM runs WHERE token = ?")
            db.bind(st, 1, token)
            defer { sqlite3_reset(st) }
            if sqlite3_step(st) == SQLITE_ROW { return sqlite3_column_int64(st, 0) }
        }
        var rng = SystemRandomNumberGenerator()
        let token = String(rng.next() as UInt64, radix: 16) + String(rng.next() as UInt64, radix: 16)
        let st = try db.stmt("INSERT INTO runs(state_dir, token) VALUES(?, ?)")
        db.bind(st, 1, stateDirectory); db.bind(st, 2, token)
        try db.run(st)
        let run = sqlite3_last_insert_rowid(db.db)
        let f = try AtomicOutputFile(path: runFile)
        try f.write(Array(JSONValue.object(["run": .int(run), "token": .string(token), "index": .string(indexPath)]).serialized().utf8) + [10])
        try f.commit()
        return run
    }

    /// Forgets this run's rows from parts not in `finished`.
    func resume(finishedParts: Set<Int>) throws {
        if inTransaction { try db.exec("ROLLBACK"); inTransaction = false }
        let keep = finishedParts.sorted().map(String.init).joined(separator: ",")
        try db.exec("BEGIN IMMEDIATE")
        for t in partTables {
            try db.exec("DELETE FROM \(t) WHERE run = \(run)" + (keep.isEmpty ? "" : " AND part NOT IN (\(keep))"))
        }
        try db.exec("COMMIT")
        resumed = true
    }

    /// Makes sure stale rows of this run are gone (a run that was not resumed starts from nothing) and a
    /// transaction is open.
    func ensureWriting() throws {
        if !resumed { try resume(finishedParts: []) }
        if !inTransaction { try db.exec("BEGIN IMMEDIATE"); inTransaction = true }
    }

    func beginPart(_ p: Int) throws {
        if !resumed { try resume(finishedParts: []) }
        if inTransaction { try db.exec("COMMIT"); inTransaction = false }
        part = Int64(p)
        try db.exec("BEGIN IMMEDIATE"); inTransaction = true
    }

    func commit() throws {
        if inTransaction { try db.exec("COMMIT"); inTransaction = false }
    }

    func recordPair(dropped: String, kept: String, similarity: Double, droppedSnippet: String, keptSnippet: String) throws {
        let st = try db.stmt("""
            INSERT INTO dups(run, part, dropped, kept, similarity, dropped_snippet, kept_snippet) VALUES(?,?,?,?,?,?,?)
            """)
        db.bind(st, 1, run); db.bind(st, 2, part); db.bind(st, 3, dropped); db.bind(st, 4, kept)
        db.bind(st, 5, similarity); db.bind(st, 6, droppedSnippet); db.bind(st, 7, keptSnippet)
        try db.run(st)
    }

    /// Writes this run's pairs to `<stateDirectory>/duplicates.jsonl` (one line per dropped document:
    /// `{"dropped","kept","similarity","dropped_snippet","kept_snippet"}`, in input order) and a summary.
    func writeDuplicatesFile(kind: String, extra: [String: JSONValue]) throws {
        try commit()
        let f = try AtomicOutputFile(path: stateDirectory + "/duplicates.jsonl")
        let st = try db.stmt("SELECT dropped, kept, similarity, dropped_snippet, kept_snippet FROM dups WHERE run = ? ORDER BY id")
        db.bind(st, 1, run)
        var n = 0
        var clusters = Set<String>()
        var buf = [UInt8]()
        while sqlite3_step(st) == SQLITE_ROW {
            let kept = db.text(st, 1)
            clusters.insert(kept)
            let sim = (sqlite3_column_double(st, 2) * 10000).rounded() / 10000
            JSONWriter.write(.object(["dropped": .string(db.text(st, 0)), "kept": .string(kept), "similarity": .double(sim),
                                      "dropped_snippet": .string(db.text(st, 3)), "kept_snippet": .string(db.text(st, 4))]),
                             into: &buf)
            buf.append(10)
            n += 1
            if buf.count > 1 << 20 { try f.write(buf); buf.removeAll(keepingCapacity: true) }
        }
        sqlite3_reset(st)
        try f.write(buf)
        try f.commit()
        var summary = extra
        summary["kind"] = .string(kind)
        summary["dropped"] = .int(Int64(n))
        summary["clusters"] = .int(Int64(clusters.count))
        summary["index_path"] = .string(db.path)
        let s = try AtomicOutputFile(path: stateDirectory + "/summary.json")
        try s.write(Array(JSONValue.object(summary).serialized().utf8) + [10])
        try s.commit()
    }
}
