import ArgumentParser
import Foundation
import PipelineConfig
import PipelineRunner

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline config against schemas/pipeline.schema.json without running it.",
        discussion: "Every problem is printed with its key path and, where it applies, the allowed values. Unknown keys are errors. Exit status 2 when invalid.")

    @Argument(help: "Pipeline configs (YAML).")
    var configs: [String]

    func run() throws {
        var bad = false
        for c in configs {
            do {
                let spec = try loadSpec(c)
                let scratch = NSTemporaryDirectory() + "/domainforge-validate-\(getpid())"
                defer { try? FileManager.default.removeItem(atPath: scratch) }
                _ = try orExit { try StageFactory.make(spec, stateRoot: scratch) }
                print("\(c): ok (\(spec.inputs.count) inputs, \(spec.stages.count) stages: \(spec.stages.map(\.type).joined(separator: ", ")))")
            } catch {
                bad = true
            }
        }
        if bad { throw ExitCode(2) }
    }
}
