import CSQLite
import DomainForgeCore
import Foundation

/// What one `rag index` build did. Every input record is indexed, dropped (`empty_text`) or rejected.
public struct BuildReport: Sendable {
    public var files = 0
    /// Files skipped because an earlier build finished them.
    public var filesAlreadyDone = 0
    /// Records skipped at the start of a file because an interrupted build had committed them.
    public var recordsResumed = 0
    public var indexed = 0
    public var chunks = 0
    public var replaced = 0
    public var dropped: [String: Int] = [:]
    public var rejected: [InputError] = []
    /// True when the build stopped early (`stopAfter`), like a killed one.
    public var interrupted = false
    public init() {}
}

/// Builds or extends a `RAGIndex` from JSONL documents (`{"id","text","metadata"}`, plain, `.gz` or `.zst`), the
/// shape the pipeline writes to `OUT/documents/`.
///
/// Resume: records are committed in batches together with the file's progress row (`rag_progress`: records done,
/// complete), so a killed build leaves the index as of its last batch, and running the same command again skips
/// finished files and committed records and ends with the same chunks, ids and contents as an uninterrupted build.
public final class RAGIndexBuilder {
    public let index: RAGIndex
    public let chunker: Chunker
    public let batchSize: Int
    /// Longest accepted JSONL line.
    public static let maxLineBytes = 64 << 20

    public init(index: RAGIndex, chunker: Chunker, batchSize: Int = 512) {
        self.index = index
        self.chunker = chunker
        self.batchSize = max(1, batchSize)
    }

    /// The JSONL files named by `paths`: files as given; a folder's `documents/` subfolder when it has one (a run
    /// folder), else the folder; in a folder, `*.jsonl`, `*.jsonl.zst`, `*.jsonl.gz` sorted by name.
    public static func inputFiles(_ paths: [String]) throws(RetrievalError) -> [String] {
        var out = [String]()
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw .input(file: p, message: "no such file or folder") }
            guard isDir.boolValue else { out.append(p); continue }
            var dir = p
            var sub: ObjCBool = false
            if fm.fileExists(atPath: p + "/documents", isDirectory: &sub), sub.boolValue { dir = p + "/documents" }
            let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter {
                ($0.hasSuffix(".jsonl") || $0.hasSuffix(".jsonl.zst") || $0.hasSuffix(".jsonl.gz")) && !AtomicOutputFile.isTemporary($0)
            }.sorted()
            if names.isEmpty { throw .input(file: dir, message: "no .jsonl, .jsonl.zst or .jsonl.gz files in this folder") }
            out += names.map { dir + "/" + $0 }
        }
        return out
    }

    /// Indexes `files` in order. `stopAfter` stops (without committing the open batch) after that many records, as a
    /// kill would; tests use it to check resume.
    public func build(files: [String], stopAfter: Int? = nil) throws -> BuildReport {
        var report = BuildReport()
        var seen = 0
        for file in files {
            report.files += 1
            let (done, complete) = try progress(file)
            if complete { report.filesAlreadyDone += 1; continue }
            let reader = LineReader(source: try openByteSource(path: file, displayName: file), maxLineBytes: Self.maxLineBytes)
            try index.begin()
            var n = 0
            while let rec = try reader.next() {
                n += 1
                if n <= done { report.recordsResumed += 1; continue }
                if let stop = stopAfter, seen >= stop {
                    index.rollback()
                    report.interrupted = true
                    return report
                }
                seen += 1
                try addRecord(rec, file: file, report: &report)
                if n % batchSize == 0 {
                    try setProgress(file, records: n, complete: false)
                    try index.commit()
                    try index.begin()
                }
            }
            try setProgress(file, records: n, complete: true)
            try index.commit()
        }
        return report
    }

    func addRecord(_ rec: LineRecord, file: String, report: inout BuildReport) throws {
        if rec.overlongBytes > 0 {
            report.rejected.append(InputError(code: "line_too_long", file: file, line: rec.line, offset: rec.offset,
                                              message: "line of \(rec.overlongBytes) bytes is over the \(Self.maxLineBytes)-byte limit"))
            return
        }
        if rec.bytes.allSatisfy({ Chunker.isSpace($0) }) { return }
        let doc: Document
        do {
            doc = try Self.document(from: try JSONParser.parse(bytes: rec.bytes), file: file, line: rec.line)
        } catch {
            report.rejected.append(InputError(code: "bad_record", file: file, line: rec.line, offset: rec.offset, message: "\(error)"))
            return
        }
        let chunks = chunker.chunks(of: doc.text)
        if chunks.isEmpty { report.dropped["empty_text", default: 0] += 1; return }
        let r = try index.add(id: doc.id, source: doc.source, metadata: JSONValue.object(doc.metadata).serialized(),
                              chunks: chunks, bytes: doc.text.utf8.count, part: -1)
        report.indexed += 1
        report.chunks += r.chunks
        if r.replaced { report.replaced += 1 }
    }

    /// A document from a JSONL record: `text` (string) is required; `id` (string or number) defaults to
    /// `<file name>:<line>`; the source is `metadata.source`, else a top-level `source`, else the file.
    public static func document(from v: JSONValue, file: String, line: Int) throws(RetrievalError) -> Document {
        guard case .object(let o) = v else { throw .input(file: file, message: "line \(line): expected a JSON object, got \(v.typeName)") }
        guard let text = o["text"]?.stringValue else {
            throw .input(file: file, message: "line \(line): no string field \"text\" (expected {\"id\",\"text\",\"metadata\"})")
        }
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let id = o["id"]?.stringValue ?? o["id"]?.intValue.map(String.init) ?? "\(name):\(line)"
        let metadata = o["metadata"]?.objectValue ?? [:]
        let source = metadata["source"]?.stringValue ?? o["source"]?.stringValue ?? name
        return Document(id: id, text: text, source: source, metadata: metadata)
    }

    func progress(_ file: String) throws(RetrievalError) -> (Int, Bool) {
        let st = try index.db.statement("SELECT records, complete FROM rag_progress WHERE file = ?")
        index.db.bind(st, 1, file)
        defer { sqlite3_reset(st) }
        guard try index.db.step(st) else { return (0, false) }
        return (Int(sqlite3_column_int64(st, 0)), sqlite3_column_int64(st, 1) != 0)
    }

    func setProgress(_ file: String, records: Int, complete: Bool) throws(RetrievalError) {
        let st = try index.db.statement("INSERT OR REPLACE INTO rag_progress(file, records, complete) VALUES(?,?,?)")
        index.db.bind(st, 1, file); index.db.bind(st, 2, Int64(records)); index.db.bind(st, 3, complete ? 1 : 0)
        try index.db.run(st)
    }
}
