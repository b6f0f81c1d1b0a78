import CSQLite
import DomainForgeCore
import Segmentation

/// `exact_dedup`: drops a document whose normalized text has the same 128-bit hash (MurmurHash3 x64-128) as a
/// document kept earlier (in input order, this run or an earlier run sharing `index_path`). The first one is kept.
///
/// Reason: `exact_duplicate`. Counters: none besides kept/dropped. `lastMatch()` gives the kept document's id.
/// Files: `<index_path>` (SQLite, default `<stateDirectory>/exact.sqlite`), `run.json`, and in `finish()`
/// `duplicates.jsonl` and `summary.json`.
///
/// With `mode: global` the stage keeps every document and records its hash in `<stateDirectory>/global.sqlite`;
/// `pipeline dedup-global` later keeps one document per group of equal hashes (`keep: first | longest |
/// priority`) across all ranks and removes the others (see `DedupMode`, `GlobalDedupClusterer`).
public final class ExactDedupStage: GlobalDedupStage, @unchecked Sendable {
    public static let type = "exact_dedup"

    public struct Options: Codable, Sendable, Equatable, DedupOptions {
        /// Lowercase before hashing (ASCII, Latin, Greek, Cyrillic).
        public var lowercase = true
        /// Remove punctuation and symbols before hashing.
        public var removePunctuation = true
        /// Remove digits before hashing.
        public var removeDigits = false
        /// Collapse runs of whitespace to one space and trim.
        public var collapseWhitespace = true
        /// The SQLite index; relative to the base directory. Default `<stateDirectory>/exact.sqlite`.
        public var indexPath: String? = nil
        /// `online` (decide at once, keep the first) or `global` (decide across all ranks after the run).
        public var mode = DedupMode.online
        /// Which document of a group survives; `longest` and `priority` need `mode: global`.
        public var keep = KeepPolicy.first
        /// The metadata key read by `keep: priority` (highest number wins).
        public var priorityField: String? = nil
        /// OpenCC conversion applied to the text the dedup key is computed from (`t2s`: Traditional and Simplified
        /// copies of one text get one key); the document's text is not changed. Default `none`.
        public var chinese = ChineseConverter.Conversion.none
        /// Compare only documents of the same language (`metadata.language`, else detected CJK), as FineWeb-2.
        public var partitionByLanguage = false
        /// Documents whose normalized text is empty are kept without being indexed.
        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case lowercase, removePunctuation = "remove_punctuation", removeDigits = "remove_digits"
            case collapseWhitespace = "collapse_whitespace", indexPath = "index_path"
            case mode, keep, priorityField = "priority_field", chinese, partitionByLanguage = "partition_by_language"
        }
        static var optionKeys: [String] { CodingKeys.allCases.map(\.rawValue) }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            lowercase = try c.value(.lowercase, default: true)
            removePunctuation = try c.value(.removePunctuation, default: true)
            removeDigits = try c.value(.removeDigits, default: false)
            collapseWhitespace = try c.value(.collapseWhitespace, default: true)
            indexPath = try c.value(.indexPath, default: nil as String?)
            mode = try c.value(.mode, default: .online)
            keep = try c.value(.keep, default: .first)
            priorityField = try c.value(.priorityField, default: nil as String?)
            chinese = try c.value(.chinese, default: .none)
            partitionByLanguage = try c.value(.partitionByLanguage, default: false)
        }
        func validate(type: String) throws {
            do { _ = try ChineseConverter.shared(chinese) } catch { throw DedupConfigError("stage '\(type)': chinese: \(error)") }
            try GlobalDedupRecorder.validate(type: type, mode: mode, keep: keep, priorityField: priorityField, indexPath: indexPath)
        }
    }

    public let name: String
    public let options: Options
    /// Converts the text the key is computed from (`chinese`); nil for `none`.
    let keyConverter: ChineseConverter?
    let core: IndexCore
    var filter = KeyFilter(log2Bits: 24)
    var filterLoaded = false
    var match: (keptID: String, similarity: Double)?
    let recorder: GlobalDedupRecorder?
    public let globalPlan: GlobalDedupPlan?

    public init(name: String = ExactDedupStage.type, options: Options = Options(), stateDirectory: String,
                baseDirectory: String = "") throws {
        self.name = name
        self.options = options
        do {
            keyConverter = try ChineseConverter.shared(options.chinese)
        } catch {
            throw DedupConfigError("stage '\(name)': chinese: \(error)")
        }
        let global = options.mode == .global
        let path = global ? stateDirectory + "/" + GlobalDedupPlan.indexFileName
            : options.indexPath.map { DedupStageFactory.resolve($0, base: baseDirectory) } ?? stateDirectory + "/exact.sqlite"
        let config = "lowercase=\(options.lowercase) remove_punctuation=\(options.removePunctuation) "
            + "remove_digits=\(options.removeDigits) collapse_whitespace=\(options.collapseWhitespace)"
            + (options.partitionByLanguage ? " partition=language" : "")
            + GlobalDedupRecorder.configSuffix(mode: options.mode, keep: options.keep, priorityField: options.priorityField)
            + (options.chinese == .none ? "" : " chinese=\(options.chinese.rawValue)")
        core = try IndexCore(indexPath: path, stateDirectory: stateDirectory, kind: Self.type, config: config, schema: """
            CREATE TABLE IF NOT EXISTS exact(h1 INTEGER NOT NULL, h2 INTEGER NOT NULL, run INTEGER NOT NULL,
                part INTEGER NOT NULL, doc_id TEXT NOT NULL, snippet TEXT NOT NULL, PRIMARY KEY(h1, h2)) WITHOUT ROWID;
            """ + (global ? GlobalDedupRecorder.schema : ""), partTables: global ? ["exact", "gdocs"] : ["exact"])
        recorder = global ? GlobalDedupRecorder(core: core, priorityField: options.priorityField) : nil
        globalPlan = global ? GlobalDedupPlan(stage: name, keep: options.keep, priorityField: options.priorityField,
                                              similarity: .exact, threshold: 1, reason: "exact_duplicate") : nil
    }

    public func setInputOrder(_ order: [String: Int]) { recorder?.inputOrder = order }

    /// `[h1, h2]` of the normalized text (converted by `chinese` first), or `[]` when it is empty.
    public func prepare(_ document: Document) -> [UInt64] {
        let bytes = TextKit.normalizeForExact(keyConverter?.convert(document.text) ?? document.text, lowercase: options.lowercase,
                                              removePunctuation: options.removePunctuation,
                                              removeDigits: options.removeDigits,
                                              collapseWhitespace: options.collapseWhitespace)
        if bytes.isEmpty { return [] }
        let (a, b) = bytes.withUnsafeBytes { TextKit.hash128($0) }
        return [options.partitionByLanguage ? a ^ LanguagePartition.key(document) : a, b]
    }

    func loadFilter() throws {
        let st = try core.db.stmt("SELECT h1 FROM exact")
        while sqlite3_step(st) == SQLITE_ROW { filter.insert(UInt64(bitPattern: sqlite3_column_int64(st, 0))) }
        sqlite3_reset(st)
        filterLoaded = true
    }

    public func decide(_ document: inout Document, prepared: [UInt64], counters: inout StageCounters) -> StageVerdict {
        match = nil
        if let recorder {
            let (pos, ord) = recorder.next(document)
            guard prepared.count == 2 else { return .keep }
            do {
                try prepared.withUnsafeBytes { p in
                    try recorder.record(document, pos: pos, ord: ord, bands: UnsafeRawBufferPointer(rebasing: p[0..<8]), sig: p)
                }
                counters.add("exact_dedup_recorded")
            } catch {
                counters.add("exact_dedup_index_errors")
            }
            return .keep
        }
        guard prepared.count == 2 else { return .keep }
        do {
            try core.ensureWriting()
            if !filterLoaded { try loadFilter() }
            let h1 = Int64(bitPattern: prepared[0]), h2 = Int64(bitPattern: prepared[1])
            if filter.mayContain(prepared[0]) {
                let st = try core.db.stmt("SELECT doc_id, snippet FROM exact WHERE h1 = ? AND h2 = ?")
                core.db.bind(st, 1, h1); core.db.bind(st, 2, h2)
                if sqlite3_step(st) == SQLITE_ROW {
                    let kept = core.db.text(st, 0), keptSnippet = core.db.text(st, 1)
                    sqlite3_reset(st)
                    match = (kept, 1.0)
                    try core.recordPair(dropped: document.id, kept: kept, similarity: 1.0,
                                        droppedSnippet: TextKit.snippet(document.text), keptSnippet: keptSnippet)
                    return .drop(reason: "exact_duplicate")
                }
                sqlite3_reset(st)
            }
            let ins = try core.db.stmt("INSERT INTO exact(h1, h2, run, part, doc_id, snippet) VALUES(?,?,?,?,?,?)")
            core.db.bind(ins, 1, h1); core.db.bind(ins, 2, h2); core.db.bind(ins, 3, core.run); core.db.bind(ins, 4, core.part)
            core.db.bind(ins, 5, document.id); core.db.bind(ins, 6, TextKit.snippet(document.text))
            try core.db.run(ins)
            filter.insert(prepared[0])
        } catch {
            counters.add("exact_dedup_index_errors")
        }
        return .keep
    }

    /// The kept document the last dropped document duplicates (valid right after `decide` returned `.drop`).
    public func lastMatch() -> (keptID: String, similarity: Double)? { match }

    public func beginPart(_ part: Int) throws {
        try core.beginPart(part)
        recorder?.beginPart()
    }
    public func endPart(_ part: Int) throws { try core.commit() }
    public func resume(finishedParts: Set<Int>) throws {
        try core.resume(finishedParts: finishedParts)
        filter = KeyFilter(log2Bits: 24); filterLoaded = false
    }
    public func finish() throws {
        if recorder != nil { try core.commit(); return }
        try core.writeDuplicatesFile(kind: Self.type, extra: [:])
    }
}
