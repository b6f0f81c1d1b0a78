import DomainForgeCore
import Foundation
import Trainer

/// A run directory, as `pipeline report` and `pipeline sweep` read it: a training `output_dir` plus the evaluation
/// of its final checkpoint.
///
/// ```
/// RUN/
///   metrics.jsonl          one JSON object per step, written by training: {"step","loss","lr","grad_norm","tokens",...}
///                          and {"step","eval_loss"} lines when eval_every is set
///   latest                 the name of the last checkpoint folder
///   checkpoint-NNNNNN/     model.safetensors + config.json (+ optimizer state), or a PEFT adapter folder
///   eval.json              written by `pipeline eval RUN DATA... --out RUN/eval.json` (labels `domain`, `general`)
///   train.yaml             optional: the TRAIN.yaml the run was made with (sweep and lab write it)
/// ```
public struct RunDirectory: Sendable {
    /// One point of a training curve.
    public struct Point: Sendable, Equatable {
        public var step: Int
        public var value: Double
    }

    public let path: String
    /// The folder's last path component.
    public var name: String
    public var eval: EvalResult
    /// Training loss per logged step, and eval loss where it was measured.
    public var trainLoss: [Point]
    public var evalLoss: [Point]

    /// Reads `RUN/eval.json` (required) and `RUN/metrics.jsonl` (optional; malformed lines are skipped).
    public init(path: String) throws {
        self.path = path
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        name = (trimmed as NSString).lastPathComponent
        guard FileManager.default.fileExists(atPath: path + "/eval.json") else {
            throw EvaluationError.data("\(path) has no eval.json; run: pipeline eval \(path) domain=DOMAIN_HELDOUT general=GENERAL_HELDOUT --out \(path)/eval.json")
        }
        eval = try EvalResult.load(path: path + "/eval.json")
        (trainLoss, evalLoss) = Self.metrics(path: path + "/metrics.jsonl")
    }

    /// The training and eval loss curves of a `metrics.jsonl` (empty when the file is absent).
    public static func metrics(path: String) -> (train: [Point], eval: [Point]) {
        guard let d = FileManager.default.contents(atPath: path) else { return ([], []) }
        var train = [Point](), ev = [Point]()
        for line in d.split(separator: UInt8(ascii: "\n")) {
            guard let j = try? JSONParser.parse(bytes: [UInt8](line)), let step = j["step"]?.intValue else { continue }
            if let l = j["loss"]?.doubleValue { train.append(Point(step: step, value: l)) }
            if let l = j["eval_loss"]?.doubleValue { ev.append(Point(step: step, value: l)) }
        }
        return (train, ev)
    }

    /// The checkpoint folder of `path`: itself when it holds `config.json` (or an adapter), else the one named in `path/latest`.
    public static func checkpoint(of path: String) -> String { Checkpoint.folder(resolving: path) }
}
