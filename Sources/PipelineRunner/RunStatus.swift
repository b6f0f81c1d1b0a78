import Foundation
import PipelineConfig

/// Where a run stands, for `pipeline status OUT`: per rank complete / running / queued / failed / not started, with
/// its job, parts finished, documents and throughput, the global dedup step, and an ETA for the run. Reads the
/// completion markers, the run state of each rank, the task status files `pipeline slurm` jobs write
/// (`OUT/slurm/status/`), and, when given a Slurm client, the queue.
public struct RunStatus: Codable, Sendable {
    public enum State: String, Codable, Sendable {
        case complete, running, queued, failed
        case notStarted = "not_started"
    }

    /// One rank, or the global dedup step.
    public struct Task: Codable, Sendable {
        public var name: String
        public var state: State
        public var jobID: String?
        public var exitCode: Int?
        public var log: String?
        /// The last line of the log that reports an error.
        public var lastError: String?
        public var partsDone = 0
        public var partsTotal: Int?
        public var documents = 0
        public var inputBytes = 0
        /// Seconds the task has run (or ran), from its status file.
        public var seconds: Double?

        enum CodingKeys: String, CodingKey {
            case name, state, jobID = "job_id", exitCode = "exit_code", log, lastError = "last_error", partsDone = "parts_done"
            case partsTotal = "parts_total", documents, inputBytes = "input_bytes", seconds
        }

        /// `rank 1: failed (exit 1, job 12_1), log …: last error line`.
        public var summary: String {
            var s = "\(name): \(state.rawValue.replacingOccurrences(of: "_", with: " "))"
            var d = [String]()
            if let e = exitCode, state == .failed { d.append("exit \(e)") }
            if state == .failed && exitCode == nil && jobID != nil { d.append("ended without an exit code: cancelled, timed out or its node failed") }
            if let j = jobID { d.append("job \(j)") }
            if !d.isEmpty { s += " (" + d.joined(separator: ", ") + ")" }
            if state == .failed, let l = log { s += ", log \(l)" }
            if state == .failed, let e = lastError { s += ": \(e)" }
            return s
        }
    }

    public var outputDir: String
    public var worldSize: Int
    public var ranks: [Task]
    public var dedupGlobal: Task?
    public var jobIDs: [String]
    /// Documents and input MB per second over the ranks that are running, and the estimated seconds left.
    public var documentsPerSecond: Double?
    public var megabytesPerSecond: Double?
    public var etaSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case outputDir = "output", worldSize = "world_size", ranks, dedupGlobal = "dedup_global", jobIDs = "job_ids"
        case documentsPerSecond = "documents_per_second", megabytesPerSecond = "megabytes_per_second", etaSeconds = "eta_seconds"
    }
}

extension RunStatus {
    /// The state of `outputDir`. `worldSize` defaults to the one recorded (Slurm submission or run state); `config`
    /// (default: the one `pipeline slurm` recorded) gives the parts per rank for the ETA; `client` adds the queue.
    public static func read(outputDir: String, worldSize ws: Int? = nil, config: String? = nil, client: SlurmClient?) throws -> RunStatus {
        let record = try SlurmJobRecord.load(outputDir: outputDir)
        guard let n = ws ?? record?.worldSize ?? recordedWorldSize(outputDir) else {
            throw RunError("\(outputDir) holds no run (no state/rank-*.sqlite and no slurm/jobs.json): start one with pipeline run or pipeline slurm")
        }
        let queue = try client.map { c in try c.queued(record?.jobIDs ?? []) } ?? []
        let totals = try (config ?? record?.config).map { try partTotals(config: $0, worldSize: n) }
        var ranks = [Task]()
        for r in 0..<n {
            var t = try rankTask(outputDir: outputDir, rank: r, queue: queue, record: record)
            t.partsTotal = totals?[r].parts
            ranks.append(t)
        }
        var status = RunStatus(outputDir: outputDir, worldSize: n, ranks: ranks, dedupGlobal: nil,
                               jobIDs: (record?.submissions ?? []).map(\.jobID))
        if FileManager.default.fileExists(atPath: "\(outputDir)/dedup/\(GlobalDedupJob.fileName)") {
            status.dedupGlobal = dedupTask(outputDir: outputDir, queue: queue, record: record)
        }
        status.estimate(remainingBytes: totals.map { t in zip(t, ranks).reduce(0) { $0 + max(0, $1.0.bytes - $1.1.inputBytes) } })
        return status
    }

    /// The world size stored in rank 0's run state.
    static func recordedWorldSize(_ out: String) -> Int? {
        let path = "\(out)/state/rank-00000.sqlite"
        guard FileManager.default.fileExists(atPath: path), let db = try? RunStateDB(path: path, readOnly: true) else { return nil }
        return (try? db.meta("world_size")).flatMap { $0.flatMap { Int($0) } }
    }

    /// Parts and input bytes of each rank's share of the config's inputs.
    static func partTotals(config: String, worldSize n: Int) throws -> [(parts: Int, bytes: Int)] {
        let spec = try PipelineSpec.load(path: config)
        let plan = try InputPlan.build(spec)
        return (0..<n).map { r in
            let files = plan.files(rank: r, worldSize: n)
            return (InputPlan.parts(of: files, chunkBytes: spec.execution.chunkBytes, chunkFiles: spec.execution.chunkFiles).count,
                    files.reduce(0) { $0 + $1.size })
        }
    }

    /// Documents/s, MB/s and the ETA from the running ranks' progress.
    mutating func estimate(remainingBytes: Int?) {
        let running = ranks.filter { $0.state == .running && ($0.seconds ?? 0) > 0 }
        guard !running.isEmpty else { return }
        let docs = running.reduce(0.0) { $0 + Double($1.documents) / $1.seconds! }
        let bytes = running.reduce(0.0) { $0 + Double($1.inputBytes) / $1.seconds! }
        documentsPerSecond = docs
        megabytesPerSecond = bytes / 1e6
        if let rem = remainingBytes, bytes > 0 { etaSeconds = Double(rem) / bytes }
    }
}
