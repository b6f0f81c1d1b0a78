import DomainForgeCore
import Foundation
import PipelineConfig

/// Submits a phase chain to Slurm: per phase, one array job for the ranks that have no completion marker yet, then
/// (when the phase ends with a `mode: global` dedup stage and has several ranks) the global dedup step, each job
/// depending on the one before (`afterok`), so the next phase starts only on complete output. Submitting again
/// resumes: finished ranks and phases are skipped and only the rest is submitted, with the jobs that depend on it.
public struct SlurmSubmitter {
    /// One job to submit.
    public struct Job: Sendable {
        public var phase: Int
        /// `ranks` or `dedup-global`.
        public var kind: String
        public var ranks: [Int]
        public var scriptPath: String
        public var script: String
        public var jobID: String?
    }

    public var chain: PhaseChain
    /// Settings from the command line; they override each phase's `execution.slurm`.
    public var overrides: SlurmSettings
    /// The `pipeline` binary the jobs run.
    public var binary: String
    public var client = SlurmClient()

    public init(chain: PhaseChain, overrides: SlurmSettings, binary: String) {
        self.chain = chain; self.overrides = overrides; self.binary = binary
    }

    /// The settings of phase `i`: its config's, overridden by the command line's. `--tasks` is the first phase's
    /// task count; a later phase takes its own `execution.slurm.tasks`, else the same count.
    public func settings(_ i: Int) -> SlurmSettings {
        var s = chain.phases[i].spec.execution.slurm.overridden(by: overrides)
        if i > 0, let own = chain.phases[i].spec.execution.slurm.tasks { s.tasks = own }
        return s
    }

    /// The world size of phase `i`.
    public func tasks(_ i: Int) throws -> Int {
        guard let n = try settings(i).tasks ?? (i > 0 ? tasks(0) : nil) else {
            throw SlurmError("give the number of ranks: --tasks N (or execution.slurm.tasks in \(chain.phases[i].configPath))")
        }
        return n
    }

    /// Refuses while a job submitted earlier for any phase is still queued or running (a second writer per rank).
    public func checkNothingQueued() throws {
        for p in chain.phases {
            guard let rec = try SlurmJobRecord.load(outputDir: p.spec.output.path) else { continue }
            let q = try client.queued(rec.jobIDs)
            if !q.isEmpty {
                throw SlurmError("jobs of \(p.spec.output.path) are still queued or running (\(q.prefix(5).map { "\($0.id) \($0.state)" }.joined(separator: ", "))): "
                                 + "wait for them (pipeline status \(p.spec.output.path)) or scancel them, then submit again")
            }
        }
    }

    /// What to submit now: every phase not finished yet, from its first unfinished rank on.
    public func plan() throws -> [Job] {
        var jobs = [Job]()
        for (i, phase) in chain.phases.enumerated() {
            let n = try tasks(i), out = phase.spec.output.path
            if let rec = try SlurmJobRecord.load(outputDir: out), rec.worldSize != n {
                throw SlurmError("\(out) was submitted with \(rec.worldSize) tasks: give --tasks \(rec.worldSize), or a new output folder")
            }
            let missing = (0..<n).filter { !FileManager.default.fileExists(atPath: "\(out)/completions/rank-\(String(format: "%05d", $0))") }
            let dedupDone = FileManager.default.fileExists(atPath: "\(out)/stats/\(GlobalDedupStats.fileName)")
            let script = SlurmScript(phase: phase, settings: settings(i), binary: binary, worldSize: n)
            if !missing.isEmpty {
                jobs.append(Job(phase: i, kind: "ranks", ranks: missing, scriptPath: "\(out)/slurm/ranks.sbatch", script: script.ranks(missing)))
            }
            if phase.hasGlobalDedup && n > 1 && (!missing.isEmpty || !dedupDone) {
                let k = settings(i).dedupTasks ?? 1
                if k > 1 {
                    jobs.append(Job(phase: i, kind: "dedup-split", ranks: [], scriptPath: "\(out)/slurm/dedup-split.sbatch", script: script.dedupSplits(k)))
                }
                jobs.append(Job(phase: i, kind: "dedup-global", ranks: [], scriptPath: "\(out)/slurm/dedup-global.sbatch",
                                script: script.dedupGlobal(splits: k > 1 ? k : nil)))
            }
        }
        return jobs
    }

    /// Writes the scripts and submits `jobs` in order, each after the one before; records them in `OUT/slurm/jobs.json`.
    public func submit(_ jobs: [Job]) throws -> [Job] {
        var done = [Job]()
        for var job in jobs {
            let phase = chain.phases[job.phase], out = phase.spec.output.path
            for d in ["/slurm/logs", "/slurm/status"] { try makeDirectory(out + d) }
            let f = try AtomicOutputFile(path: job.scriptPath)
            try f.write(Array(job.script.utf8))
            try f.commit()
            chmod(job.scriptPath, 0o755)
            job.jobID = try client.submit(script: job.scriptPath, afterOK: done.last?.jobID.map { [$0] } ?? [])
            var rec = try SlurmJobRecord.load(outputDir: out)
                ?? SlurmJobRecord(config: URL(fileURLWithPath: phase.configPath).standardizedFileURL.path, worldSize: try tasks(job.phase))
            rec.submissions.append(.init(kind: job.kind, jobID: job.jobID!, ranks: job.kind == "ranks" ? job.ranks : nil,
                                         script: job.scriptPath, submittedAt: Date().timeIntervalSince1970))
            try rec.save(outputDir: out)
            done.append(job)
        }
        return done
    }

    /// Blocks until none of `jobs` is queued, then returns the unfinished ranks and steps, one line each (empty when
    /// every phase is complete).
    public func wait(for jobs: [Job], poll: Double = 2) throws -> [String] {
        let ids = Set(jobs.compactMap(\.jobID))
        while try !client.queued(ids).isEmpty { Thread.sleep(forTimeInterval: poll) }
        return try unfinished()
    }

    /// Ranks without a completion marker and global steps that have not run, per phase, with their status line.
    public func unfinished() throws -> [String] {
        var lines = [String]()
        for (i, phase) in chain.phases.enumerated() {
            let status = try RunStatus.read(outputDir: phase.spec.output.path, worldSize: try tasks(i), client: nil)
            for r in status.ranks where r.state != .complete { lines.append("\(phase.spec.name): \(r.summary)") }
            if phase.hasGlobalDedup, let g = status.dedupGlobal, g.state != .complete { lines.append("\(phase.spec.name): \(g.summary)") }
        }
        return lines
    }
}
