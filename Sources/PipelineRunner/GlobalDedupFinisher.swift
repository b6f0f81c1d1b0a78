#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dedup
import DomainForgeCore
import Foundation

/// The finishing step of a `mode: global` dedup stage (`pipeline dedup-global OUT`, run by `pipeline run` itself
/// when the world size is 1): clusters every rank's recorded documents (`GlobalDedupClusterer`), then removes the
/// non-keepers from each part's documents file.
///
/// Per part with removals: the documents file as the run wrote it is kept as a hard link in
/// `state/dedup-global/` (the original), the filtered file and `rejects/<part>-global.jsonl[.zst]` (reason,
/// `duplicate_of`, `similarity`, stage `<stage>_global`) are written under temporary names from the original and
/// renamed into place, then a marker records the part as done and the original is removed. A rerun skips done parts,
/// and a step killed at any point and run again reads the original, so the files end byte-identical. A part redone
/// by `pipeline run` loses its marker (`forgetPart`). Writes `dedup/<stage>_global/clusters.jsonl` for
/// `dedup-report` and `stats/dedup-global.json` for `pipeline stats`.
public enum GlobalDedupFinisher {
    /// What the step did.
    public struct Summary: Sendable {
        public var recorded: Int
        public var comparisons: Int
        public var clusters: Int
        public var dropped: Int
        public var partsRewritten: Int
        public var stats: GlobalDedupStats
    }

    static func stateDir(_ out: String) -> String { "\(out)/state/dedup-global" }
    static func partName(rank: Int, part: Int) -> String { "r\(String(format: "%05d", rank))-p\(String(format: "%05d", part))" }

    /// Removes a part's marker and saved original (the run is about to write the part again).
    static func forgetPart(outputDir: String, name: String, docExt: String) {
        unlink("\(stateDir(outputDir))/\(name).done")
        unlink("\(stateDir(outputDir))/\(name)\(docExt)")
    }

    /// Runs the step over `outputDir`. `worldSize`, when given, must match the run's. Takes every rank's lock
    /// (`PipelineExecutor.lockOutput`) for the duration, except those in `holding` (locks the caller already has).
    /// Throws `GlobalDedupError` when a rank has not finished or the folder has no global dedup stage, and
    /// `OutputLockError` when a rank is still being written.
    @discardableResult
    /// - Parameter splits: when the clustering was split over jobs (`linkSplit`), the number of splits whose links to merge.
    public static func run(outputDir out: String, worldSize: Int? = nil, holding: [OutputLock] = [], splits: Int? = nil,
                           log: (String) -> Void = { _ in }) throws -> Summary {
        let job = try finishedJob(outputDir: out, worldSize: worldSize)
        let ws = job.worldSize
        let locks = try lockRanks(outputDir: out, worldSize: ws, holding: holding)
        defer { locks.forEach { $0.release() } }
        let indexes = indexPaths(out, job)
        // Phases 2 and 3 (GlobalDedupPhase.link, .cluster): links (merged from the split jobs, or made here), clusters.
        let result: GlobalDedupResult
        if let n = splits {
            let links = (0..<n).map { linksDir(out, job) + "/" + GlobalDedupLinks.fileName(split: $0, of: n) }
            result = try GlobalDedupClusterer.cluster(plan: job.plan, indexes: indexes, links: links)
        } else {
            result = try GlobalDedupClusterer.cluster(plan: job.plan, indexes: indexes)
        }
        try result.writeReport(directory: "\(out)/dedup/\(job.plan.stage)_global")
        try makeDirectory(stateDir(out))
        AtomicOutputFile.removeLeftovers(in: stateDir(out))
        // Phase 4 (GlobalDedupPhase.filter): every part with removals or cluster sizes is rewritten.
        var ranks = [GlobalDedupStats.Rank]()
        var rewritten = 0
        let keepers = keeperSizes(result)
        for r in 0..<ws {
            var rank = GlobalDedupStats.Rank(rank: r, dropped: 0, outputBytesDelta: 0)
            for key in Set(result.drops.keys).union(keepers.keys).filter({ $0.rank == r }).sorted() {
                let drops = result.drops[key] ?? []
                let (delta, did) = try rewrite(out: out, job: job, name: partName(rank: r, part: key.part), drops: drops,
                                               keepers: keepers[key] ?? [:])
                rank.dropped += drops.count
                rank.outputBytesDelta += delta
                if did { rewritten += 1 }
            }
            ranks.append(rank)
        }
        let stats = GlobalDedupStats(stage: job.plan.stage + "_global", reason: job.plan.reason, ranks: ranks)
        let f = try AtomicOutputFile(path: "\(out)/stats/\(GlobalDedupStats.fileName)")
        try f.write(Array(try StatsCoding.encoder(pretty: true).encode(stats)) + [10])
        try f.commit()
        log("dedup-global: \(result.recorded) documents recorded, \(result.comparisons) candidate pairs compared, "
            + "\(result.clusters.count) clusters, \(result.droppedTotal) removed (\(job.plan.reason)), \(rewritten) parts rewritten")
        return Summary(recorded: result.recorded, comparisons: result.comparisons, clusters: result.clusters.count,
                       dropped: result.droppedTotal, partsRewritten: rewritten, stats: stats)
    }

    /// Phase 2 (`GlobalDedupPhase.link`) of a split step (`linkSplit`): the links of split `split` of `splits`, written to
    /// `OUT/dedup/<stage>_global/links/`. Reads the ranks' indexes only, so the splits run at once as separate jobs;
    /// `run(outputDir:splits:)` then merges them and rewrites the parts.
    @discardableResult
    public static func linkSplit(outputDir out: String, worldSize: Int? = nil, split: Int, of splits: Int) throws -> (links: Int, comparisons: Int) {
        guard splits >= 1, (0..<splits).contains(split) else {
            throw GlobalDedupError("--split \(split)/\(splits): the split must be between 0 and the number of splits - 1")
        }
        let job = try finishedJob(outputDir: out, worldSize: worldSize)
        let writer = try GlobalDedupLinks.Writer(directory: linksDir(out, job), split: split, of: splits)
        let comparisons = try GlobalDedupClusterer.link(plan: job.plan, indexes: indexPaths(out, job), split: split, of: splits, writer: writer)
        try writer.finish(comparisons: comparisons)
        return (writer.pairs, comparisons)
    }

    /// The run's global dedup job, once every rank has finished.
    static func finishedJob(outputDir out: String, worldSize: Int?) throws -> GlobalDedupJob {
        let job = try GlobalDedupJob.load(outputDir: out)
        if let w = worldSize, w != job.worldSize {
            throw GlobalDedupError("\(out) was run with --world-size \(job.worldSize), not \(w); pass --world-size \(job.worldSize) or leave it out")
        }
        let ws = job.worldSize
        let missing = (0..<ws).filter { !FileManager.default.fileExists(atPath: "\(out)/completions/rank-\(String(format: "%05d", $0))") }
        if !missing.isEmpty {
            throw GlobalDedupError("rank(s) \(missing.map(String.init).joined(separator: ", ")) of \(ws) have not finished; run them "
                                   + "(pipeline run CONFIG --rank i --world-size \(ws)) and then pipeline dedup-global \(out)")
        }
        return job
    }

    /// Each rank's index of the global stage.
    static func indexPaths(_ out: String, _ job: GlobalDedupJob) -> [(rank: Int, path: String)] {
        let ws = job.worldSize
        return (0..<ws).map { r in
            (rank: r, path: (ws == 1 ? "\(out)/dedup/\(job.stageType)" : "\(out)/dedup/rank-\(String(format: "%05d", r))/\(job.stageType)")
                + "/" + GlobalDedupPlan.indexFileName)
        }
    }

    static func linksDir(_ out: String, _ job: GlobalDedupJob) -> String { "\(out)/dedup/\(job.plan.stage)_global/links" }

    /// Takes the lock of every rank whose lock is not among `holding`.
    static func lockRanks(outputDir out: String, worldSize: Int, holding: [OutputLock]) throws -> [OutputLock] {
        let held = Set(holding.filter(\.isHeld).map(\.path))
        var taken = [OutputLock]()
        for r in 0..<worldSize where !held.contains(PipelineExecutor.lockPath(out, rank: r)) {
            taken.append(try PipelineExecutor.lockOutput(out, rank: r))
        }
        return taken
    }

    /// The marker of a done part: the decision's fingerprint and the size change, so a rerun can skip it.
    struct Marker: Codable, Equatable {
        var decision: String
        var bytesDelta: Int
        enum CodingKeys: String, CodingKey { case decision, bytesDelta = "bytes_delta" }
    }

    /// Positions and cluster sizes of the keepers, per part, when the plan records cluster sizes (else empty).
    static func keeperSizes(_ result: GlobalDedupResult) -> [GlobalDedupResult.PartKey: [Int: Int]] {
        guard result.plan.clusterSizeField != nil else { return [:] }
        var out = [GlobalDedupResult.PartKey: [Int: Int]]()
        for c in result.clusters {
            out[.init(rank: c.keeper.rank, part: c.keeper.part), default: [:]][c.keeper.position] = c.members.count
        }
        return out
    }

    /// The document line `bytes` with `metadata[field] = size` (the document writer's layout).
    static func withClusterSize(_ bytes: [UInt8], field: String, size: Int, docsPath: String, line: Int) throws -> [UInt8] {
        guard let v = try? JSONParser.parse(bytes: bytes), let id = v["id"]?.stringValue, let text = v["text"]?.stringValue else {
            throw GlobalDedupError("line \(line + 1) of \(docsPath) is not a document; the file was changed after the run: "
                                   + "run the pipeline again in a new output folder")
        }
        var metadata = v["metadata"]?.objectValue ?? [:]
        metadata[field] = .int(Int64(size))
        var out = [UInt8]()
        JSONWriter.writeDocument(Document(id: id, text: text, source: metadata["source"]?.stringValue ?? "", metadata: metadata),
                                 into: &out)
        out.removeLast()  // the newline, added by the caller
        return out
    }

    /// Filters one part (and writes keepers' cluster sizes); returns the documents file's size change and whether it
    /// was rewritten now.
    static func rewrite(out: String, job: GlobalDedupJob, name: String, drops: [GlobalDedupResult.Drop],
                        keepers: [Int: Int] = [:]) throws -> (Int, Bool) {
        var fp = [UInt8]()
        for d in drops { fp += Array("\(d.position)\t\(d.keptID)\t\(d.similarity)\n".utf8) }
        for (position, size) in keepers.sorted(by: { $0.key < $1.key }) { fp += Array("k\(position)\t\(size)\n".utf8) }
        let decision = String(Hashing.fnv1a64(fp), radix: 16) + "-\(drops.count)"
        let markerPath = "\(stateDir(out))/\(name).done"
        let original = "\(stateDir(out))/\(name)\(job.docExt)"
        let docsPath = "\(out)/documents/\(name)\(job.docExt)"
        if let d = FileManager.default.contents(atPath: markerPath), let m = try? JSONDecoder().decode(Marker.self, from: d) {
            guard m.decision == decision else {
                throw GlobalDedupError("part \(name) was already filtered by an earlier dedup-global that removed other documents "
                                       + "(the ranks' indexes changed since); start over in a new output folder")
            }
            unlink(original)
            return (m.bytesDelta, false)
        }
        if !FileManager.default.fileExists(atPath: original) {
            guard FileManager.default.fileExists(atPath: docsPath) else {
                throw GlobalDedupError("\(docsPath) is missing; run the pipeline again to rewrite the part, then dedup-global")
            }
            if link(docsPath, original) != 0 {
                let tmp = original + ".tmp-\(getpid())-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
                try FileManager.default.copyItem(atPath: docsPath, toPath: tmp)
                guard rename(tmp, original) == 0 else {
                    unlink(tmp)
                    throw OutputError(path: original, message: String(cString: strerror(errno)))
                }
            }
        }
        let before = (try? FileManager.default.attributesOfItem(atPath: original)[.size] as? Int) ?? 0
        let docs = try AtomicOutputFile(path: docsPath, zstdLevel: job.zstdLevel)
        let rejects = job.writeRejects
            ? try AtomicOutputFile(path: "\(out)/rejects/\(name)-global\(job.docExt)", zstdLevel: job.zstdLevel.map { _ in 1 }) : nil
        let reader = LineReader(source: try openByteSource(path: original, displayName: original), maxLineBytes: 1 << 30)
        var k = 0, line = 0
        var buf = [UInt8](), rbuf = [UInt8]()
        while let rec = try reader.next() {
            if k < drops.count && drops[k].position == line {
                let d = drops[k]
                guard let v = try? JSONParser.parse(bytes: rec.bytes), v["id"]?.stringValue == d.id else {
                    throw GlobalDedupError("line \(line + 1) of \(docsPath) is not document '\(d.id)' recorded by the dedup index; "
                                           + "the file was changed after the run: run the pipeline again in a new output folder")
                }
                let doc = Document(id: d.id, text: v["text"]?.stringValue ?? "", source: v["metadata"]?["source"]?.stringValue ?? "")
                PipelineExecutor.writeReject(doc, stage: job.plan.stage + "_global", reason: job.plan.reason,
                                             details: DropDetails(duplicateOf: d.keptID, similarity: d.similarity), into: &rbuf)
                k += 1
            } else if let size = keepers[line], let field = job.plan.clusterSizeField {
                buf += try withClusterSize(rec.bytes, field: field, size: size, docsPath: docsPath, line: line)
                buf.append(10)
            } else {
                buf += rec.bytes
                buf.append(10)
            }
            line += 1
            if buf.count >= 1 << 20 { try docs.write(buf); buf.removeAll(keepingCapacity: true) }
            if rbuf.count >= 1 << 20 { try rejects?.write(rbuf); rbuf.removeAll(keepingCapacity: true) }
        }
        guard k == drops.count else {
            throw GlobalDedupError("\(docsPath) has \(line) documents, fewer than the dedup index recorded; the file was changed after "
                                   + "the run: run the pipeline again in a new output folder")
        }
        try docs.write(buf)
        try rejects?.write(rbuf)
        try rejects?.commit()
        try docs.commit()
        let after = (try? FileManager.default.attributesOfItem(atPath: docsPath)[.size] as? Int) ?? 0
        let marker = try AtomicOutputFile(path: markerPath)
        try marker.write(Array(try JSONEncoder().encode(Marker(decision: decision, bytesDelta: after - before))))
        try marker.commit()
        unlink(original)
        return (after - before, true)
    }
}
