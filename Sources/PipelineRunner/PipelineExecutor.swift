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

/// A run stopped inside a part by ``PipelineExecutor/Options/interruptPart`` (tests of resume).
public struct RunInterrupted: Error, Sendable, Equatable {
    public var part: Int

    /// Counts the documents the writer handled in one part and throws when the interruption is due.
    struct Countdown {
        var left: Int?
        let part: Int
        init(part: Int, _ interrupt: (part: Int, afterDocuments: Int)?) {
            self.part = part
            left = interrupt.flatMap { $0.part == part ? $0.afterDocuments : nil }
        }
        mutating func handled(_ n: Int) throws {
            guard let l = left else { return }
            left = l - n
            if l - n <= 0 { throw RunInterrupted(part: part) }
        }
    }
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
///
/// Threads: workers use only `Sendable` parts (`documentStages`, the ordered stages' `preparers`, the decoder);
/// the ordered stages themselves (`steps`) are used by the calling (writer) thread only.
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
        /// For tests of resume: fail part `part` as a crash inside it would, once the writer has handled
        /// `afterDocuments` of its documents (decided by the ordered stages, or written): its files stay temporary
        /// and its ordered-stage rows unfinished. The run throws ``RunInterrupted``.
        public var interruptPart: (part: Int, afterDocuments: Int)?
        public init() {}
    }

    let spec: PipelineSpec
    /// Every step; the ordered stages in it are used on the writer thread only.
    let steps: [PipelineStep]
    let stepNames: [String]
    /// The per-document stage of each step (nil for an ordered step), for workers.
    let documentStages: [(any DocumentStage)?]
    /// The preparer of each ordered step (nil for a per-document step), for workers.
    let preparers: [(any OrderedPreparer)?]
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
        self.stepNames = plan.steps.map(\.name)
        self.documentStages = plan.steps.map { if case .document(let d) = $0 { return d } else { return nil } }
        self.preparers = plan.steps.map { if case .ordered(let o) = $0 { return o.anyPreparer } else { return nil } }
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
        var total = RunStats(stageNames: stepNames)
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
        try db.setMeta("stages", stepNames.joined(separator: ","))
    }

    /// Processes one part with a reader thread, `workers` worker threads and this thread writing in order. A
    /// failure (an output or index error) stops the writing; the part is then not recorded as finished.
    func runPart(_ p: Int, files: [InputFile], db: RunStateDB, progress: inout Progress) throws -> RunStats {
        let output = try PartOutput(executor: self, part: p)
        let workers = max(1, options.workers ?? spec.execution.workers)
        let reader = RecordReader(files: files, spec: spec)
        let results = startThreads(reader: reader, files: files, workers: workers)
        var stats = RunStats(stageNames: stepNames)
        var next = 0
        var failure: (any Error)?
        var interruption = RunInterrupted.Countdown(part: p, options.interruptPart)
        try ordered.forEach { try $0.beginPart(p) }
        while var r = results.box.take(next, workers: workers) {
            next += 1
            results.window.signal()
            if failure != nil { continue }
            do {
                // Documents waiting for an ordered stage continue here, in input order.
                let pending = r.pending
                r.pending = []
                for item in pending {
                    try finishChain(item, into: &r)
                    try interruption.handled(1)
                }
                for si in steps.indices { r.stats.stages[si].counters = r.counters[si].values }
                try output.write(r)
                try interruption.handled(r.stats.documentsRead - pending.count)
            } catch { failure = error }
            stats.merge(r.stats)
            progress.advance(bytes: r.finishedFileBytes, docs: r.stats.documentsIn)
        }
        if let f = failure { throw f }
        try ordered.forEach { try $0.endPart(p) }
        stats.files = files.count
        stats.inputBytes = files.reduce(0) { $0 + $1.size }
        if globalStage != nil { GlobalDedupFinisher.forgetPart(outputDir: out, name: partName(p), docExt: docExt) }
        stats.outputBytes = try output.commit()
        let enc = StatsCoding.encoder(pretty: false)
        try db.finishPart(p, stats: String(decoding: try enc.encode(stats), as: UTF8.self),
                          inputs: files.indices.map { (files[$0], reader.wholeFileHash($0)) })
        return stats
    }

    /// Starts the reader thread (at most `2 × workers + 1` batches in flight, released through `window`) and the
    /// workers, which put their results into `box`.
    func startThreads(reader: RecordReader, files: [InputFile], workers: Int) -> (box: ResultBox, window: DispatchSemaphore) {
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
        for _ in 0..<workers {
            let t = Thread { [self] in
                while let b = queue.take() { results.put(b.seq, process(b, files: files)) }
                results.workerDone()
            }
            t.stackSize = 1 << 22
            t.start()
        }
        return (results, window)
    }
}
