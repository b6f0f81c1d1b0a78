import ArgumentParser
import Foundation
import PipelineConfig
import DomainForgeCore
import PipelineRunner
#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run (or resume) a pipeline: read, clean and write every input document, accounting for each one.",
        discussion: """
            Output goes to output.path of the config. A run that was killed resumes where it stopped when started
            again with the same config and produces the same bytes. With --rank/--world-size, each rank processes
            every world-size-th input file (for Slurm array jobs) and writes its own parts, stats and completion marker.
            """)

    @Argument(help: "The pipeline config (YAML).")
    var config: String

    @Option(help: "This process's rank (0-based) when the inputs are shared among several processes (default: SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX, else 0).")
    var rank: Int?

    @Option(name: .customLong("world-size"), help: "The number of processes sharing the inputs (default: SLURM_ARRAY_TASK_COUNT with SLURM_ARRAY_TASK_ID, else 1; required with JOB_COMPLETION_INDEX).")
    var worldSize: Int?

    @Option(name: .threads, help: "Worker threads (default: execution.workers, else the number of cores).")
    var threads: Int?

    @Option(name: .customLong("workers"), help: .deprecatedAlias)
    var deprecatedWorkers: Int?

    @Option(name: .output, help: "Write to this folder instead of the config's output.path.")
    var output: String?

    @Flag(name: .customLong("no-next"), help: "Run only this config's phase, not the phases its next: names (pipeline slurm's jobs run each phase on its own).")
    var noNext = false

    @Flag(help: "Never draw the progress bar, even on a terminal.")
    var noProgress = false

    @Flag(help: "On resume, accept a finished input whose size and mtime are unchanged without reading it again to compare its hash (faster on big inputs; misses edits that kept size and mtime).")
    var trustMtime = false

    mutating func validate() throws {
        if let n = worldSize, n < 1 { throw ValidationError("--world-size must be at least 1") }
        if let r = rank, r < 0 || r >= (worldSize ?? Int.max) { throw ValidationError("--rank must be between 0 and --world-size - 1") }
        threads = try mergeDeprecated(threads, old: deprecatedWorkers, oldName: "--workers", newName: "--threads")
        try validateThreads(threads, minimum: 1, maximum: 4096)
    }

    func run() throws {
        let (givenRank, givenSize) = (self.rank, self.worldSize)
        let (rank, worldSize) = try orExit { try RankEnvironment.resolve(rank: givenRank, worldSize: givenSize, env: ProcessInfo.processInfo.environment) }
        let first = try loadSpec(config)
        if output != nil, let next = first.next, !noNext {
            printError("note: with --output the next phase (\(next)) is not run: its inputs read \(first.output.path)/documents")
        }
        let chain = noNext || output != nil ? PhaseChain(single: first, path: config)
                                            : try orExit { try PhaseChain.load(path: config) { $0 == config ? first : try loadSpec($0) } }
        for (i, phase) in chain.phases.enumerated() {
            if i > 0 {
                guard worldSize == 1 else {
                    print("next phase: when all \(worldSize) ranks\(chain.phases[i - 1].hasGlobalDedup ? " and pipeline dedup-global" : "") are done, run: pipeline run \(phase.configPath)")
                    return
                }
                print("== phase \(i + 1) of \(chain.phases.count): \(phase.configPath)")
            }
            var spec = phase.spec
            if let o = output { spec.output.path = o }
            try runPhase(spec, rank: rank, worldSize: worldSize)
        }
    }

    /// Runs one phase for this rank and prints its accounting.
    func runPhase(_ spec: PipelineSpec, rank: Int, worldSize: Int) throws {
        // Locked before the stages are built: they open their state inside the output folder.
        let lock = try orExit { try PipelineExecutor.lockOutput(spec.output.path, rank: rank) }
        let plan = try orExit { try StageFactory.make(spec, rank: rank, worldSize: worldSize) }
        var opts = PipelineExecutor.Options()
        opts.rank = rank
        opts.worldSize = worldSize
        opts.workers = threads
        opts.progress = !noProgress && isatty(2) == 1
        opts.trustMtime = trustMtime
        let start = Date()
        let stats = try orExit { try PipelineExecutor(spec: spec, plan: plan, options: opts, lock: lock).run() }
        let secs = Date().timeIntervalSince(start)
        lock.release()
        // This rank is done; the folder's report is extra, so a problem reading it never fails the run.
        do {
            print(try StatsReport.load(outputDir: spec.output.path).table())
        } catch {
            printError("this rank finished, but the folder's report could not be read: \(error); run pipeline stats later")
        }
        print(String(format: "this rank: %d documents in %.2f s (%.0f docs/s, %.1f MB/s)", stats.documentsIn, secs,
                     Double(stats.documentsIn) / max(secs, 1e-6), Double(stats.inputBytes) / 1e6 / max(secs, 1e-6)))
    }
}

/// Loads a config; an invalid one is reported (every problem, each naming the file once) with status 2.
func loadSpec(_ path: String) throws -> PipelineSpec {
    do {
        return try PipelineSpec.load(path: path)
    } catch let e as ConfigErrors {
        for err in e.errors { printError(ErrorReporting.prefixed(err.path == path ? "\(err)" : "\(path): \(err)")) }
        throw ExitCode(ExitStatus.usage.rawValue)
    }
}
