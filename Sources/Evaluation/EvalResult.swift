import DomainForgeCore
import Foundation

/// The content of an `eval.json` written by `pipeline eval --out`: which checkpoint, the settings, and one entry per
/// dataset. Reports find datasets by label.
public struct EvalResult: Sendable, Equatable {
    /// The checkpoint folder scored.
    public var checkpoint: String
    /// Targets per window.
    public var seqLen: Int
    /// The --max-batches limit, if any.
    public var maxBatches: Int?
    /// One entry per dataset, in argument order.
    public var datasets: [DatasetEval]

    /// A result from its parts.
    public init(checkpoint: String, seqLen: Int, maxBatches: Int?, datasets: [DatasetEval]) {
        self.checkpoint = checkpoint; self.seqLen = seqLen; self.maxBatches = maxBatches; self.datasets = datasets
    }

    /// The first dataset with this label.
    public func dataset(_ label: String) -> DatasetEval? { datasets.first { $0.label == label } }

    /// The JSON written to `eval.json`.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["format": .string("domainforge-eval"), "version": .int(1), "checkpoint": .string(checkpoint),
                                      "seq_len": .int(Int64(seqLen)), "datasets": .array(datasets.map(\.json))]
        if let m = maxBatches { o["max_batches"] = .int(Int64(m)) }
        return .object(o)
    }

    /// Writes the JSON atomically.
    public func write(path: String) throws {
        let f = try AtomicOutputFile(path: path)
        try f.write(Array((json.serialized() + "\n").utf8))
        try f.commit()
    }

    /// Reads an `eval.json`.
    public static func load(path: String) throws -> EvalResult {
        guard let d = FileManager.default.contents(atPath: path) else { throw EvaluationError.io("cannot read \(path)") }
        let j: JSONValue
        do { j = try JSONParser.parse(bytes: [UInt8](d)) } catch { throw EvaluationError.data("\(path): not JSON: \(error)") }
        guard j["format"]?.stringValue == "domainforge-eval", let list = j["datasets"]?.arrayValue else {
            throw EvaluationError.data("\(path): not an eval.json written by pipeline eval (format domainforge-eval)")
        }
        return EvalResult(checkpoint: j["checkpoint"]?.stringValue ?? "", seqLen: j["seq_len"]?.intValue ?? 0,
                          maxBatches: j["max_batches"]?.intValue, datasets: try list.map { try DatasetEval(json: $0, file: path) })
    }
}
