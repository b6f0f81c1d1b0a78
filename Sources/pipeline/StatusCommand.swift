import ArgumentParser
import Foundation
import PipelineRunner

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show where a run stands: per rank complete, running, queued, failed or not started, with throughput and an ETA.",
        discussion: """
            Reads the completion markers and run state of each rank, the task status files that pipeline slurm jobs
            write (exit code and log of a failed task, with the log's last error line) and, when Slurm is there, the
            queue. Parts per rank and the ETA need the config: the one pipeline slurm recorded, or --config.
            """)

    @Argument(help: "The output folder of the run (output.path).")
    var output: String

    @Option(help: "The run's config, for the parts per rank and the ETA (default: the one pipeline slurm recorded).")
    var config: String?

    @Option(name: .customLong("world-size"), help: "The run's world size (default: the recorded one).")
    var worldSize: Int?

    @Flag(help: "Print JSON instead of the table.")
    var json = false

    func run() throws {
        let status = try orExit {
            try RunStatus.read(outputDir: output, worldSize: worldSize, config: config, client: SlurmClient.available ? SlurmClient() : nil)
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try enc.encode(status), as: UTF8.self))
        } else {
            print(status.table())
        }
    }
}
