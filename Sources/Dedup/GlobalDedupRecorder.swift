import CSQLite
import DomainForgeCore
import Foundation

/// The `mode: global` half of `exact_dedup` / `minhash_dedup` during a run: every document is kept, and each one
/// with a key is recorded in the rank's index (`gdocs`: part, position in the part's documents file, input-order
/// key, id, length, priority, band keys, and what the similarity needs).
///
/// The position counts every document reaching the stage in the part (recorded or not), which is its line in the
/// part's documents file, because a global stage must be the last step before the output. The input-order key is
/// `file index << 32 | ordinal in the file` (file index in the sorted list of all inputs), so it does not depend
/// on the world size. Rows are tagged with their part, so resume forgets what an interrupted part recorded.
final class GlobalDedupRecorder {
    static let schema = """
        CREATE TABLE IF NOT EXISTS gdocs(run INTEGER NOT NULL, part INTEGER NOT NULL, pos INTEGER NOT NULL,
            ord INTEGER NOT NULL, doc_id TEXT NOT NULL, length INTEGER NOT NULL, priority REAL, snippet TEXT NOT NULL,
            bands BLOB NOT NULL, sig BLOB NOT NULL, PRIMARY KEY(part, pos));
        """

    let core: IndexCore
    let priorityField: String?
    var inputOrder: [String: Int] = [:]
    var position = 0
    var ordinals: [String: Int] = [:]

    init(core: IndexCore, priorityField: String?) {
        self.core = core
        self.priorityField = priorityField
    }

    func beginPart() {
        position = 0
        ordinals = [:]
    }

    /// Takes the next position in the part for `document` and returns it with the document's input-order key.
    func next(_ document: Document) -> (pos: Int, ord: Int64) {
        let pos = position
        position += 1
        let k = ordinals[document.source, default: 0]
        ordinals[document.source] = k + 1
        if let f = inputOrder[document.source] { return (pos, Int64(f) << 32 | Int64(k)) }
        // Outside a pipeline run (no input order): the part and position order.
        return (pos, Int64(1) << 62 | core.part << 32 | Int64(pos))
    }

    /// The priority of `document` for `keep: priority`: a number, a numeric string, or a boolean (1/0).
    static func priority(_ document: Document, field: String?) -> Double? {
        guard let field, let v = document.metadata[field] else { return nil }
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d.isFinite ? d : nil
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }

    /// Records one document (inside the part's transaction).
    func record(_ document: Document, pos: Int, ord: Int64, bands: UnsafeRawBufferPointer, sig: UnsafeRawBufferPointer) throws {
        try core.ensureWriting()
        let st = try core.db.stmt("""
            INSERT OR REPLACE INTO gdocs(run, part, pos, ord, doc_id, length, priority, snippet, bands, sig)
            VALUES(?,?,?,?,?,?,?,?,?,?)
            """)
        core.db.bind(st, 1, core.run); core.db.bind(st, 2, core.part); core.db.bind(st, 3, Int64(pos))
        core.db.bind(st, 4, ord); core.db.bind(st, 5, document.id); core.db.bind(st, 6, Int64(document.text.utf8.count))
        if let p = Self.priority(document, field: priorityField) { core.db.bind(st, 7, p) } else { sqlite3_bind_null(st, 7) }
        core.db.bind(st, 8, TextKit.snippet(document.text))
        core.db.bindBlob(st, 9, bands)
        core.db.bindBlob(st, 10, sig)
        try core.db.run(st)
    }

    /// The config words that keep online and global indexes (and different keep policies) apart.
    static func configSuffix(mode: DedupMode, keep: KeepPolicy, priorityField: String?) -> String {
        mode == .online ? "" : " mode=global keep=\(keep.rawValue)" + (priorityField.map { " priority_field=\($0)" } ?? "")
    }

    /// Checks the `mode` / `keep` / `priority_field` / `index_path` combination of a dedup stage.
    static func validate(type: String, mode: DedupMode, keep: KeepPolicy, priorityField: String?, indexPath: String?) throws {
        if keep != .first && mode != .global {
            throw DedupConfigError("stage '\(type)': invalid option 'keep': '\(keep.rawValue)' needs mode: global "
                                   + "(an online stage can only keep the first document); add mode: global or use keep: first")
        }
        if keep == .priority && (priorityField ?? "").isEmpty {
            throw DedupConfigError("stage '\(type)': option 'priority_field' is required with keep: priority "
                                   + "(the metadata key holding a number; the highest wins)")
        }
        if let f = priorityField, keep != .priority {
            throw DedupConfigError("stage '\(type)': option 'priority_field' (\(f)) is only used with keep: priority; "
                                   + "remove it or set keep: priority")
        }
        if mode == .global && indexPath != nil {
            throw DedupConfigError("stage '\(type)': option 'index_path' cannot be used with mode: global "
                                   + "(each rank records into its own state folder, read by pipeline dedup-global); remove it")
        }
    }
}
