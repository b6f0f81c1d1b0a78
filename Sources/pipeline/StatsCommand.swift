import ArgumentParser
import PipelineRunner

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the accounting of a pipeline output folder: documents in, kept, dropped by stage and reason, rejected.",
        discussion: "Merges every rank's stats; ranks still running contribute their finished parts.")

    @Argument(help: "The output folder of a run (output.path).")
    var output: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let report = try orExit { try StatsReport.load(outputDir: output) }
        print(json ? try report.json() : report.table())
    }
}
