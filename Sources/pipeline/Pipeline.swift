import ArgumentParser

@main
struct Pipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "domainforge: turn raw domain text into clean, accounted training data.",
        subcommands: [RunCommand.self, ValidateCommand.self, StatsCommand.self, VerifyCommand.self, ExportCommand.self,
                      ExtractCommand.self, TokenizerCommand.self, DedupReportCommand.self, DedupGlobalCommand.self, StagesCommand.self,
                      SFTCommand.self, MixCommand.self, TrainCommand.self, GenerateCommand.self,
                      FisherCommand.self, EvalCommand.self, ReportCommand.self, SweepCommand.self, LabCommand.self,
                      SlurmCommand.self, StatusCommand.self, LangidCommand.self, RagCommand.self])
}
