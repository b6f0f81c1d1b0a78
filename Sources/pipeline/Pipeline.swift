import ArgumentParser
import DomainForgeCore
import Foundation

@main
struct Pipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "domainforge: turn raw domain text into clean, accounted training data.",
        discussion: """
            Exit status: 0 on success; 1 when the command ran and failed (bad data, I/O, a failed run); 2 for a \
            usage error (an option, option combination or config file it cannot use).
            """,
        subcommands: [RunCommand.self, ValidateCommand.self, StatsCommand.self, VerifyCommand.self, ExportCommand.self,
                      ExtractCommand.self, TokenizerCommand.self, DedupReportCommand.self, DedupGlobalCommand.self, StagesCommand.self,
                      SFTCommand.self, MixCommand.self, TrainCommand.self, GenerateCommand.self, SynthReplayCommand.self,
                      FisherCommand.self, EvalCommand.self, ReportCommand.self, SweepCommand.self, LabCommand.self,
                      SlurmCommand.self, StatusCommand.self, LangidCommand.self, RagCommand.self, DiagnoseCommand.self])

    /// Parses (usage errors: the message and the usage line, status 2), then runs the command; an error it throws is
    /// reported once by `ErrorReporting`, without the usage line.
    static func main() {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            if exitCode(for: error).isSuccess || error is ExitCode { exit(withError: error) }
            // the argument parser's "Error: " becomes the one "error: " prefix every message has
            printError(ErrorReporting.prefixed(fullMessage(for: error)))
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            try command.run()
        } catch {
            // --help and help SUBCOMMAND reach here as errors of the argument parser that end with status 0
            if error is CleanExit || exitCode(for: error).isSuccess { exit(withError: error) }
            Foundation.exit(ErrorReporting.report(error))
        }
    }
}
