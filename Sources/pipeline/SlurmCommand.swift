import ArgumentParser
import Foundation
import PipelineConfig
import PipelineRunner

struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Submit a pipeline to Slurm: an array job of ranks, the global dedup step and the next phases, as dependent jobs.",
        discussion: """
            Writes sbatch scripts under OUT/slurm/ (readable, and submittable again by hand), submits one array job
            whose task i runs `pipeline run CONFIG --rank i --world-size N`, then, when the config ends with a
            mode: global dedup stage, `pipeline dedup-global OUT` after it (afterok), then each phase named by next:
            after the one before, and prints every job id. Submitting again resumes: ranks with a completion marker
            are skipped and only the missing or failed ones are submitted, with the jobs that depend on them; it is
            refused while jobs submitted earlier are still queued. Options override execution.slurm of the config.
            Follow a run with pipeline status OUT.
            """)

    @Argument(help: "The pipeline config (YAML).")
    var config: String

    @Option(help: "Array tasks (ranks) of the first phase: its world size (default: execution.slurm.tasks).")
    var tasks: Int?

    @Option(help: "sbatch --partition.")
    var partition: String?

    @Option(help: "sbatch --time of each task (HH:MM:SS or D-HH:MM:SS).")
    var time: String?

    @Option(name: .customLong("cpus-per-task"), help: "sbatch --cpus-per-task; also each rank's worker threads.")
    var cpusPerTask: Int?

    @Option(help: "sbatch --mem of each task, e.g. 8G.")
    var mem: String?

    @Option(name: .customLong("mem-per-cpu"), help: "sbatch --mem-per-cpu, e.g. 2G.")
    var memPerCPU: String?

    @Option(name: .customLong("max-parallel"), help: "At most this many array tasks at once (--array=...%K).")
    var maxParallel: Int?

    @Option(name: .customLong("dedup-tasks"), help: "Split the global dedup step's clustering over this many jobs (then one merge job), for corpora whose clustering does not fit one process.")
    var dedupTasks: Int?

    @Option(help: "sbatch --qos.")
    var qos: String?

    @Option(help: "sbatch --account.")
    var account: String?

    @Option(name: .customLong("sbatch-arg"), help: "A further sbatch argument, passed as given (repeatable), e.g. --sbatch-arg=--exclusive.")
    var sbatchArgs: [String] = []

    @Flag(help: "Block until the last job ends; exit 1 naming the failed tasks, if any.")
    var wait = false

    @Flag(name: .customLong("dry-run"), help: "Print the scripts that would be submitted, and submit nothing.")
    var dryRun = false

    func validate() throws {
        if let t = tasks, t < 1 { throw ValidationError("--tasks must be at least 1") }
        if let c = cpusPerTask, c < 1 { throw ValidationError("--cpus-per-task must be at least 1") }
        if let k = maxParallel, k < 1 { throw ValidationError("--max-parallel must be at least 1") }
        if let k = dedupTasks, k < 1 { throw ValidationError("--dedup-tasks must be at least 1") }
        if mem != nil && memPerCPU != nil { throw ValidationError("give --mem or --mem-per-cpu, not both") }
    }

    var overrides: SlurmSettings {
        var s = SlurmSettings()
        s.tasks = tasks; s.partition = partition; s.time = time; s.cpusPerTask = cpusPerTask; s.mem = mem
        s.memPerCPU = memPerCPU; s.maxParallel = maxParallel; s.dedupTasks = dedupTasks; s.qos = qos; s.account = account; s.sbatchArgs = sbatchArgs
        return s
    }

    func run() throws {
        // absolute, so the scripts work from any folder
        let path = URL(fileURLWithPath: config).standardizedFileURL.path
        let chain = try orExit { try PhaseChain.load(path: path, loader: loadSpec) }
        let submitter = SlurmSubmitter(chain: chain, overrides: overrides, binary: Self.binaryPath())
        let jobs = try orExit { try submitter.plan() }
        if dryRun {
            for (k, j) in jobs.enumerated() { print("# \(j.scriptPath)\(k == 0 ? "" : " (submitted to start after the job above succeeds)")\n\(j.script)") }
            if jobs.isEmpty { print("every phase is complete: nothing to submit") }
            return
        }
        guard !jobs.isEmpty else { print("every phase is complete: nothing to submit"); return }
        let submitted = try orExit { () throws -> [SlurmSubmitter.Job] in
            try submitter.checkNothingQueued()
            return try submitter.submit(jobs)
        }
        for j in submitted {
            let what = j.kind == "ranks" ? "ranks \(SlurmScript.arraySpec(j.ranks, maxParallel: nil))" : j.kind
            print("submitted job \(j.jobID!): \(chain.phases[j.phase].spec.name) \(what) (\(j.scriptPath))")
        }
        guard wait else { return }
        let failed = try orExit { try submitter.wait(for: submitted) }
        if failed.isEmpty { print("all phases complete"); return }
        for f in failed { printError("failed: \(f)") }
        printError("submit again to rerun only these: pipeline slurm \(config)")
        throw ExitCode(1)
    }

    /// The absolute path of this binary, which the jobs run.
    static func binaryPath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
