import CSQLite
import DomainForgeCore

/// One SQLite connection of a retrieval index, used from one thread at a time, with cached prepared statements.
final class RetrievalDatabase {
    let handle: OpaquePointer
    let path: String
    private var cache: [String: OpaquePointer] = [:]

    /// Opens (`create`: or creates) the file. A file that is not SQLite fails here with `corruptIndex`.
    init(path: String, create: Bool, readOnly: Bool = false) throws(RetrievalError) {
        self.path = path
        var h: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
        let rc = sqlite3_open_v2(path, &h, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let h else {
            let m = h.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let h { sqlite3_close(h) }
            throw .sqlite(path: path, message: m)
        }
        handle = h
        sqlite3_busy_timeout(handle, 10_000)
        do {
            // The first read of the header: a file that is not a database fails here ("file is not a database").
            _ = try scalarInt("SELECT count(*) FROM sqlite_master")
        } catch {
            sqlite3_close(h)
            throw .corruptIndex(path: path, detail: "\(errorMessage(error))")
        }
    }

    deinit {
        for (_, st) in cache { sqlite3_finalize(st) }
        sqlite3_close(handle)
    }

    private func errorMessage(_ e: RetrievalError) -> String {
        if case .sqlite(_, let m) = e { return m }
        return "\(e)"
    }

    func failure() -> RetrievalError { .sqlite(path: path, message: String(cString: sqlite3_errmsg(handle))) }

    func exec(_ sql: String) throws(RetrievalError) {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let m = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw .sqlite(path: path, message: m)
        }
    }

    /// A cached prepared statement, reset, with bindings cleared.
    func statement(_ sql: String) throws(RetrievalError) -> OpaquePointer {
        if let st = cache[sql] {
            sqlite3_reset(st); sqlite3_clear_bindings(st)
            return st
        }
        var st: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &st, nil) == SQLITE_OK, let st else { throw failure() }
        cache[sql] = st
        return st
    }

    func bind(_ st: OpaquePointer, _ i: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) { p in
                if let base = p.baseAddress { _ = csqlite_bind_text(st, i, base, Int32(p.count)) } else { _ = sqlite3_bind_text(st, i, "", 0, nil) }
            }
        }
    }

    func bind(_ st: OpaquePointer, _ i: Int32, _ v: Int64) { sqlite3_bind_int64(st, i, v) }

    /// Steps a statement to its end (no rows expected).
    func run(_ st: OpaquePointer) throws(RetrievalError) {
        let rc = sqlite3_step(st)
        sqlite3_reset(st)
        if rc != SQLITE_DONE && rc != SQLITE_ROW { throw failure() }
    }

    /// Steps once; true when a row is there. Throws on an error (a corrupt page, a bad MATCH expression).
    func step(_ st: OpaquePointer) throws(RetrievalError) -> Bool {
        let rc = sqlite3_step(st)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let e = failure()
        sqlite3_reset(st)
        throw e
    }

    func text(_ st: OpaquePointer, _ col: Int32) -> String {
        guard let p = sqlite3_column_text(st, col) else { return "" }
        return String(cString: p)
    }

    func isNull(_ st: OpaquePointer, _ col: Int32) -> Bool { sqlite3_column_type(st, col) == SQLITE_NULL }

    func scalarInt(_ sql: String) throws(RetrievalError) -> Int64 {
        let st = try statement(sql)
        defer { sqlite3_reset(st) }
        return try step(st) ? sqlite3_column_int64(st, 0) : 0
    }

    /// All rows of a one-column text query.
    func strings(_ sql: String) throws(RetrievalError) -> [String] {
        let st = try statement(sql)
        defer { sqlite3_reset(st) }
        var out = [String]()
        while try step(st) { out.append(text(st, 0)) }
        return out
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
    var lastRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}
