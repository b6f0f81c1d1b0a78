import CSQLite
import DomainForgeCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one SQLite connection wrapper of the package (dedup indexes, global dedup, the run state): WAL, one
/// connection used from one thread at a time, cached prepared statements, errors as `OutputError`s naming the file.
package final class SQLiteDB {
    package let db: OpaquePointer
    package let path: String
    private var cache: [String: OpaquePointer] = [:]

    /// Opens (creating it if needed) a database in WAL mode, waiting up to 10 s for a busy one. `cacheMiB` sets the
    /// page cache (and keeps temporary tables in memory) for big indexes; nil keeps SQLite's defaults.
    /// `readOnly` is for readers of another process's database: nothing is created or changed, no pragma is set,
    /// and a busy database is waited for up to 2 s before a read fails, so a stopped or busy writer never blocks
    /// its reader for long. `what` names the database in the open error ("dedup index", "run state").
    package init(path: String, readOnly: Bool = false, what: String = "dedup index", cacheMiB: Int? = 64) throws {
        self.path = path
        var h: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &h, flags, nil) == SQLITE_OK, let h else {
            if let h { sqlite3_close(h) }
            throw OutputError(path: path, message: "cannot open \(what) database")
        }
        db = h
        sqlite3_busy_timeout(db, readOnly ? 2_000 : 10_000)
        if readOnly { return }
        try exec("PRAGMA journal_mode=WAL")
        try exec("PRAGMA synchronous=NORMAL")
        if let cacheMiB {
            try exec("PRAGMA cache_size=-\(cacheMiB * 1024)")
            try exec("PRAGMA temp_store=MEMORY")
        }
    }

    deinit {
        for (_, st) in cache { sqlite3_finalize(st) }
        sqlite3_close(db)
    }

    package func error() -> OutputError { OutputError(path: path, message: "sqlite: \(String(cString: sqlite3_errmsg(db)))") }

    package func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            let m = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw OutputError(path: path, message: "sqlite: \(m)")
        }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction, committed when it returns and rolled back when it throws.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try exec("BEGIN IMMEDIATE")
        do {
            let r = try body()
            try exec("COMMIT")
            return r
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }

    /// A cached prepared statement, reset and with bindings cleared.
    package func stmt(_ sql: String) throws -> OpaquePointer {
        if let st = cache[sql] {
            sqlite3_reset(st); sqlite3_clear_bindings(st)
            return st
        }
        var st: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &st, nil) == SQLITE_OK, let st else { throw error() }
        cache[sql] = st
        return st
    }

    package func bind(_ st: OpaquePointer, _ i: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buf in
            _ = buf.withMemoryRebound(to: CChar.self) { csqlite_bind_text(st, i, $0.baseAddress, Int32(buf.count)) }
        }
    }
    package func bind(_ st: OpaquePointer, _ i: Int32, _ v: Int64) { sqlite3_bind_int64(st, i, v) }
    package func bind(_ st: OpaquePointer, _ i: Int32, _ v: Double) { sqlite3_bind_double(st, i, v) }
    package func bindBlob(_ st: OpaquePointer, _ i: Int32, _ p: UnsafeRawBufferPointer) {
        _ = csqlite_bind_blob(st, i, p.baseAddress, Int32(p.count))
    }

    /// Steps a statement that returns no rows.
    package func run(_ st: OpaquePointer) throws {
        let rc = sqlite3_step(st)
        if rc != SQLITE_DONE && rc != SQLITE_ROW { throw error() }
        sqlite3_reset(st)
    }

    /// Steps a query: true with a row, false when done; throws on an error (busy, I/O, damaged file).
    package func step(_ st: OpaquePointer) throws -> Bool {
        let rc = sqlite3_step(st)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let e = error()
        sqlite3_reset(st)
        throw e
    }

    /// Calls `body` for every row of a query, then resets it; throws on an error.
    package func forEachRow(_ st: OpaquePointer, _ body: () throws -> Void) throws {
        defer { sqlite3_reset(st) }
        while try step(st) { try body() }
    }

    package func text(_ st: OpaquePointer, _ col: Int32) -> String {
        guard let p = sqlite3_column_text(st, col) else { return "" }
        return String(cString: p)
    }

    package func blobUInt64(_ st: OpaquePointer, _ col: Int32) -> [UInt64] {
        let n = Int(sqlite3_column_bytes(st, col))
        guard n > 0, let p = sqlite3_column_blob(st, col) else { return [] }
        return [UInt64](unsafeUninitializedCapacity: n / 8) { buf, count in
            memcpy(buf.baseAddress!, p, (n / 8) * 8); count = n / 8
        }
    }

    package func blobUInt32(_ st: OpaquePointer, _ col: Int32) -> [UInt32] {
        let n = Int(sqlite3_column_bytes(st, col))
        guard n > 0, let p = sqlite3_column_blob(st, col) else { return [] }
        return [UInt32](unsafeUninitializedCapacity: n / 4) { buf, count in
            memcpy(buf.baseAddress!, p, (n / 4) * 4); count = n / 4
        }
    }

    /// The value of `key` in the `meta(key, value)` table, or nil.
    package func meta(_ key: String) throws -> String? {
        let st = try stmt("SELECT value FROM meta WHERE key = ?")
        bind(st, 1, key)
        defer { sqlite3_reset(st) }
        return try step(st) ? text(st, 0) : nil
    }

    package func setMeta(_ key: String, _ value: String) throws {
        let st = try stmt("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)")
        bind(st, 1, key); bind(st, 2, value)
        try run(st)
    }
}
