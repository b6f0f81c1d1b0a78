import DomainForgeCore
import Evaluation
import Foundation
import Trainer

/// Trains one recipe through the Trainer library and evaluates its last checkpoint into a run directory
/// (`RunDirectory`): writes `train.yaml`, trains (`TrainingRun.run`), then `eval.json`. Used by sweep and lab.
public struct ExperimentRun {
    /// What to evaluate and how.
    public var evalData: [(label: String, path: String)]
    public var evalOptions: Evaluator.Options
    /// Progress lines.
    public var log: (String) -> Void = ProgressOutput.line

    /// A runner that evaluates every trained run on `evalData` (label, path) with `evalOptions`.
    public init(evalData: [(label: String, path: String)], evalOptions: Evaluator.Options) {
        self.evalData = evalData; self.evalOptions = evalOptions
    }

    /// Trains `recipe` into `directory` and evaluates it. A directory left by an earlier run of the same recipe (its
    /// `train.yaml` equal to this one's) is continued from its latest checkpoint, or only re-evaluated when that
    /// checkpoint is the last step (the trainer resumes bitwise, so a killed lab or sweep started again gives the
    /// same weights); anything else there is replaced.
    /// Throws `EvaluationError.config` with the trainer's message when the trainer rejects the recipe.
    @discardableResult
    public func run(_ recipe: TrainRecipe, directory: String) throws -> RunDirectory {
        var r = recipe
        r.tree["output_dir"] = .string(directory)
        let config = try r.config()
        let fm = FileManager.default
        var resumeFrom: String?
        var finished = false
        if let old = fm.contents(atPath: directory + "/train.yaml"), String(decoding: old, as: UTF8.self) == r.yaml,
           let latest = TrainingRun.latestCheckpoint(outputDir: directory), let state = try? TrainerState.load(from: latest) {
            resumeFrom = latest
            finished = state.step >= config.steps
        }
        if resumeFrom == nil {
            if fm.fileExists(atPath: directory) { try fm.removeItem(atPath: directory) }
            try makeDirectory(directory)
            try Data(r.yaml.utf8).write(to: URL(fileURLWithPath: directory + "/train.yaml"))
        }
        if finished {
            log("  already trained to step \(config.steps) in \(directory); evaluating it again")
        } else {
            if let from = resumeFrom { log("  continuing from \(from)") }
            let t0 = Date()
            let training: TrainingRun
            do { training = try TrainingRun(config: config, resumeFrom: resumeFrom) } catch { throw EvaluationError.config("trainer: \(error)") }
            training.log = { line in self.log("  " + line) }
            try training.run()
            let seconds = Date().timeIntervalSince(t0)
            log(String(format: "  trained in %.1f s", seconds))
            let earlier = resumeFrom == nil ? 0 : (RunInfo.load(directory: directory)?.trainSeconds ?? 0)
            try RunInfo(trainSeconds: earlier + seconds, trainableParameters: training.model.trainableAdapter?.params.count ?? training.model.parameterCount,
                        parameters: training.model.parameterCount).write(directory: directory)
        }
        try evaluate(checkpoint: RunDirectory.checkpoint(of: directory), into: directory)
        return try RunDirectory(path: directory)
    }

    /// Evaluates a checkpoint and writes `directory/eval.json`.
    @discardableResult
    public func evaluate(checkpoint: String, into directory: String) throws -> EvalResult {
        let t0 = Date()
        let e = try Evaluator(checkpoint: checkpoint, options: evalOptions).run(data: evalData)
        try makeDirectory(directory)
        try e.write(path: directory + "/eval.json")
        log(String(format: "  evaluated in %.1f s: %@", Date().timeIntervalSince(t0),
                   e.datasets.map { d in
                        d.accuracy.map { String(format: "%@ accuracy %.3f", d.label, $0) } ?? "\(d.label) loss \(d.loss.map { String(format: "%.4f", $0) } ?? "-")"
                   }.joined(separator: ", ")))
        return e
    }
}
