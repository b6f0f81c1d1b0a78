import CSQLite
import DomainForgeCore

/// The run state of one rank, in SQLite (WAL) inside the output folder: which parts are finished (with their
/// stats) and which inputs they covered (path, size, mtime, hash). A rerun skips finished parts.
final class RunStateDB {
    let db: OpaquePointer
    let path: String

    /// Opens (creating it if needed) a rank's run state. `readOnly` is for readers of another process's state
    /// (`stats`, `status`, the report after a run): nothing is created or changed, and a busy database is waited for
    /// up to two seconds before the read fails, so a stopped or busy writer never blocks or fails its reader for long.
    init(path: String, readOnly: Bool = false) throws {
        self.path = path
        var h: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &h, flags, nil) == SQLITE_OK, let h else {
            sqlite3_close(h)
            throw OutputError(path: path, message: "cannot open run state database")
        }
        db = h
        sqlite3_busy_timeout(db, readOnly ? 2_000 : 10_000)
        if readOnly { return }
        try exec("PRAGMA journal_mode=WAL")
        try exec("PRAGMA synchronous=NORMAL")
        try exec("""
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS parts(part INTEGER PRIMARY KEY, files INTEGER NOT NULL, stats TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS inputs(path TEXT PRIMARY KEY, part INTEGER NOT NULL, size INTEGER NOT NULL,
                                              mtime INTEGER NOT NULL, hash TEXT NOT NULL);
            """)
    }

    deinit { sqlite3_close(db) }

    func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            let m = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw OutputError(path: path, message: "sqlite: \(m)")
        }
    }

    private func prepare(_ sql: String) throws -> OpaquePointer {
        var st: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &st, nil) == SQLITE_OK, let st else {
            throw OutputError(path: path, message: "sqlite: \(String(cString: sqlite3_errmsg(db)))")
        }
        return st
    }

    private func bind(_ st: OpaquePointer, _ i: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buf in _ = buf.withMemoryRebound(to: CChar.self) { csqlite_bind_text(st, i, $0.baseAddress, Int32(buf.count)) } }
    }

    private func step(_ st: OpaquePointer) throws {
        let rc = sqlite3_step(st)
        if rc != SQLITE_DONE && rc != SQLITE_ROW { throw OutputError(path: path, message: "sqlite: \(String(cString: sqlite3_errmsg(db)))") }
    }

    func meta(_ key: String) throws -> String? {
        let st = try prepare("SELECT value FROM meta WHERE key = ?")
        defer { sqlite3_finalize(st) }
        bind(st, 1, key)
        guard sqlite3_step(st) == SQLITE_ROW else { return nil }
        return String(cString: sqlite3_column_text(st, 0))
    }

    func setMeta(_ key: String, _ value: String) throws {
        let st = try prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)")
        defer { sqlite3_finalize(st) }
        bind(st, 1, key); bind(st, 2, value)
        try step(st)
    }

    /// Finished parts and their stats JSON.
    func finishedParts() throws -> [Int: String] {
        let st = try prepare("SELECT part, stats FROM parts")
        defer { sqlite3_finalize(st) }
        var out = [Int: String]()
        var rc = sqlite3_step(st)
        while rc == SQLITE_ROW {
            out[Int(sqlite3_column_int64(st, 0))] = String(cString: sqlite3_column_text(st, 1))
            rc = sqlite3_step(st)
        }
        if rc != SQLITE_DONE { throw OutputError(path: path, message: "sqlite: \(String(cString: sqlite3_errmsg(db)))") }
        return out
    }

    /// Records a finished part and its inputs in one transaction.
    func finishPart(_ part: Int, stats: String, inputs: [(InputFile, UInt64)]) throws {
        try exec("BEGIN IMMEDIATE")
        do {
            let st = try prepare("INSERT OR REPLACE INTO parts(part, files, stats) VALUES(?, ?, ?)")
            sqlite3_bind_int64(st, 1, Int64(part))
            sqlite3_bind_int64(st, 2, Int64(inputs.count))
            bind(st, 3, stats)
            try step(st)
            sqlite3_finalize(st)
            let ins = try prepare("INSERT OR REPLACE INTO inputs(path, part, size, mtime, hash) VALUES(?, ?, ?, ?, ?)")
            defer { sqlite3_finalize(ins) }
            for (f, h) in inputs {
                sqlite3_reset(ins)
                bind(ins, 1, f.displayName)
                sqlite3_bind_int64(ins, 2, Int64(part))
                sqlite3_bind_int64(ins, 3, Int64(f.size))
                sqlite3_bind_int64(ins, 4, Int64(f.mtime))
                bind(ins, 5, String(h, radix: 16))
                try step(ins)
            }
            try exec("COMMIT")
        } catch {
            try? exec("ROLLBACK")
            throw error
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
        let st = try prepare("SELECT path, size, mtime, hash FROM inputs")
        defer { sqlite3_finalize(st) }
        var out = [String: FinishedInput]()
        while sqlite3_step(st) == SQLITE_ROW {
            out[String(cString: sqlite3_column_text(st, 0))] = FinishedInput(
                size: Int(sqlite3_column_int64(st, 1)), mtime: Int(sqlite3_column_int64(st, 2)),
                hash: UInt64(String(cString: sqlite3_column_text(st, 3)), radix: 16) ?? 0)
        }
        return out
    }
}
