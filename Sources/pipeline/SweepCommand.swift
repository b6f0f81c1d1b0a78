import ArgumentParser
import Experiments
import Foundation

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Vary one training parameter (replay ratio, lora.rank, ewc.lambda or any dotted TRAIN.yaml key): train, eval and report each value.",
        discussion: "SWEEP.yaml is described by schemas/sweep.schema.json. Each value is trained through the trainer library and evaluated into OUTPUT/<parameter>=<value>/ (a run directory); the base into OUTPUT/base/. Then OUTPUT/report.txt and OUTPUT/report.html (table, loss curves, domain-vs-general scatter, parameter trade-off plot). A value the trainer rejects is reported and skipped.")

    @Argument(help: "The sweep file (YAML).")
    var config: String

    func run() throws {
        let s = try configOrExit(config) { try Sweep.load(path: config) }
        _ = try orExit { try s.run() }
    }
}
