import ArgumentParser
import Foundation
import PipelineConfig
import PipelineRunner
import Evaluation
import Experiments
import DomainForgeCore
import Dedup
import SFT
import Trainer

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check any config the CLI reads (pipeline, train, mix, sweep, lab, SFT dedup, chat template) without running it.",
        discussion: "The kind is told from the file's keys and printed. Every problem is printed with its key path and, where it applies, the allowed values (schemas/<kind>.schema.json). Unknown keys are errors. Exit status 2 when invalid.")

    @Argument(help: "Config files (YAML) of any kind.")
    var configs: [String]

    func run() throws {
        var bad = false
        for c in configs {
            do {
                print("\(c): ok (\(try Self.check(c)))")
            } catch {
                bad = true
            }
        }
        if bad { throw ExitCode(2) }
    }

    /// Validates one file of whatever kind it is and describes it; prints the problems and throws `ExitCode(2)`.
    static func check(_ path: String) throws -> String {
        let tree = try configOrExit(path, report: true) { try ConfigFile.read(path: path) }
        guard let kind = ConfigKind.detect(tree) else {
            let kinds = ConfigKind.allCases.map(\.rawValue).joined(separator: ", ")
            printError("\(path): not a config of any known kind (\(kinds)): none of its top-level keys is known")
            throw ExitCode(2)
        }
        try configOrExit(path, kind: kind, report: true) { try ConfigSchemas.registry.validator(kind).validate(tree).throwing() }
        switch kind {
        case .pipeline: return try checkPipeline(path)
        case .train:
            let t = try configOrExit(path, kind: kind, report: true) { try TrainConfig.load(path: path) }
            return "train config: \(t.data.count) data source(s), \(t.initFrom == nil ? "new model" : "from init_from"), \(t.steps) steps"
                + (t.lora == nil ? "" : ", lora") + (t.ewc == nil ? "" : ", ewc")
        case .mix:
            let m = try configOrExit(path, kind: kind, report: true) { try MixSpec.load(path: path) }
            return "mix config: \(m.sources.count) sources: \(m.sources.map(\.name).joined(separator: ", "))"
        case .sweep:
            let s = try configOrExit(path, kind: kind, report: true) { try Sweep.load(path: path) }
            return "sweep config: \(s.parameter) over \(s.values.count) values"
        case .lab:
            let lab = try configOrExit(path, kind: kind, report: true) { try LabConfig.load(path: path) }
            let problems = ForgettingLab(config: lab).recipeProblems()
            _ = try configOrExit(path, kind: kind, report: true) {
                if !problems.isEmpty { throw EvaluationError.config(problems.map { "\(path): \($0)" }.joined(separator: "\n")) }
            }
            return "lab: \(lab.arms.count) arms: \(lab.arms.map(\.name).joined(separator: ", "))"
        case .sftDedup:
            let d = try configOrExit(path, kind: kind, report: true) { try SFTDedupConfig.load(path: path) }
            let scratch = NSTemporaryDirectory() + "/domainforge-validate-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            for st in d.stages {
                _ = try configOrExit(path, kind: kind, report: true) {
                    try StageRegistry.makeOrderedStage(type: st.type, options: st.options, stateDirectory: scratch + "/" + st.type,
                                                       baseDirectory: d.baseDirectory)
                }
            }
            return "SFT dedup config: \(d.stages.count) stages: \(d.stages.map(\.type).joined(separator: ", "))"
        case .sftTemplate:
            let t = try configOrExit(path, kind: kind, report: true) { try ChatTemplate.named(path) }
            return "SFT chat template: \(t.name), roles: \(t.roles.keys.sorted().joined(separator: ", "))"
        }
    }

    /// A pipeline config: its stages are built and its `next:` phases loaded.
    static func checkPipeline(_ c: String) throws -> String {
        let spec = try loadSpec(c)
        let scratch = NSTemporaryDirectory() + "/domainforge-validate-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        _ = try orExit { try StageFactory.make(spec, stateRoot: scratch) }
        // next: phases load and read this phase's output
        let phases = spec.next == nil ? 1 : try orExit { try PhaseChain.load(path: c) { $0 == c ? spec : try loadSpec($0) } }.phases.count
        return "\(spec.inputs.count) inputs, \(spec.stages.count) stages: \(spec.stages.map(\.type).joined(separator: ", "))"
            + (phases > 1 ? "; \(phases) phases" : "")
    }
}

extension Array where Element == ConfigError {
    /// Throws the problems as `ConfigErrors` unless there are none.
    func throwing() throws { if !isEmpty { throw ConfigErrors(errors: self) } }
}

/// Runs the loading of the config at `path`; a config problem is printed as `error: PATH: key.path: message` (one
/// line per problem, after the kind when it is known, the path named once) and ends the command with exit status 2.
/// `report` (`pipeline validate`) prints the lines without the `error:` prefix: they are its report.
func configOrExit<T>(_ path: String, kind: ConfigKind? = nil, report: Bool = false, _ body: () throws -> T) throws -> T {
    let prefix = kind.map { "\(path): \($0.title): " } ?? "\(path): "
    func lines(_ text: String) {
        for l in text.split(separator: "\n") {
            let line = prefix + l.replacingOccurrences(of: "\(path): ", with: "")
            printError(report ? line : ErrorReporting.prefixed(line))
        }
    }
    do {
        return try body()
    } catch let e as ConfigErrors {
        for err in e.errors { lines("\(err)") }
    } catch let e as TrainerError {
        if case .config(let m) = e { lines(m) } else { lines("\(e)") }
    } catch let e as MixError {
        lines(e.message.replacingOccurrences(of: "\(path): ", with: ""))
    } catch let e as SFTTemplateError {
        lines(e.description.replacingOccurrences(of: "\(path): ", with: ""))
    } catch let e as EvaluationError {
        if case .config(let m) = e { lines(m.replacingOccurrences(of: "\(path): ", with: "")) } else { lines("\(e)") }
    } catch let e as ExitCode {
        throw e
    } catch {
        lines("\(error)")
    }
    throw ExitCode(2)
}
