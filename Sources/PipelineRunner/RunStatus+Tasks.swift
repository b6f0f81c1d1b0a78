import DomainForgeCore
import Foundation

/// The status file a `pipeline slurm` task writes (`OUT/slurm/status/rank-NNNNN.json`, `dedup-global.json`).
struct TaskStatusFile: Codable {
    var state: String
    var exitCode: Int?
    var jobID: String?
    var log: String?
    var started: Double?
    var ended: Double?

    enum CodingKeys: String, CodingKey { case state, exitCode = "exit_code", jobID = "job_id", log, started, ended }

    static func load(_ path: String) -> TaskStatusFile? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(TaskStatusFile.self, from: $0) }
    }
}

extension RunStatus {
    /// One rank's task: the completion marker decides complete; then the queue; then the task's own status file.
    static func rankTask(outputDir out: String, rank r: Int, queue: [SlurmClient.QueuedJob], record: SlurmJobRecord?) throws -> Task {
        let tag = String(format: "%05d", r)
        let file = TaskStatusFile.load("\(out)/slurm/status/rank-\(tag).json")
        var t = Task(name: "rank \(r)", state: .notStarted)
        t.jobID = file?.jobID ?? record?.job(forRank: r).map { "\($0.jobID)_\(r)" }
        t.log = file?.log
        (t.partsDone, t.documents, t.inputBytes) = progress(statePath: "\(out)/state/rank-\(tag).sqlite")
        if let s = file?.started { t.seconds = (file?.ended ?? Date().timeIntervalSince1970) - s }
        let q = queue.first { job in job.taskID == r && record?.submissions.contains { $0.kind == "ranks" && $0.jobID == job.jobID } == true }
        if FileManager.default.fileExists(atPath: "\(out)/completions/rank-\(tag)") {
            t.state = .complete
        } else if let q {
            t.state = ["PENDING", "REQUEUED", "SUSPENDED"].contains(q.state) ? .queued : .running
            t.jobID = q.id
            if t.state == .queued { t.seconds = nil }
        } else if let file {
            apply(file, to: &t)
        } else if OutputLock.holder(of: "\(out)/state/rank-\(tag).lock") != nil {
            t.state = .running  // a run started by hand (no scheduler): its process holds the rank's lock
        } else if t.partsDone > 0 {
            t.state = .failed   // stopped part-way and nothing runs it: pipeline run resumes it
        }
        return t
    }

    /// The global dedup step: done when its stats exist.
    static func dedupTask(outputDir out: String, queue: [SlurmClient.QueuedJob], record: SlurmJobRecord?) -> Task {
        let file = TaskStatusFile.load("\(out)/slurm/status/dedup-global.json")
        var t = Task(name: "dedup-global", state: .notStarted)
        t.jobID = file?.jobID ?? record?.submissions.last { $0.kind == "dedup-global" }?.jobID
        t.log = file?.log
        let q = queue.first { q in record?.submissions.contains { $0.kind == "dedup-global" && $0.jobID == q.jobID } == true }
        if FileManager.default.fileExists(atPath: "\(out)/stats/\(GlobalDedupStats.fileName)") {
            t.state = .complete
        } else if let q {
            t.state = ["PENDING", "REQUEUED", "SUSPENDED"].contains(q.state) ? .queued : .running
        } else if let file {
            apply(file, to: &t)
        }
        return t
    }

    /// A task that is no longer queued: its status file says how it ended. "running" there means it ended without
    /// recording an exit code (cancelled, timed out, node failure).
    static func apply(_ file: TaskStatusFile, to t: inout Task) {
        t.state = .failed
        t.exitCode = file.state == "running" ? nil : file.exitCode
        if let log = file.log { t.lastError = lastErrorLine(log) }
    }

    /// Parts finished, documents and input bytes from a rank's run state.
    static func progress(statePath: String) -> (Int, Int, Int) {
        guard FileManager.default.fileExists(atPath: statePath), let db = try? RunStateDB(path: statePath, readOnly: true),
              let parts = try? db.finishedParts() else { return (0, 0, 0) }
        var docs = 0, bytes = 0
        for s in parts.values {
            if let st = try? StatsCoding.decoder().decode(RunStats.self, from: Data(s.utf8)) { docs += st.documentsIn; bytes += st.inputBytes }
        }
        return (parts.count, docs, bytes)
    }

    /// The last line of the log's final 64 KiB that mentions an error, or its last non-empty line.
    static func lastErrorLine(_ path: String) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        let lines = String(decoding: h.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        return (lines.last { $0.lowercased().contains("error") } ?? lines.last { !$0.isEmpty }).map { String($0.prefix(500)) }
    }

    /// The human-readable report.
    public func table() -> String {
        var out = [String]()
        let count = { (s: State) in ranks.filter { $0.state == s }.count }
        out.append("\(outputDir): \(worldSize) ranks: \(count(.complete)) complete, \(count(.running)) running, \(count(.queued)) queued, "
                   + "\(count(.failed)) failed, \(count(.notStarted)) not started" + (jobIDs.isEmpty ? "" : "; jobs \(jobIDs.joined(separator: ", "))"))
        out.append("rank  state        job           parts     documents   MB/s")
        for (r, t) in ranks.enumerated() {
            let parts = t.partsTotal.map { "\(t.partsDone)/\($0)" } ?? "\(t.partsDone)"
            let mbs = t.seconds.flatMap { $0 > 0 && t.inputBytes > 0 ? String(format: "%.2f", Double(t.inputBytes) / 1e6 / $0) : nil } ?? "-"
            out.append(pad("\(r)", 6) + pad(t.state.rawValue, 13) + pad(t.jobID ?? "-", 14) + pad(parts, 10) + pad("\(t.documents)", 12) + mbs)
        }
        if let g = dedupGlobal { out.append(g.summary) }
        if let d = documentsPerSecond, let m = megabytesPerSecond {
            out.append(String(format: "running ranks: %.0f documents/s, %.2f MB/s", d, m) + (etaSeconds.map { ", ETA " + Self.duration($0) } ?? ""))
        }
        for t in ranks + (dedupGlobal.map { [$0] } ?? []) where t.state == .failed { out.append("failed: " + t.summary) }
        return out.joined(separator: "\n")
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h \(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m \(t % 60)s" : "\(t)s"
    }
}
