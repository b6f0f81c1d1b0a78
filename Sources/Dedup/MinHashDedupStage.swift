import DomainForgeCore
import Segmentation

/// `minhash_dedup`: near-duplicate removal with MinHash LSH, decided online in input order.
///
/// - Shingles: `ngram` consecutive normalized words (see `TextKit`: lowercased `\w+`-like words), hashed to 64
///   bits. Documents in a language written without spaces (Chinese, Japanese, ...) use n-grams of
///   `cjk_char_ngram` characters (`cjk_shingle: chars`, the default; `cjk_char_ngram` defaults to `ngram`) or
///   ICU's words (`cjk_shingle: words`); see `DedupWords`. A document with fewer words than `ngram`
///   has one shingle (all its words); a document with no words is kept and not indexed.
/// - Signature: `bands × rows` minimum hash values, one per permutation `h_i(x) = a_i·x + b_i mod 2^64` of the
///   mixed shingle hash (`a_i` odd, from a fixed seed, so signatures are reproducible across runs and machines).
/// - Candidates: the kept documents sharing at least one band (a hash of `rows` consecutive values) with this one.
/// - Decision: each candidate's similarity is the exact Jaccard of the two shingle sets (`verify_jaccard: true`;
///   shingles stored as sorted 32-bit hashes) or the fraction of equal signature values (the MinHash estimate).
///   The document is dropped as `near_duplicate` when the best similarity reaches `jaccard_threshold`; the most
///   similar kept document (earliest on ties) is recorded as the one it duplicates.
/// - Clusters: a dropped document is compared with kept documents only, so clusters are stars around the first
///   document of each group (greedy, no chaining: C similar to B similar to A but not to A is kept). This is
///   "keep the first by input order" in `mode: online` (the default).
/// - `mode: global`: every document is kept during the run and its band keys (and signature or shingles) are
///   recorded in `<stateDirectory>/global.sqlite`; `pipeline dedup-global` then links every candidate pair
///   reaching the threshold across all ranks, clusters them with union-find (so A~B~C is one cluster even when A
///   and C are not similar) and keeps one document per cluster (`keep: first | longest | priority`).
///
/// Files: `<index_path>` (SQLite WAL, default `<stateDirectory>/minhash.sqlite`): `docs` (kept documents with
/// signature and shingles), `bands`, `dups` (pairs); `run.json`; in `finish()` `duplicates.jsonl`, `summary.json`.
/// Memory: a 16 MiB bit filter of band keys in front of SQLite; the index itself lives on disk.
/// Counters: `minhash_candidates` (candidate comparisons), `minhash_no_words` (documents with no words). An index
/// error fails the part (`DedupIndexError`). A drop's details name the kept document and the similarity.
///
/// Layers: `MinHasher` (algorithm, on worker threads), `MinHashIndex` (storage), `DedupIndexRun` (part hooks,
/// global recording); this type decides.
///
/// Languages: `partition_by_language: true` mixes the document's language (`metadata.language`, else the CJK
/// script share, see `DocumentLanguage`; documents with neither form one partition) into every band key, so only
/// documents of one language are compared, as FineWeb-2 deduplicates each language apart. `record_cluster_size:
/// true` (`mode: global` only) writes `minhash_cluster_size` (members, keeper included) into the metadata of each
/// kept document of a cluster of two or more; in `mode: online` a document is written before its later
/// duplicates are seen, so the option is refused there.
public final class MinHashDedupStage: GlobalDedupStage, DedupStage {
    public static let type = "minhash_dedup"

    public struct Options: Codable, Sendable, Equatable, DedupOptions {
        public var ngram = 5
        public var bands = 14
        public var rows = 8
        public var verifyJaccard = false
        public var jaccardThreshold = 0.7
        public var seed = 1
        public var indexPath: String? = nil
        /// `online` (decide at once, keep the first) or `global` (cluster across all ranks after the run).
        public var mode = DedupMode.online
        /// Which document of a cluster survives; `longest` and `priority` need `mode: global`.
        public var keep = KeepPolicy.first
        /// The metadata key read by `keep: priority` (highest number wins).
        public var priorityField: String? = nil
        /// OpenCC conversion applied to the text the dedup key is computed from (`t2s`: Traditional and Simplified
        /// copies of one text get one key); the document's text is not changed. Default `none`.
        public var chinese = ChineseConverter.Conversion.none
        /// Compare only documents of the same language.
        public var partitionByLanguage = false
        /// Write `minhash_cluster_size` on cluster keepers (`mode: global`).
        public var recordClusterSize = false
        /// Tokens of Chinese, Japanese and other unspaced documents: ICU words or characters (`DedupWords`).
        public var cjkShingle = CJKShingle.chars
        /// Characters per shingle of unspaced documents with `cjk_shingle: chars`; nil: `ngram`.
        public var cjkCharNgram: Int? = nil
        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case ngram, bands, rows, verifyJaccard = "verify_jaccard", jaccardThreshold = "jaccard_threshold", seed
            case indexPath = "index_path", mode, keep, priorityField = "priority_field", chinese
            case partitionByLanguage = "partition_by_language", recordClusterSize = "record_cluster_size"
            case cjkShingle = "cjk_shingle", cjkCharNgram = "cjk_char_ngram"
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ngram = try c.value(.ngram, default: 5)
            bands = try c.value(.bands, default: 14)
            rows = try c.value(.rows, default: 8)
            verifyJaccard = try c.value(.verifyJaccard, default: false)
            jaccardThreshold = try c.value(.jaccardThreshold, default: 0.7)
            seed = try c.value(.seed, default: 1)
            indexPath = try c.value(.indexPath, default: nil as String?)
            mode = try c.value(.mode, default: .online)
            keep = try c.value(.keep, default: .first)
            priorityField = try c.value(.priorityField, default: nil as String?)
            chinese = try c.value(.chinese, default: .none)
            partitionByLanguage = try c.value(.partitionByLanguage, default: false)
            recordClusterSize = try c.value(.recordClusterSize, default: false)
            cjkShingle = try c.value(.cjkShingle, default: .chars)
            cjkCharNgram = try c.value(.cjkCharNgram, default: nil as Int?)
        }
        public func validate(type: String) throws {
            do { _ = try ChineseConverter.shared(chinese) } catch { throw DedupConfigError("stage '\(type)': chinese: \(error)") }
            try check(!recordClusterSize || mode == .global, type, "record_cluster_size",
                      "needs mode: global (online mode writes a document before its duplicates are seen)")
            try check((1...64).contains(ngram), type, "ngram", "must be 1...64")
            try check(cjkCharNgram.map { (1...64).contains($0) } ?? true, type, "cjk_char_ngram", "must be 1...64")
            try check((1...256).contains(bands), type, "bands", "must be 1...256")
            try check((1...64).contains(rows), type, "rows", "must be 1...64")
            try check(bands * rows <= 1024, type, "bands", "bands × rows must be at most 1024")
            try check(jaccardThreshold >= 0 && jaccardThreshold <= 1, type, "jaccard_threshold", "must be 0...1")
            try GlobalDedupRecorder.validate(type: type, mode: mode, keep: keep, priorityField: priorityField, indexPath: indexPath)
        }
    }

    public let name: String
    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("MinHash LSH near-duplicate removal on word n-gram shingles, decided online in input order: a document is compared with the documents kept before it and dropped (reason near_duplicate) when a candidate sharing a band reaches jaccard_threshold. Clusters are stars around the first document. With mode: global, candidate pairs reaching the threshold are clustered with union-find across all ranks after the run (a chain A~B~C is one cluster) and one document per cluster is kept (keep: first, longest or priority).", keys: Options.CodingKeys.self, [
        .integer(.ngram, min: 1, max: 64, "Words per shingle (normalized, lowercased words)."),
        .integer(.bands, min: 1, max: 256, "LSH bands. bands x rows permutations (at most 1024); 14 x 8 puts the S-curve threshold near 0.72 (FineWeb). For recall on Jaccard 0.7-0.8 use 20 x 5 with verify_jaccard."),
        .integer(.rows, min: 1, max: 64, "Signature values per band."),
        .bool(.verifyJaccard, "Verify candidates by exact Jaccard of the shingle sets (stored as sorted 32-bit hashes); otherwise the MinHash estimate (fraction of equal signature values) is compared with jaccard_threshold."),
        .number(.jaccardThreshold, min: 0, max: 1, "Minimum similarity (exact or estimated Jaccard) for a candidate to count as a duplicate."),
        .integer(.seed, "Seed of the permutations; an index only accepts the seed it was built with."),
    ] + DedupOptionText.sharedOptions(indexFile: "minhash.sqlite") + [
        .bool(.recordClusterSize, "mode: global only: write minhash_cluster_size (members, keeper included) into the metadata of each cluster's kept document."),
        .choice(.cjkShingle, ["words", "chars"], "Tokens of documents in a language written without spaces (metadata.language zh, ja, th, lo, km, my, else Chinese or Japanese by script share; eval items by script share): words = ICU's dictionary words (as the cleaning rules count them), in n-grams of ngram; chars = one token per character, in n-grams of cjk_char_ngram. Other documents always use the normalized words. Default: chars for minhash_dedup (better recall and precision on Chinese near-duplicates at ngram 5), words for decontaminate (a 13-gram of words is about 20 Chinese characters)."),
        .integer(.cjkCharNgram, min: 1, max: 64, "Characters per n-gram of unspaced documents with cjk_shingle: chars. Default: ngram (chars with the default is the behaviour before ICU words were offered)."),
    ])

    public let options: Options
    /// Shingles, signature and band keys, computed on worker threads.
    public let preparer: MinHasher
    let index: MinHashIndex
    let run: DedupIndexRun
    public let globalPlan: GlobalDedupPlan?

    public init(name: String = MinHashDedupStage.type, options: Options = Options(), stateDirectory: String,
                baseDirectory: String = "") throws {
        self.name = name
        self.options = options
        do {
            preparer = MinHasher(options: options, keyConverter: try ChineseConverter.shared(options.chinese))
        } catch {
            throw DedupConfigError("stage '\(name)': chinese: \(error)")
        }
        let global = options.mode == .global
        let path = global ? stateDirectory + "/" + GlobalDedupPlan.indexFileName
            : options.indexPath.map { DedupStageFactory.resolve($0, base: baseDirectory) } ?? stateDirectory + "/minhash.sqlite"
        let config = "ngram=\(options.ngram) bands=\(options.bands) rows=\(options.rows) seed=\(options.seed) verify=\(options.verifyJaccard) words=v1"
            + (options.partitionByLanguage ? " partition=language" : "")
            + GlobalDedupRecorder.configSuffix(mode: options.mode, keep: options.keep, priorityField: options.priorityField)
            + (options.chinese == .none ? "" : " chinese=\(options.chinese.rawValue)")
            + preparer.words.configSuffix
        let core = try IndexCore(indexPath: path, stateDirectory: stateDirectory, kind: Self.type, config: config,
                                 schema: MinHashIndex.schema + (global ? GlobalDedupRecorder.schema : ""),
                                 partTables: global ? ["docs", "bands", "gdocs"] : ["docs", "bands"])
        let index = MinHashIndex(core: core)
        self.index = index
        run = DedupIndexRun(stage: name, core: core, recorder: global ? GlobalDedupRecorder(core: core, priorityField: options.priorityField) : nil,
                            onResume: { index.reset() })
        globalPlan = global ? GlobalDedupPlan(stage: name, keep: options.keep, priorityField: options.priorityField,
                                              similarity: options.verifyJaccard ? .jaccard : .signature,
                                              threshold: options.jaccardThreshold, reason: "near_duplicate",
                                              clusterSizeField: options.recordClusterSize ? Self.clusterSizeField : nil) : nil
    }

    /// The metadata key of a keeper's cluster size (FineWeb-2's name).
    public static let clusterSizeField = "minhash_cluster_size"

    public func setInputOrder(_ order: [String: Int]) { run.recorder?.inputOrder = order }

    /// Drops a document whose most similar candidate reaches the threshold (`details` name it); indexes the others.
    /// With `mode: global`, records the band keys and the signature (or shingles) and keeps the document.
    public func decide(_ document: inout Document, prepared: MinHashSignature?, counters: inout StageCounters) throws -> StageVerdict {
        if prepared == nil { counters.add("minhash_no_words") }
        let record = prepared.map { p -> (bands: [UInt64], sig: [UInt8]) in
            (p.bandKeys, options.verifyJaccard ? p.shingles.withUnsafeBytes { Array($0) } : p.values.withUnsafeBytes { Array($0) })
        }
        return try run.decide(document, record: record, recordedCounter: "minhash_recorded", counters: &counters) { counters in
            guard let sig = prepared else { return .keep }
            try index.startWriting()
            let candidates = try index.candidates(sig.bandKeys)
            if !candidates.isEmpty {
                counters.add("minhash_candidates", candidates.count)
                if let best = try mostSimilar(sig, among: candidates) {
                    let kept = try index.document(row: best.row)
                    try run.core.recordPair(dropped: document.id, kept: kept.id, similarity: best.similarity,
                                            droppedSnippet: TextKit.snippet(document.text), keptSnippet: kept.snippet)
                    return .drop(reason: "near_duplicate", details: DropDetails(duplicateOf: kept.id, similarity: best.similarity))
                }
            }
            try index.insert(document, sig, withShingles: options.verifyJaccard)
            return .keep
        }
    }

    /// The candidate most similar to `sig` (earliest row on ties) if it reaches `jaccard_threshold`: exact Jaccard
    /// of the shingles with `verify_jaccard`, else the MinHash estimate.
    func mostSimilar(_ sig: MinHashSignature, among candidates: [Int64]) throws -> (row: Int64, similarity: Double)? {
        var best: (row: Int64, similarity: Double)?
        for row in candidates {
            let sim: Double
            if options.verifyJaccard {
                guard let other = try index.shingles(row: row) else { continue }
                sim = sig.shingles.withUnsafeBufferPointer { mine in other.withUnsafeBufferPointer { MinHasher.jaccard(mine, $0) } }
            } else {
                guard let other = try index.signature(row: row) else { continue }
                sim = MinHasher.estimate(sig.values, other)
            }
            if sim >= options.jaccardThreshold, best == nil || sim > best!.similarity { best = (row, sim) }
        }
        return best
    }

    public func beginPart(_ part: Int) throws { try run.beginPart(part) }
    public func endPart(_ part: Int) throws { try run.endPart() }
    public func resume(finishedParts: Set<Int>) throws { try run.resume(finishedParts: finishedParts) }
    public func finish() throws {
        try run.finish(kind: Self.type, summary: [
            "ngram": .int(Int64(options.ngram)), "bands": .int(Int64(options.bands)), "rows": .int(Int64(options.rows)),
            "verify_jaccard": .bool(options.verifyJaccard), "jaccard_threshold": .double(options.jaccardThreshold),
        ])
    }
}

extension MinHashDedupStage.Options.CodingKeys: DedupSharedKeys {}
