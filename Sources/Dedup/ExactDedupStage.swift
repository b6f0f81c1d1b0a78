import DomainForgeCore
import Segmentation

/// `exact_dedup`: drops a document whose normalized text has the same 128-bit hash (MurmurHash3 x64-128) as a
/// document kept earlier (in input order, this run or an earlier run sharing `index_path`). The first one is kept.
///
/// Reason: `exact_duplicate`, with the kept document's id in the drop's details (similarity 1). Counters: none
/// besides kept/dropped; an index error fails the part (`DedupIndexError`).
/// Files: `<index_path>` (SQLite, default `<stateDirectory>/exact.sqlite`), `run.json`, and in `finish()`
/// `duplicates.jsonl` and `summary.json`.
///
/// With `mode: global` the stage keeps every document and records its hash in `<stateDirectory>/global.sqlite`;
/// `pipeline dedup-global` later keeps one document per group of equal hashes (`keep: first | longest |
/// priority`) across all ranks and removes the others (see `DedupMode`, `GlobalDedupClusterer`).
public final class ExactDedupStage: GlobalDedupStage, DedupStage {
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

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case lowercase, removePunctuation = "remove_punctuation", removeDigits = "remove_digits"
            case collapseWhitespace = "collapse_whitespace", indexPath = "index_path"
            case mode, keep, priorityField = "priority_field", chinese, partitionByLanguage = "partition_by_language"
        }
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
        public func validate(type: String) throws {
            do { _ = try ChineseConverter.shared(chinese) } catch { throw DedupConfigError("stage '\(type)': chinese: \(error)") }
            try GlobalDedupRecorder.validate(type: type, mode: mode, keep: keep, priorityField: priorityField, indexPath: indexPath)
        }
    }

    public let name: String
    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Drops documents whose normalized text has the same 128-bit hash (MurmurHash3 x64-128) as a document kept earlier in input order (reason exact_duplicate); the first is kept. Ordered stage. With mode: global, the groups are decided across all ranks after the run (keep: first, longest or priority).", keys: Options.CodingKeys.self, [
        .bool(.lowercase, "Lowercase before hashing (ASCII, Latin-1/Extended-A, Greek, Cyrillic)."),
        .bool(.removePunctuation, "Remove ASCII punctuation/symbols and Unicode punctuation/symbol ranges before hashing."),
        .bool(.removeDigits, "Remove ASCII digits before hashing."),
        .bool(.collapseWhitespace, "Collapse whitespace runs (ASCII and Unicode spaces) to one space and trim."),
    ] + DedupOptionText.sharedOptions(indexFile: "exact.sqlite"))

    public let options: Options
    /// The key computation, run on worker threads.
    public let preparer: ExactKeyer
    let index: ExactIndex
    let run: DedupIndexRun
    public let globalPlan: GlobalDedupPlan?

    public init(name: String = ExactDedupStage.type, options: Options = Options(), stateDirectory: String,
                baseDirectory: String = "") throws {
        self.name = name
        self.options = options
        do {
            preparer = ExactKeyer(options: options, keyConverter: try ChineseConverter.shared(options.chinese))
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
        let core = try IndexCore(indexPath: path, stateDirectory: stateDirectory, kind: Self.type, config: config,
                                 schema: ExactIndex.schema + (global ? GlobalDedupRecorder.schema : ""),
                                 partTables: global ? ["exact", "gdocs"] : ["exact"])
        let index = ExactIndex(core: core)
        self.index = index
        run = DedupIndexRun(stage: name, core: core, recorder: global ? GlobalDedupRecorder(core: core, priorityField: options.priorityField) : nil,
                            onResume: { index.reset() })
        globalPlan = global ? GlobalDedupPlan(stage: name, keep: options.keep, priorityField: options.priorityField,
                                              similarity: .exact, threshold: 1, reason: "exact_duplicate") : nil
    }

    public func setInputOrder(_ order: [String: Int]) { run.recorder?.inputOrder = order }

    /// Drops a document whose key a kept document has (`details` name it); indexes the others. With `mode: global`,
    /// records the key and keeps the document.
    public func decide(_ document: inout Document, prepared key: ExactKey?, counters: inout StageCounters) throws -> StageVerdict {
        try run.decide(document, record: key.map { ([$0.h1], [$0.h1, $0.h2]) }, recordedCounter: "exact_dedup_recorded",
                       counters: &counters) { counters in
            guard let key else { return .keep }
            try index.startWriting()
            if let kept = try index.find(key) {
                try run.core.recordPair(dropped: document.id, kept: kept.id, similarity: 1.0,
                                        droppedSnippet: TextKit.snippet(document.text), keptSnippet: kept.snippet)
                return .drop(reason: "exact_duplicate", details: DropDetails(duplicateOf: kept.id, similarity: 1.0))
            }
            try index.insert(key, document)
            return .keep
        }
    }

    public func beginPart(_ part: Int) throws { try run.beginPart(part) }
    public func endPart(_ part: Int) throws { try run.endPart() }
    public func resume(finishedParts: Set<Int>) throws { try run.resume(finishedParts: finishedParts) }
    public func finish() throws { try run.finish(kind: Self.type, summary: [:]) }
}

extension ExactDedupStage.Options.CodingKeys: DedupSharedKeys {}
