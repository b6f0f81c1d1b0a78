import CSQLite
import DomainForgeCore
import Segmentation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `minhash_dedup`: near-duplicate removal with MinHash LSH, decided online in input order.
///
/// - Shingles: `ngram` consecutive normalized words (see `TextKit`: lowercased `\w+`-like words, one word per
///   character in scripts written without spaces), hashed to 64 bits. A document with fewer words than `ngram`
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
/// Counters: `minhash_candidates` (candidate comparisons), `minhash_no_words` (documents with no words).
///
/// Languages: `partition_by_language: true` mixes the document's language (`metadata.language`, else the CJK
/// script share, see `DocumentLanguage`; documents with neither form one partition) into every band key, so only
/// documents of one language are compared, as FineWeb-2 deduplicates each language apart. `record_cluster_size:
/// true` (`mode: global` only) writes `minhash_cluster_size` (members, keeper included) into the metadata of each
/// kept document of a cluster of two or more; in `mode: online` a document is written before its later
/// duplicates are seen, so the option is refused there.
public final class MinHashDedupStage: GlobalDedupStage, @unchecked Sendable {
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
        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case ngram, bands, rows, verifyJaccard = "verify_jaccard", jaccardThreshold = "jaccard_threshold", seed
            case indexPath = "index_path", mode, keep, priorityField = "priority_field", chinese
            case partitionByLanguage = "partition_by_language", recordClusterSize = "record_cluster_size"
        }
        static var optionKeys: [String] { CodingKeys.allCases.map(\.rawValue) }
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
        }
        func validate(type: String) throws {
            do { _ = try ChineseConverter.shared(chinese) } catch { throw DedupConfigError("stage '\(type)': chinese: \(error)") }
            try check(!recordClusterSize || mode == .global, type, "record_cluster_size",
                      "needs mode: global (online mode writes a document before its duplicates are seen)")
            try check((1...64).contains(ngram), type, "ngram", "must be 1...64")
            try check((1...256).contains(bands), type, "bands", "must be 1...256")
            try check((1...64).contains(rows), type, "rows", "must be 1...64")
            try check(bands * rows <= 1024, type, "bands", "bands × rows must be at most 1024")
            try check(jaccardThreshold >= 0 && jaccardThreshold <= 1, type, "jaccard_threshold", "must be 0...1")
            try GlobalDedupRecorder.validate(type: type, mode: mode, keep: keep, priorityField: priorityField, indexPath: indexPath)
        }
    }

    public let name: String
    public let options: Options
    /// Converts the text the key is computed from (`chinese`); nil for `none`.
    let keyConverter: ChineseConverter?
    let core: IndexCore
    let numPerm: Int
    let permA: [UInt64]
    let permB: [UInt64]
    var filter = KeyFilter(log2Bits: 27)
    var filterLoaded = false
    var match: (keptID: String, similarity: Double)?
    let recorder: GlobalDedupRecorder?
    public let globalPlan: GlobalDedupPlan?

    public init(name: String = MinHashDedupStage.type, options: Options = Options(), stateDirectory: String,
                baseDirectory: String = "") throws {
        self.name = name
        self.options = options
        do {
            keyConverter = try ChineseConverter.shared(options.chinese)
        } catch {
            throw DedupConfigError("stage '\(name)': chinese: \(error)")
        }
        numPerm = options.bands * options.rows
        var s = UInt64(truncatingIfNeeded: options.seed) &* 0x9E3779B97F4A7C15 &+ 0x1234567
        var a = [UInt64](), b = [UInt64]()
        for _ in 0..<numPerm {
            s = s &+ 0x9E3779B97F4A7C15; a.append(TextKit.mix64(s) | 1)
            s = s &+ 0x9E3779B97F4A7C15; b.append(TextKit.mix64(s))
        }
        permA = a; permB = b
        let global = options.mode == .global
        let path = global ? stateDirectory + "/" + GlobalDedupPlan.indexFileName
            : options.indexPath.map { DedupStageFactory.resolve($0, base: baseDirectory) } ?? stateDirectory + "/minhash.sqlite"
        let config = "ngram=\(options.ngram) bands=\(options.bands) rows=\(options.rows) seed=\(options.seed) verify=\(options.verifyJaccard) words=v1"
            + (options.partitionByLanguage ? " partition=language" : "")
            + GlobalDedupRecorder.configSuffix(mode: options.mode, keep: options.keep, priorityField: options.priorityField)
            + (options.chinese == .none ? "" : " chinese=\(options.chinese.rawValue)")
        core = try IndexCore(indexPath: path, stateDirectory: stateDirectory, kind: Self.type, config: config, schema: """
            CREATE TABLE IF NOT EXISTS docs(row INTEGER PRIMARY KEY, run INTEGER NOT NULL, part INTEGER NOT NULL,
                doc_id TEXT NOT NULL, snippet TEXT NOT NULL, sig BLOB NOT NULL, shingles BLOB);
            CREATE TABLE IF NOT EXISTS bands(key INTEGER NOT NULL, row INTEGER NOT NULL, run INTEGER NOT NULL,
                part INTEGER NOT NULL, PRIMARY KEY(key, row)) WITHOUT ROWID;
            """ + (global ? GlobalDedupRecorder.schema : ""), partTables: global ? ["docs", "bands", "gdocs"] : ["docs", "bands"])
        recorder = global ? GlobalDedupRecorder(core: core, priorityField: options.priorityField) : nil
        globalPlan = global ? GlobalDedupPlan(stage: name, keep: options.keep, priorityField: options.priorityField,
                                              similarity: options.verifyJaccard ? .jaccard : .signature,
                                              threshold: options.jaccardThreshold, reason: "near_duplicate",
                                              clusterSizeField: options.recordClusterSize ? Self.clusterSizeField : nil) : nil
    }

    /// The metadata key of a keeper's cluster size (FineWeb-2's name).
    public static let clusterSizeField = "minhash_cluster_size"

    public func setInputOrder(_ order: [String: Int]) { recorder?.inputOrder = order }

    /// Shingle hashes (64-bit, unsorted, possibly repeated) of `text`.
    func shingles(_ text: String) -> [UInt64] {
        let words = TextKit.wordHashes(text)
        if words.isEmpty { return [] }
        let n = options.ngram
        return words.withUnsafeBufferPointer { w in
            let m = w.count < n ? 1 : w.count - n + 1
            return [UInt64](unsafeUninitializedCapacity: m) { buf, count in
                if w.count < n { buf[0] = TextKit.gramHash(w, 0, w.count) } else {
                    for i in 0..<m { buf[i] = TextKit.gramHash(w, i, n) }
                }
                count = m
            }
        }
    }

    /// Layout: `[shingleCount, numPerm signature values..., bands band keys..., packed 32-bit shingles...]`
    /// (shingles only with `verify_jaccard`); `[]` for a document without words.
    public func prepare(_ document: Document) -> [UInt64] {
        let sh = shingles(keyConverter?.convert(document.text) ?? document.text)
        if sh.isEmpty { return [] }
        let partition = options.partitionByLanguage ? LanguagePartition.key(document) : 0
        let np = numPerm
        var out = [UInt64](repeating: UInt64.max, count: 1 + np + options.bands)
        out[0] = UInt64(sh.count)
        out.withUnsafeMutableBufferPointer { o in
            let sig = UnsafeMutableBufferPointer(rebasing: o[1..<(1 + np)])
            permA.withUnsafeBufferPointer { a in
                permB.withUnsafeBufferPointer { b in
                    for x in sh {
                        for i in 0..<np {
                            let v = a[i] &* x &+ b[i]
                            if v < sig[i] { sig[i] = v }
                        }
                    }
                }
            }
            let r = options.rows
            for band in 0..<options.bands {
                var h: UInt64 = (0x243F6A8885A308D3 &+ UInt64(band) &* 0x9E3779B97F4A7C15) ^ partition
                for k in 0..<r { h = TextKit.mix64(h ^ sig[band * r + k]) }
                o[1 + np + band] = h
            }
        }
        if options.verifyJaccard {
            var s32 = sh.map { UInt32(truncatingIfNeeded: $0 >> 32) }
            radixSort(&s32)
            var u = 0
            for i in 0..<s32.count where i == 0 || s32[i] != s32[i - 1] { s32[u] = s32[i]; u += 1 }
            s32.removeLast(s32.count - u)
            if s32.count & 1 == 1 { s32.append(UInt32.max) } // padding, ignored via the count
            out[0] = UInt64(u)
            out.reserveCapacity(out.count + s32.count / 2)
            for i in stride(from: 0, to: s32.count, by: 2) { out.append(UInt64(s32[i]) | UInt64(s32[i + 1]) << 32) }
        }
        return out
    }

    func loadFilter() throws {
        let st = try core.db.stmt("SELECT key FROM bands")
        while sqlite3_step(st) == SQLITE_ROW { filter.insert(UInt64(bitPattern: sqlite3_column_int64(st, 0))) }
        sqlite3_reset(st)
        filterLoaded = true
    }

    static func jaccard(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        var i = 0, j = 0, inter = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x == y { inter += 1; i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
        }
        return Double(inter) / Double(a.count + b.count - inter)
    }

    public func decide(_ document: inout Document, prepared: [UInt64], counters: inout StageCounters) -> StageVerdict {
        match = nil
        let np = numPerm, nb = options.bands
        if let recorder {
            let (pos, ord) = recorder.next(document)
            guard !prepared.isEmpty else { counters.add("minhash_no_words"); return .keep }
            do {
                try prepared.withUnsafeBytes { p in
                    let bands = UnsafeRawBufferPointer(rebasing: p[((1 + np) * 8)..<((1 + np + nb) * 8)])
                    let start = (1 + np + nb) * 8
                    let sig = options.verifyJaccard ? UnsafeRawBufferPointer(rebasing: p[start..<(start + Int(prepared[0]) * 4)])
                        : UnsafeRawBufferPointer(rebasing: p[8..<((1 + np) * 8)])
                    try recorder.record(document, pos: pos, ord: ord, bands: bands, sig: sig)
                }
                counters.add("minhash_recorded")
            } catch {
                counters.add("minhash_index_errors")
            }
            return .keep
        }
        guard !prepared.isEmpty else { counters.add("minhash_no_words"); return .keep }
        do {
            try core.ensureWriting()
            if !filterLoaded { try loadFilter() }
            var candidates = [Int64]()
            let q = try core.db.stmt("SELECT row FROM bands WHERE key = ?")
            for band in 0..<nb {
                let key = prepared[1 + np + band]
                guard filter.mayContain(key) else { continue }
                core.db.bind(q, 1, Int64(bitPattern: key))
                while sqlite3_step(q) == SQLITE_ROW { candidates.append(sqlite3_column_int64(q, 0)) }
                sqlite3_reset(q)
            }
            if !candidates.isEmpty {
                candidates.sort()
                var u = 0
                for i in 0..<candidates.count where i == 0 || candidates[i] != candidates[i - 1] { candidates[u] = candidates[i]; u += 1 }
                candidates.removeLast(candidates.count - u)
                counters.add("minhash_candidates", candidates.count)
                var best: (row: Int64, sim: Double)?
                let sel = try core.db.stmt(options.verifyJaccard ? "SELECT shingles FROM docs WHERE row = ?"
                                                                  : "SELECT sig FROM docs WHERE row = ?")
                let mineCount = Int(prepared[0])
                for row in candidates {
                    core.db.bind(sel, 1, row)
                    guard sqlite3_step(sel) == SQLITE_ROW else { sqlite3_reset(sel); continue }
                    let sim: Double
                    if options.verifyJaccard {
                        let other = core.db.blobUInt32(sel, 0)
                        sim = prepared.withUnsafeBufferPointer { p in
                            UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(p)[((1 + np + nb) * 8)...])
                                .withMemoryRebound(to: UInt32.self) { mine in
                                    other.withUnsafeBufferPointer { Self.jaccard(UnsafeBufferPointer(rebasing: mine[0..<mineCount]), $0) }
                                }
                        }
                    } else {
                        let other = core.db.blobUInt64(sel, 0)
                        var eq = 0
                        if other.count == np { for i in 0..<np where other[i] == prepared[1 + i] { eq += 1 } }
                        sim = Double(eq) / Double(np)
                    }
                    sqlite3_reset(sel)
                    if sim >= options.jaccardThreshold, best == nil || sim > best!.sim { best = (row, sim) }
                }
                if let best {
                    let st = try core.db.stmt("SELECT doc_id, snippet FROM docs WHERE row = ?")
                    core.db.bind(st, 1, best.row)
                    _ = sqlite3_step(st)
                    let kept = core.db.text(st, 0), keptSnippet = core.db.text(st, 1)
                    sqlite3_reset(st)
                    match = (kept, best.sim)
                    try core.recordPair(dropped: document.id, kept: kept, similarity: best.sim,
                                        droppedSnippet: TextKit.snippet(document.text), keptSnippet: keptSnippet)
                    return .drop(reason: "near_duplicate")
                }
            }
            // Keep: index it.
            let ins = try core.db.stmt("INSERT INTO docs(run, part, doc_id, snippet, sig, shingles) VALUES(?,?,?,?,?,?)")
            core.db.bind(ins, 1, core.run); core.db.bind(ins, 2, core.part); core.db.bind(ins, 3, document.id)
            core.db.bind(ins, 4, TextKit.snippet(document.text))
            prepared.withUnsafeBytes { p in
                core.db.bindBlob(ins, 5, UnsafeRawBufferPointer(rebasing: p[8..<((1 + np) * 8)]))
                if options.verifyJaccard {
                    let start = (1 + np + nb) * 8
                    core.db.bindBlob(ins, 6, UnsafeRawBufferPointer(rebasing: p[start..<(start + Int(prepared[0]) * 4)]))
                }
            }
            try core.db.run(ins)
            let row = sqlite3_last_insert_rowid(core.db.db)
            let bi = try core.db.stmt("INSERT OR IGNORE INTO bands(key, row, run, part) VALUES(?,?,?,?)")
            for band in 0..<nb {
                let key = prepared[1 + np + band]
                core.db.bind(bi, 1, Int64(bitPattern: key)); core.db.bind(bi, 2, row)
                core.db.bind(bi, 3, core.run); core.db.bind(bi, 4, core.part)
                try core.db.run(bi)
                filter.insert(key)
            }
        } catch {
            counters.add("minhash_index_errors")
        }
        return .keep
    }

    /// The kept document the last dropped document duplicates, and their similarity (exact Jaccard with
    /// `verify_jaccard`, else the MinHash estimate). Valid right after `decide` returned `.drop`.
    public func lastMatch() -> (keptID: String, similarity: Double)? { match }

    public func beginPart(_ part: Int) throws {
        try core.beginPart(part)
        recorder?.beginPart()
    }
    public func endPart(_ part: Int) throws { try core.commit() }
    public func resume(finishedParts: Set<Int>) throws {
        try core.resume(finishedParts: finishedParts)
        filter = KeyFilter(log2Bits: 27); filterLoaded = false
    }
    public func finish() throws {
        if recorder != nil { try core.commit(); return }
        try core.writeDuplicatesFile(kind: Self.type, extra: [
            "ngram": .int(Int64(options.ngram)), "bands": .int(Int64(options.bands)), "rows": .int(Int64(options.rows)),
            "verify_jaccard": .bool(options.verifyJaccard), "jaccard_threshold": .double(options.jaccardThreshold),
        ])
    }
}
