import CSQLite
import Dedup
import DomainForgeCore

/// The run state of one rank, in SQLite (WAL) inside the output folder: which parts are finished (with their
/// stats) and which inputs they covered (path, size, mtime, hash). A rerun skips finished parts.
final class RunStateDB {
    let db: SQLiteDB
    var path: String { db.path }

    /// Opens (creating it if needed) a rank's run state. `readOnly` is for readers of another process's state
    /// (`stats`, `status`, the report after a run): nothing is created or changed, and a busy database is waited for
    /// up to two seconds before the read fails, so a stopped or busy writer never blocks or fails its reader for long.
    init(path: String, readOnly: Bool = false) throws {
        db = try SQLiteDB(path: path, readOnly: readOnly, what: "run state", cacheMiB: nil)
        if readOnly { return }
        try db.exec("""
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS parts(part INTEGER PRIMARY KEY, files INTEGER NOT NULL, stats TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS inputs(path TEXT PRIMARY KEY, part INTEGER NOT NULL, size INTEGER NOT NULL,
                                              mtime INTEGER NOT NULL, hash TEXT NOT NULL);
            """)
    }

    func exec(_ sql: String) throws { try db.exec(sql) }

    func meta(_ key: String) throws -> String? { try db.meta(key) }

    func setMeta(_ key: String, _ value: String) throws { try db.setMeta(key, value) }

    /// Finished parts and their stats JSON.
    func finishedParts() throws -> [Int: String] {
        let st = try db.stmt("SELECT part, stats FROM parts")
        var out = [Int: String]()
        try db.forEachRow(st) { out[Int(sqlite3_column_int64(st, 0))] = db.text(st, 1) }
        return out
    }

    /// Records a finished part and its inputs in one transaction.
    func finishPart(_ part: Int, stats: String, inputs: [(InputFile, UInt64)]) throws {
        try db.transaction {
            let st = try db.stmt("INSERT OR REPLACE INTO parts(part, files, stats) VALUES(?, ?, ?)")
            db.bind(st, 1, Int64(part)); db.bind(st, 2, Int64(inputs.count)); db.bind(st, 3, stats)
            try db.run(st)
            let ins = try db.stmt("INSERT OR REPLACE INTO inputs(path, part, size, mtime, hash) VALUES(?, ?, ?, ?, ?)")
            for (f, h) in inputs {
                sqlite3_reset(ins)
                db.bind(ins, 1, f.displayName); db.bind(ins, 2, Int64(part)); db.bind(ins, 3, Int64(f.size))
                db.bind(ins, 4, Int64(f.mtime)); db.bind(ins, 5, String(h, radix: 16))
                try db.run(ins)
            }
        }
    }

    /// What the run state recorded of a finished input.
    struct FinishedInput: Equatable {
        var size: Int
        var mtime: Int
        /// `InputFingerprint.hash` of the file's bytes when its part finished.
        var hash: UInt64
    }

    /// The recorded size, mtime and hash of finished inputs, to detect inputs that changed since.
    func finishedInputs() throws -> [String: FinishedInput] {
        let st = try db.stmt("SELECT path, size, mtime, hash FROM inputs")
        var out = [String: FinishedInput]()
        try db.forEachRow(st) {
            out[db.text(st, 0)] = FinishedInput(size: Int(sqlite3_column_int64(st, 1)), mtime: Int(sqlite3_column_int64(st, 2)),
                                                hash: UInt64(db.text(st, 3), radix: 16) ?? 0)
        }
        return out
    }
}
