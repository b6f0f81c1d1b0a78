import DomainForgeCore
import Foundation

/// `synth_report.json` of a `pipeline synth-replay` run: what was asked (`parameters`) and where every generated
/// text went. `generated` = `kept` + Σ `dropped` + Σ `rejected`.
public struct SynthReport: Sendable, Equatable {
    /// The request the output was made for (checkpoint, mode, prompts, n, seed, sampling, stages); a rerun with
    /// different parameters starts again.
    public var parameters: JSONValue
    /// Texts generated (`n`).
    public var generated = 0
    /// Generations that reached `max_new_tokens` before the stop token (kept as they are, cut).
    public var unterminated = 0
    /// Texts dropped by the quality and dedup stages, by `stage/reason`.
    public var dropped: [String: Int] = [:]
    /// Texts the pipeline could not read (an empty generation, say), by error code.
    public var rejected: [String: Int] = [:]
    /// Texts written to the shards.
    public var kept = 0
    /// Tokens in the shards (every token of the samples).
    public var tokens = 0
    /// Tokens with loss mask 1 (SFT shards: the answers); equal to `tokens` for CPT shards.
    public var trainedTokens = 0
    /// The shard folder a replay source names.
    public var shards = ""

    public init(parameters: JSONValue) { self.parameters = parameters }

    /// The report as JSON (keys sorted).
    public var json: JSONValue {
        func counts(_ d: [String: Int]) -> JSONValue { .object(d.mapValues { .int(Int64($0)) }) }
        return .object([
            "format": .string("domainforge-synth-replay"), "parameters": parameters,
            "generated": .int(Int64(generated)), "unterminated": .int(Int64(unterminated)),
            "dropped": counts(dropped), "rejected": counts(rejected), "kept": .int(Int64(kept)),
            "tokens": .int(Int64(tokens)), "trained_tokens": .int(Int64(trainedTokens)), "shards": .string(shards),
        ])
    }

    /// Reads a report written by `write(path:)`; nil when the file is absent or not a report.
    public static func load(path: String) -> SynthReport? {
        guard let d = FileManager.default.contents(atPath: path), let j = try? JSONParser.parse(bytes: [UInt8](d)),
              j["format"]?.stringValue == "domainforge-synth-replay", let p = j["parameters"] else { return nil }
        func counts(_ k: String) -> [String: Int] { (j[k]?.objectValue ?? [:]).compactMapValues { $0.intValue } }
        var r = SynthReport(parameters: p)
        r.generated = j["generated"]?.intValue ?? 0
        r.unterminated = j["unterminated"]?.intValue ?? 0
        r.dropped = counts("dropped")
        r.rejected = counts("rejected")
        r.kept = j["kept"]?.intValue ?? 0
        r.tokens = j["tokens"]?.intValue ?? 0
        r.trainedTokens = j["trained_tokens"]?.intValue ?? 0
        r.shards = j["shards"]?.stringValue ?? ""
        return r
    }

    /// Writes the report under a temporary name, then renames it (the report is written last: its presence marks a
    /// finished run).
    public func write(path: String) throws {
        let tmp = path + ".tmp"
        try Data((json.serialized() + "\n").utf8).write(to: URL(fileURLWithPath: tmp))
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: tmp, toPath: path)
    }

    /// One line for logs.
    public var summary: String {
        let drops = dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "\(generated) generated (\(unterminated) cut at the token limit), \(kept) kept, dropped: \(drops.isEmpty ? "none" : drops)"
            + (rejected.isEmpty ? "" : ", rejected: \(rejected.values.reduce(0, +))") + "; \(tokens) tokens in \(shards)"
    }
}
