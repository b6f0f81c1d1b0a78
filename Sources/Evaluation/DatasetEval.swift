import DomainForgeCore

/// The scores of one dataset in an `eval.json`: next-token metrics for shard folders and SFT files, accuracy for
/// multiple-choice files, format checks for SFT files. Fields that do not apply to a kind are nil.
public struct DatasetEval: Sendable, Equatable {
    /// What was scored.
    public enum Kind: String, Sendable {
        /// A CPT shard folder (loss on every target).
        case cptShards = "cpt_shards"
        /// An SFT shard folder (loss on targets whose loss_mask is 1).
        case sftShards = "sft_shards"
        /// MMLU-style CSV files scored by log-likelihood of each choice.
        case multipleChoice = "multiple_choice"
        /// SFT JSONL/JSON records rendered with a chat template: loss on responses plus format checks.
        case sftRecords = "sft_records"
    }

    /// The name reports use to find the dataset (`domain`, `general`, or the folder name).
    public var label: String
    public var path: String
    public var kind: Kind
    /// Mean cross-entropy (nats) over counted targets.
    public var loss: Double?
    /// exp(loss).
    public var perplexity: Double?
    /// Fraction of counted targets whose argmax prediction is the target.
    public var tokenAccuracy: Double?
    /// Targets counted in the loss.
    public var tokens = 0
    /// Windows (shards) or records (SFT) scored.
    public var windows = 0
    /// Multiple choice: questions scored, correct by summed log-likelihood, correct by per-byte log-likelihood.
    public var questions: Int?
    public var correct: Int?
    public var correctNormalized: Int?
    /// Multiple choice: expected accuracy of guessing (mean of 1 / number of choices).
    public var chance: Double?
    /// SFT records: responses that had to be JSON, and how many greedy responses parsed as JSON.
    public var formatChecked: Int?
    public var formatPassed: Int?
    /// Rows or records skipped, each as `file:line: message` (at most 50 kept; `problemCount` counts all).
    public var problems: [String] = []
    public var problemCount = 0

    /// An entry with no scores yet.
    public init(label: String, path: String, kind: Kind) { self.label = label; self.path = path; self.kind = kind }

    /// Accuracy of multiple choice (summed log-likelihood), nil for other kinds.
    public var accuracy: Double? {
        guard let q = questions, let c = correct, q > 0 else { return nil }
        return Double(c) / Double(q)
    }

    /// Records a skipped row or record.
    public mutating func addProblem(_ message: String) {
        problemCount += 1
        if problems.count < 50 { problems.append(message) }
    }

    /// The JSON object written to `eval.json`.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["label": .string(label), "path": .string(path), "kind": .string(kind.rawValue),
                                      "tokens": .int(Int64(tokens)), "windows": .int(Int64(windows)),
                                      "problem_count": .int(Int64(problemCount)), "problems": .array(problems.map { .string($0) })]
        func put(_ k: String, _ v: Double?) { if let v, v.isFinite { o[k] = .double(v) } }
        func put(_ k: String, _ v: Int?) { if let v { o[k] = .int(Int64(v)) } }
        put("loss", loss); put("perplexity", perplexity); put("token_accuracy", tokenAccuracy)
        put("questions", questions); put("correct", correct); put("correct_normalized", correctNormalized)
        put("accuracy", accuracy); put("chance", chance)
        if let q = questions, let c = correctNormalized, q > 0 { put("accuracy_normalized", Double(c) / Double(q)) }
        put("format_checked", formatChecked); put("format_passed", formatPassed)
        return .object(o)
    }

    /// Reads one entry of `eval.json`.
    public init(json j: JSONValue, file: String) throws {
        guard let label = j["label"]?.stringValue, let path = j["path"]?.stringValue,
              let k = j["kind"]?.stringValue, let kind = Kind(rawValue: k) else {
            throw EvaluationError.data("\(file): a dataset entry needs label, path and a known kind")
        }
        self.init(label: label, path: path, kind: kind)
        loss = j["loss"]?.doubleValue; perplexity = j["perplexity"]?.doubleValue; tokenAccuracy = j["token_accuracy"]?.doubleValue
        tokens = j["tokens"]?.intValue ?? 0; windows = j["windows"]?.intValue ?? 0
        questions = j["questions"]?.intValue; correct = j["correct"]?.intValue; correctNormalized = j["correct_normalized"]?.intValue
        chance = j["chance"]?.doubleValue
        formatChecked = j["format_checked"]?.intValue; formatPassed = j["format_passed"]?.intValue
        problems = (j["problems"]?.arrayValue ?? []).compactMap(\.stringValue)
        problemCount = j["problem_count"]?.intValue ?? problems.count
    }
}
