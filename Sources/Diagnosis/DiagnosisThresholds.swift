import Foundation

/// The thresholds the recommendation compares measurements with. Defaults are documented in the README ("Diagnose:
/// CPT, SFT or RAG?"); a file of `key: value` lines (YAML subset, `#` comments) overrides any of them.
public struct DiagnosisThresholds: Sendable, Equatable {
    /// Domain loss minus general loss (nats per token) at or above which the model lacks the field's knowledge.
    public var lossGap = 0.5
    /// Domain fertility / general fertility at or above which the vocabulary fits badly.
    public var fertilityRatio = 1.2
    /// Share of domain terms split into 3 or more tokens at or above which the vocabulary fits badly.
    public var fragmentedShare = 0.3
    /// Domain tokens below which CPT has too little data to teach knowledge (RAG instead).
    public var minCPTTokens = 1_000_000.0
    /// SFT response loss (nats) at or above which the model does not yet answer in the set's way.
    public var responseLoss = 2.0
    /// Share of greedy answers that stop at the end-of-turn token below which behaviour needs SFT.
    public var stopCompliance = 0.8
    /// Share of JSON-asking prompts answered with valid JSON below which behaviour needs SFT.
    public var jsonCompliance = 0.9
    /// SFT tokens at or above which SFT should mix in general replay (the set is large enough to cause forgetting).
    public var replaySFTTokens = 5_000_000.0
    /// The general replay share recommended with mixed SFT.
    public var replayRatio = 0.2
    /// Effective accelerator throughput for GPU-hour estimates, in TFLOP/s.
    public var gpuTFLOPS = 100.0

    public init() {}

    /// Every key with its current value, in a fixed order (the names used in threshold files and in `--json`).
    public var entries: [(String, Double)] {
        [("loss_gap", lossGap), ("fertility_ratio", fertilityRatio), ("fragmented_share", fragmentedShare),
         ("min_cpt_tokens", minCPTTokens), ("response_loss", responseLoss), ("stop_compliance", stopCompliance),
         ("json_compliance", jsonCompliance), ("replay_sft_tokens", replaySFTTokens), ("replay_ratio", replayRatio),
         ("gpu_tflops", gpuTFLOPS)]
    }

    /// Sets one threshold by its file key.
    mutating func set(_ key: String, _ v: Double) throws(DiagnosisError) {
        switch key {
        case "loss_gap": lossGap = v
        case "fertility_ratio": fertilityRatio = v
        case "fragmented_share": fragmentedShare = v
        case "min_cpt_tokens": minCPTTokens = v
        case "response_loss": responseLoss = v
        case "stop_compliance": stopCompliance = v
        case "json_compliance": jsonCompliance = v
        case "replay_sft_tokens": replaySFTTokens = v
        case "replay_ratio": replayRatio = v
        case "gpu_tflops": gpuTFLOPS = v
        default:
            throw .thresholds("unknown key '\(key)'; known keys: \(entries.map(\.0).joined(separator: ", "))")
        }
    }

    /// Parses `key: number` lines over the defaults. Unknown keys, non-numbers and negative values are errors.
    public static func parse(_ text: String) throws(DiagnosisError) -> DiagnosisThresholds {
        var t = DiagnosisThresholds()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let colon = trimmed.firstIndex(of: ":") else { throw .thresholds("line \(n + 1): expected 'key: value'") }
            let key = trimmed[..<colon].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
            guard let v = Double(value), v.isFinite, v >= 0 else {
                throw .thresholds("line \(n + 1): '\(key)' needs a non-negative number, got '\(value)'")
            }
            try t.set(key, v)
        }
        return t
    }

    /// Reads and parses a thresholds file.
    public static func load(path: String) throws(DiagnosisError) -> DiagnosisThresholds {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .missingInput(path) }
        return try parse(text)
    }
}
