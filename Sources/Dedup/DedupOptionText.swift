import DomainForgeCore

/// The descriptions of the options the index-backed dedup stages share, written once so that their schemas say the
/// same thing (each stage's `StageSchema` uses them).
enum DedupOptionText {
    /// `index_path`, whose default file inside the stage's state folder is `file`.
    static func indexPath(default file: String) -> String {
        "SQLite index file (WAL), relative to the config's folder. Default \(file) inside the stage's state folder. Point a later run at an earlier run's index to deduplicate against it without re-reading old documents (settings must match)."
    }

    static let mode = "online: decide at once on the writer thread, comparing with the documents kept before (keep the first; each rank deduplicates its own share). global: keep every document during the run and record it in the rank's index; pipeline dedup-global OUT (run by pipeline run itself with one rank) clusters all ranks' documents with union-find, keeps one per cluster by keep and removes the others (reason in rejects/<part>-global.jsonl, stats stage <type>_global). The result does not depend on --world-size. A global stage must be the last stage: run tokenize/shard in a second pipeline over its documents/ output. index_path cannot be used with global."

    static let keep = "Which document of a duplicate cluster survives: first (input order: sorted input files, then position), longest (most UTF-8 bytes of text) or priority (highest number in metadata field priority_field; documents without one rank lowest). Ties go to the first in input order. longest and priority need mode: global."

    static let priorityField = "With keep: priority, the metadata key holding the priority (a number, a numeric string or a boolean); the highest wins. Required with keep: priority and only allowed with it."

    /// The OpenCC conversions `chinese` takes.
    static let chineseValues = ["none", "t2s", "s2t", "tw2s", "s2tw", "hk2s", "s2hk", "tw2sp", "s2twp"]

    static let chinese = "OpenCC conversion applied to the text the dedup key is computed from: t2s makes Traditional (zh_TW) and Simplified (zh_CN) copies of one text duplicates. The written text is not changed."

    static let partitionByLanguage = "Compare only documents of the same language (metadata.language, else CJK detected by script share; documents with neither form one group), as FineWeb-2 deduplicates per language."
}

/// The option keys the index-backed dedup stages share: cases of each stage's `CodingKeys`.
protocol DedupSharedKeys: CodingKey {
    static var indexPath: Self { get }
    static var mode: Self { get }
    static var keep: Self { get }
    static var priorityField: Self { get }
    static var chinese: Self { get }
    static var partitionByLanguage: Self { get }
}

extension DedupOptionText {
    /// The schema entries of the shared options, in the order both stages list them; `indexFile` is the index's
    /// default file name.
    static func sharedOptions<K: DedupSharedKeys>(indexFile: String) -> [OptionSchema.Keyed<K>] {
        [
            .string(.indexPath, DedupOptionText.indexPath(default: indexFile)),
            .choice(.mode, ["online", "global"], typed: true, DedupOptionText.mode),
            .choice(.keep, ["first", "longest", "priority"], typed: true, DedupOptionText.keep),
            .string(.priorityField, minLength: 1, DedupOptionText.priorityField),
            .choice(.chinese, DedupOptionText.chineseValues, DedupOptionText.chinese),
            .bool(.partitionByLanguage, DedupOptionText.partitionByLanguage),
        ]
    }
}
