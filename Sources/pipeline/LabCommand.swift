import ArgumentParser
import Experiments
import Foundation

struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "The forgetting lab: prepare general and domain shards, pretrain a tiny base, adapt it with each arm, evaluate and report.",
        discussion: "LAB.yaml is described by schemas/lab.schema.json (example: pipelines/forgetting-lab.yaml). Output: OUTPUT/data/ (pipeline outputs, train and held-out shards), OUTPUT/runs/base and OUTPUT/runs/<arm> (run directories with eval.json), OUTPUT/report.txt and OUTPUT/report.html. Arms whose TRAIN.yaml keys the trainer rejects are reported as failed; the others run. Started again, the lab resumes: runs whose folder holds the same train.yaml continue from their latest checkpoint or are only evaluated again.")

    @Argument(help: "The lab file (YAML).")
    var config: String

    func run() throws {
        let c = try configOrExit(config) { try LabConfig.load(path: config) }
        _ = try orExit { try ForgettingLab(config: c).run() }
    }
}
