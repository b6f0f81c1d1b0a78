import ArgumentParser
import Foundation
import PipelineConfig
import PipelineRunner
import Experiments
import DomainForgeCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline config (schemas/pipeline.schema.json) or a forgetting-lab config (schemas/lab.schema.json) without running it.",
        discussion: "Every problem is printed with its key path and, where it applies, the allowed values. Unknown keys are errors. Exit status 2 when invalid.")

    @Argument(help: "Pipeline configs (YAML).")
    var configs: [String]

    func run() throws {
        var bad = false
        for c in configs {
            do {
                if let lab = try labConfig(c) {
                    print("\(c): ok (lab: \(lab.arms.count) arms: \(lab.arms.map(\.name).joined(separator: ", ")))")
                    continue
                }
                let spec = try loadSpec(c)
                let scratch = NSTemporaryDirectory() + "/domainforge-validate-\(getpid())"
                defer { try? FileManager.default.removeItem(atPath: scratch) }
                _ = try orExit { try StageFactory.make(spec, stateRoot: scratch) }
                // next: phases load and read this phase's output
                let phases = spec.next == nil ? 1 : try orExit { try PhaseChain.load(path: c) { $0 == c ? spec : try loadSpec($0) } }.phases.count
                print("\(c): ok (\(spec.inputs.count) inputs, \(spec.stages.count) stages: \(spec.stages.map(\.type).joined(separator: ", "))"
                      + (phases > 1 ? "; \(phases) phases" : "") + ")")
            } catch {
                bad = true
            }
        }
        if bad { throw ExitCode(2) }
    }
}

/// The lab config at `path` when the file is one (a mapping with `arms` and `pretrain`), validated; nil for other files.
private func labConfig(_ path: String) throws -> LabConfig? {
    guard let d = FileManager.default.contents(atPath: path),
          let tree = try? YAMLLoader.load(String(decoding: d, as: UTF8.self), file: path),
          tree["arms"] != nil, tree["pretrain"] != nil else { return nil }
    do {
        return try LabConfig.parse(tree, baseDirectory: (path as NSString).deletingLastPathComponent, file: path)
    } catch {
        printError("\(error)")
        throw ExitCode(2)
    }
}
