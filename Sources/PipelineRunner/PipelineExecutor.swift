#if canImport(Glibc)
import Glibc
#endif
import DomainForgeCore
import Foundation
import PipelineConfig
import Dedup
import Shards

/// A fatal run problem (not a per-document one): the message says what to do.
public struct RunError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Runs a pipeline for one rank: reads the rank's share of the sorted inputs part by part, decodes and processes
/// documents on `workers` threads, and writes each part's output in input order under a temporary name, then renames
/// it and records the part as finished in the run state. A killed run started again skips finished parts and redoes
/// the others, so its output is byte-identical to an uninterrupted run.
///
/// Output folder layout: `documents/` (kept, `{"id","text","metadata"}` JSONL), `rejects/` (dropped documents with
/// `stage` and `reason`), `errors/` (unreadable records with file, line, offset), `state/rank-NNNNN.sqlite`,
/// `stats/rank-NNNNN.json` and `completions/rank-NNNNN` (written last). While it runs, the rank holds
/// `state/rank-NNNNN.lock` (`OutputLock`), so a second process on the same folder and rank refuses at once.
public final class PipelineExecutor: @unchecked Sendable {
    public struct Options: Sendable {
        public var rank = 0
        public var worldSize = 1
        /// Overrides `execution.workers`.
        public var workers: Int?
        /// Show a progress line on standard error (a TTY).
        public var progress = false
        /// Stop after this many parts (for tests of resume; nil runs everything).
        public var maxParts: Int?
        /// On resume, accept a finished input whose size and mtime are unchanged without hashing it again.
        public var trustMtime = false
        public init() {}
    }

    let spec: PipelineSpec
    let steps: [PipelineStep]
    let ordered: [any OrderedStage]
    let shardOutput: ShardOutput?
    /// The `mode: global` dedup stage (the last step), if any.
    let globalStage: (any GlobalDedupStage)?
    let options: Options
    let decoder: RecordDecoder
    /// The rank's lock, when the caller took it before building the stages (`lockOutput`).
    let heldLock: OutputLock?
    let log: @Sendable (String) -> Void

    public convenience init(spec: PipelineSpec, stages: [any DocumentStage], options: Options = .init(),
                            log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws {
        try self.init(spec: spec, plan: StagePlan(stages: stages), options: options, log: log)
    }

    /// - Parameter lock: this rank's lock from `lockOutput`, when the caller took it already (before building stages
    ///   that write state into the output folder); nil makes `run()` take it.
    public init(spec: PipelineSpec, plan: StagePlan, options: Options = .init(), lock: OutputLock? = nil,
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws {
        guard options.worldSize >= 1, options.rank >= 0, options.rank < options.worldSize else {
            throw RunError("--rank must be in 0..<--world-size (got rank \(options.rank), world size \(options.worldSize))")
        }
        self.spec = spec
        self.steps = plan.steps
        self.ordered = plan.steps.compactMap { if case .ordered(let o) = $0 { return o } else { return nil } }
        self.shardOutput = plan.shards
        self.globalStage = plan.globalDedup
        self.options = options
        self.log = log
        self.heldLock = lock
        self.decoder = try RecordDecoder(spec: spec)
    }

    var out: String { spec.output.path }
    var rankTag: String { String(format: "%05d", options.rank) }
    func partName(_ p: Int) -> String { "r\(rankTag)-p\(String(format: "%05d", p))" }
    var docExt: String { spec.output.zstdLevel != nil ? ".jsonl.zst" : ".jsonl" }
    /// Where this rank's shards go: `shards/` for a single rank, `shards/rank-NNNNN/` with several.
    var shardsDir: String { options.worldSize == 1 ? "\(out)/shards" : "\(out)/shards/rank-\(rankTag)" }

    /// The lock file of a rank: `OUT/state/rank-NNNNN.lock`.
    public static func lockPath(_ outputDir: String, rank: Int) -> String {
        "\(outputDir)/state/rank-\(String(format: "%05d", rank)).lock"
    }

    /// Takes a rank's lock on an output folder (creating `OUT/state`); throws `OutputLockError` naming the holder
    /// when another process has it. Ranks have separate locks, so the ranks of one run share the folder.
    public static func lockOutput(_ outputDir: String, rank: Int) throws -> OutputLock {
        try OutputLock(directory: outputDir + "/state", name: "rank-\(String(format: "%05d", rank)).lock", guarding: outputDir)
    }

    /// Runs (or resumes) this rank and returns its stats. Throws `RunError`/`OutputError` on fatal problems and
    /// `OutputLockError` when another process is writing this rank of the folder.
    @discardableResult
    public func run() throws -> RunStats {
        if let h = heldLock, !h.isHeld || h.path != Self.lockPath(out, rank: options.rank) {
            throw RunError("the lock handed to the run is not the held lock of rank \(options.rank) of \(out); "
                           + "take it with PipelineExecutor.lockOutput(OUT, rank:) and keep it until the run ends")
        }
        let lock = try heldLock ?? Self.lockOutput(out, rank: options.rank)
        defer { if heldLock == nil { lock.release() } }
        for d in ["", "/documents", "/rejects", "/errors", "/state", "/stats", "/completions"] { try makeDirectory(out + d) }
        if shardOutput != nil { try makeDirectory(shardsDir + "/parts") }
        removeLeftovers()
        let plan = try InputPlan.build(spec)
        let files = plan.files(rank: options.rank, worldSize: options.worldSize)
        let parts = InputPlan.parts(of: files, chunkBytes: spec.execution.chunkBytes, chunkFiles: spec.execution.chunkFiles)
        let db = try RunStateDB(path: "\(out)/state/rank-\(rankTag).sqlite")
        let planHash = String(Hashing.fnv1a64(Array(files.map { "\($0.displayName)\t\($0.size)" }.joined(separator: "\n").utf8)), radix: 16)
        try checkCompatible(db, planHash: planHash)

        let finished = try db.finishedParts()
        try checkInputsUnchanged(files, recorded: try db.finishedInputs())
        try ordered.forEach { try $0.resume(finishedParts: Set(finished.keys)) }
        if let g = globalStage, let gp = g.globalPlan {
            g.setInputOrder(Dictionary(plan.files.map { ($0.displayName, $0.index) }, uniquingKeysWith: { a, _ in a }))
            try GlobalDedupJob(plan: gp, stageType: spec.stages.last?.type ?? gp.stage, worldSize: options.worldSize,
                               zstdLevel: spec.output.zstdLevel, writeRejects: spec.output.writeRejects).write(outputDir: out)
        }
        var total = RunStats(stageNames: steps.map(\.name))
        let totalBytes = files.reduce(0) { $0 + $1.size }
        var progress = Progress(totalBytes: totalBytes, enabled: options.progress)
        var ran = 0
        for (p, part) in parts.enumerated() {
            if let s = finished[p], FileManager.default.fileExists(atPath: "\(out)/documents/\(partName(p))\(docExt)"),
               shardOutput == nil || FileManager.default.fileExists(atPath: "\(shardsDir)/parts/\(partName(p))/\(MDSFormat.manifestName)"),
               let stats = try? StatsCoding.decoder().decode(RunStats.self, from: Data(s.utf8)) {
                total.merge(stats)
                progress.skip(bytes: stats.inputBytes, docs: stats.documentsIn)
                continue
            }
            if let m = options.maxParts, ran >= m { return total }
            let stats = try runPart(p, files: part, db: db, progress: &progress)
            total.merge(stats)
            ran += 1
            if !options.progress {
                log("part \(partName(p)): \(part.count) files, \(stats.documentsIn) documents, kept \(stats.kept), dropped \(stats.droppedTotal), rejected \(stats.rejectedTotal)")
            }
        }
        progress.finish()
        try ordered.forEach { try $0.finish() }
        if let problem = total.balanceProblem() { throw RunError("internal accounting error: \(problem)") }
        if let so = shardOutput {
            let partDirs = parts.indices.map { "\(shardsDir)/parts/\(partName($0))" }
            let m = try ShardAssembler.assemble(parts: partDirs, into: shardsDir, tokenizer: so.tokenizer, configHash: spec.configHash, dtype: so.dtype)
            log("shards: \(m.shards.count) files, \(m.stats.samples) samples, \(m.stats.tokens) tokens in \(shardsDir)")
        }
        let enc = StatsCoding.encoder(pretty: true)
        let statsFile = try AtomicOutputFile(path: "\(out)/stats/rank-\(rankTag).json")
        try statsFile.write(Array(try enc.encode(total)))
        try statsFile.commit()
        let done = try AtomicOutputFile(path: "\(out)/completions/rank-\(rankTag)")
        try done.commit()
        if globalStage != nil {
            if options.worldSize == 1 {
                let g = try GlobalDedupFinisher.run(outputDir: out, holding: [lock], log: log)
                g.stats.apply(to: &total, rank: options.rank)
            } else {
                log("rank \(options.rank) done; when all \(options.worldSize) ranks are, run: pipeline dedup-global \(out)")
            }
        }
        return total
    }

    /// Deletes temporary files that killed runs of this rank left (this rank's lock is held, so none is live).
    func removeLeftovers() {
        for d in ["documents", "rejects", "errors"] { AtomicOutputFile.removeLeftovers(in: "\(out)/\(d)", prefix: "r\(rankTag)-") }
        for d in ["stats", "completions"] { AtomicOutputFile.removeLeftovers(in: "\(out)/\(d)", prefix: "rank-\(rankTag).") }
        if shardOutput != nil { AtomicOutputFile.removeLeftovers(in: shardsDir) }
    }

    /// Refuses to resume when a finished input changed: its size or mtime differs, or (unless `trustMtime`) its
    /// bytes no longer hash to the recorded value.
    func checkInputsUnchanged(_ files: [InputFile], recorded: [String: RunStateDB.FinishedInput]) throws {
        for f in files {
            guard let r = recorded[f.displayName] else { continue }
            var changed = r.size != f.size || r.mtime != f.mtime
            if !changed && !options.trustMtime { changed = InputFingerprint.hash(path: f.path) != r.hash }
            if changed {
                throw RunError("input \(f.displayName) changed since this output was started; use a new output path to process it again")
            }
        }
    }

    private func checkCompatible(_ db: RunStateDB, planHash: String) throws {
        let expect = ["config_hash": spec.configHash, "world_size": String(options.worldSize), "plan_hash": planHash]
        for (k, v) in expect.sorted(by: { $0.key < $1.key }) {
            if let have = try db.meta(k) {
                if have != v {
                    let what = k == "config_hash" ? "a different config" : k == "world_size" ? "a different --world-size" : "a different set of input files"
                    throw RunError("output folder \(out) holds a run of \(what); use a new output path (or delete the folder) to start over")
                }
            } else {
                try db.setMeta(k, v)
            }
        }
        try db.setMeta("name", spec.name)
        try db.setMeta("stages", steps.map(\.name).joined(separator: ","))
    }

    /// A document that reached an ordered stage on a worker; the writer thread continues its chain.
    struct Pending {
        var doc: Document
        var step: Int
        var prepared: [UInt64]
    }

    struct BatchResult {
        var docs = [UInt8]()
        var rejects = [UInt8]()
        var errors = [UInt8]()
        var samples = [ShardSample]()
        var pending = [Pending]()
        var stats: RunStats
        var counters: [StageCounters]
        var finishedFileBytes = 0
    }

    /// Decodes and processes one batch (runs on a worker thread): per-document stages up to the first ordered stage.
    func process(_ batch: RawBatch, files: [InputFile]) -> BatchResult {
        var r = BatchResult(stats: RunStats(stageNames: steps.map(\.name)), counters: Array(repeating: StageCounters(), count: steps.count))
        for (fi, item) in batch.items {
            for res in decoder.decode(item, file: files[fi]) {
                switch res {
                case .failure(let e):
                    r.stats.rejected[e.code, default: 0] += 1
                    r.errors.append(contentsOf: e.jsonLine())
                case .success(let doc):
                    r.stats.documentsRead += 1
                    r.stats.noteDecoding(of: doc)
                    runChain(doc, from: 0, prepared: nil, onWorker: true, into: &r)
                }
            }
        }
        r.finishedFileBytes = batch.finishedFileBytes
        return r
    }

    /// Runs steps `from...` on a document. On a worker, stops at the first ordered stage and leaves the document
    /// pending (with that stage's `prepare` done); on the writer thread, runs everything to the end.
    func runChain(_ input: Document, from start: Int, prepared first: [UInt64]?, onWorker: Bool, into r: inout BatchResult) {
        var doc = input
        var si = start
        while si < steps.count {
            let verdict: StageVerdict
            let textBefore = doc.text  // O(1): rejects show the text as it entered the dropping stage
            switch steps[si] {
            case .document(let stage):
                r.stats.stages[si].total += 1
                verdict = stage.process(&doc, counters: &r.counters[si])
            case .ordered(let stage):
                if onWorker {
                    r.pending.append(Pending(doc: doc, step: si, prepared: stage.prepare(doc)))
                    return
                }
                r.stats.stages[si].total += 1
                let prep = (si == start ? first : nil) ?? stage.prepare(doc)
                verdict = stage.decide(&doc, prepared: prep, counters: &r.counters[si])
            }
            switch verdict {
            case .keep:
                r.stats.stages[si].kept += 1
            case .drop(let reason):
                r.stats.stages[si].dropped[reason, default: 0] += 1
                if spec.output.writeRejects {
                    var match: (keptID: String, similarity: Double)?
                    if case .ordered(let o) = steps[si] { match = (o as? DuplicateMatchReporting)?.lastMatch() }
                    doc.text = textBefore
                    Self.writeReject(doc, stage: steps[si].name, reason: reason, duplicateOf: match, into: &r.rejects)
                }
                return
            }
            si += 1
        }
        r.stats.kept += 1
        JSONWriter.writeDocument(doc, into: &r.docs)
        if shardOutput != nil, let t = doc.tokens {
            r.samples.append(ShardSample(id: doc.id, source: doc.metadata["source_name"]?.stringValue ?? doc.source, tokens: t))
        }
    }

    static func writeReject(_ d: Document, stage: String, reason: String, duplicateOf match: (keptID: String, similarity: Double)? = nil,
                            into out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8)
        JSONWriter.writeString(d.id, into: &out)
        out.append(contentsOf: ",\"source\":".utf8)
        JSONWriter.writeString(d.source, into: &out)
        out.append(contentsOf: ",\"stage\":".utf8)
        JSONWriter.writeString(stage, into: &out)
        out.append(contentsOf: ",\"reason\":".utf8)
        JSONWriter.writeString(reason, into: &out)
        if let m = match {
            out.append(contentsOf: ",\"duplicate_of\":".utf8)
            JSONWriter.writeString(m.keptID, into: &out)
            out.append(contentsOf: ",\"similarity\":".utf8)
            JSONWriter.write(.double((m.similarity * 10_000).rounded() / 10_000), into: &out)
        }
        out.append(contentsOf: ",\"text\":".utf8)
        JSONWriter.writeString(d.text, into: &out)
        out.append(contentsOf: "}\n".utf8)
    }

    /// Processes one part with a reader thread, `workers` worker threads and this thread writing in order.
    func runPart(_ p: Int, files: [InputFile], db: RunStateDB, progress: inout Progress) throws -> RunStats {
        let name = partName(p)
        let docsOut = try AtomicOutputFile(path: "\(out)/documents/\(name)\(docExt)", zstdLevel: spec.output.zstdLevel)
        var rejectsOut: AtomicOutputFile?
        var errorsOut: AtomicOutputFile?
        var shardWriter: MDSShardWriter?
        if let so = shardOutput {
            let dir = "\(shardsDir)/parts/\(name)"
            try? FileManager.default.removeItem(atPath: dir)
            var o = MDSShardWriter.Options()
            o.sizeLimit = so.sizeLimit
            o.zstdLevel = so.zstdLevel
            o.dtype = so.dtype
            shardWriter = try MDSShardWriter(directory: dir, options: o)
        }
        let workers = max(1, options.workers ?? spec.execution.workers)
        let reader = RecordReader(files: files, spec: spec)
        let queue = WorkQueue<RawBatch>()
        let results = ResultBox()
        let window = DispatchSemaphore(value: workers * 2 + 1)
        let readerThread = Thread {
            while true {
                window.wait()
                guard let b = reader.nextBatch() else { window.signal(); break }
                queue.put(b)
            }
            queue.close()
        }
        readerThread.stackSize = 1 << 22
        readerThread.start()
        let filesCopy = files
        var workerThreads = [Thread]()
        for _ in 0..<workers {
            let t = Thread { [self] in
                while let b = queue.take() {
                    let r = process(b, files: filesCopy)
                    results.put(b.seq, r)
                }
                results.workerDone()
            }
            t.stackSize = 1 << 22
            workerThreads.append(t)
            t.start()
        }
        var stats = RunStats(stageNames: steps.map(\.name))
        var next = 0
        var failure: (any Error)?
        try ordered.forEach { try $0.beginPart(p) }
        while var r = results.take(next, workers: workers) {
            next += 1
            window.signal()
            if failure != nil { continue }
            // Documents waiting for an ordered stage continue here, in input order.
            let pending = r.pending
            r.pending = []
            for item in pending { runChain(item.doc, from: item.step, prepared: item.prepared, onWorker: false, into: &r) }
            for si in steps.indices { r.stats.stages[si].counters = r.counters[si].values }
            do {
                try docsOut.write(r.docs)
                if !r.rejects.isEmpty {
                    if rejectsOut == nil {
                        // Rejects are for inspection: the fastest zstd level keeps the writer thread light.
                        rejectsOut = try AtomicOutputFile(path: "\(out)/rejects/\(name)\(docExt)", zstdLevel: spec.output.zstdLevel.map { _ in 1 })
                    }
                    try rejectsOut!.write(r.rejects)
                }
                if !r.errors.isEmpty {
                    if errorsOut == nil { errorsOut = try AtomicOutputFile(path: "\(out)/errors/\(name).jsonl") }
                    try errorsOut!.write(r.errors)
                }
                for smp in r.samples { try shardWriter?.write(smp) }
            } catch { failure = error }
            stats.merge(r.stats)
            progress.advance(bytes: r.finishedFileBytes, docs: r.stats.documentsIn)
        }
        if let f = failure { throw f }
        try ordered.forEach { try $0.endPart(p) }
        stats.files = files.count
        stats.inputBytes = files.reduce(0) { $0 + $1.size }
        if let w = shardWriter, let so = shardOutput {
            let index = try w.finish()
            try ShardManifest(writerShards: w.shards, shardTokens: w.shardTokens, stats: w.stats, index: index.serialized(),
                              tokenizer: so.tokenizer, configHash: spec.configHash, dtype: so.dtype, lossMask: false)
                .write(directory: w.directory)
        }
        if globalStage != nil { GlobalDedupFinisher.forgetPart(outputDir: out, name: name, docExt: docExt) }
        try docsOut.commit()
        try rejectsOut?.commit()
        try errorsOut?.commit()
        stats.outputBytes = docsOut.bytesWritten
        let enc = StatsCoding.encoder(pretty: false)
        try db.finishPart(p, stats: String(decoding: try enc.encode(stats), as: UTF8.self),
                          inputs: files.indices.map { (files[$0], reader.wholeFileHash($0)) })
        return stats
    }
}

/// A closable FIFO shared by the reader and the workers.
final class WorkQueue<T>: @unchecked Sendable {
    private var items: [T] = []
    private var head = 0
    private var closed = false
    private let cond = NSCondition()

    func put(_ x: T) {
        cond.lock(); items.append(x); cond.signal(); cond.unlock()
    }
    func close() {
        cond.lock(); closed = true; cond.broadcast(); cond.unlock()
    }
    func take() -> T? {
        cond.lock(); defer { cond.unlock() }
        while head >= items.count && !closed { cond.wait() }
        if head < items.count {
            let x = items[head]
            head += 1
            if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
            return x
        }
        return nil
    }
}

/// Results of workers, handed to the writer in sequence order.
final class ResultBox: @unchecked Sendable {
    private var results: [Int: PipelineExecutor.BatchResult] = [:]
    private var doneWorkers = 0
    private let cond = NSCondition()

    func put(_ seq: Int, _ r: PipelineExecutor.BatchResult) {
        cond.lock(); results[seq] = r; cond.broadcast(); cond.unlock()
    }
    func workerDone() {
        cond.lock(); doneWorkers += 1; cond.broadcast(); cond.unlock()
    }
    /// Waits for result `seq`; nil once all workers finished and it will never come.
    func take(_ seq: Int, workers: Int) -> PipelineExecutor.BatchResult? {
        cond.lock(); defer { cond.unlock() }
        while results[seq] == nil {
            if doneWorkers == workers { return nil }
            cond.wait()
        }
        return results.removeValue(forKey: seq)
    }
}
