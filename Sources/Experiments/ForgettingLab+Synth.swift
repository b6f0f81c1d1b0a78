import Evaluation
import Foundation

extension ForgettingLab {
    /// `data/synth-general`: the base's own general text (`SyntheticReplay` output), for `replay_source: synthesized`.
    public var synthDir: String { dataDir + "/synth-general" }

    /// The shard folder an arm's replay share draws from.
    func replayShards(_ arm: LabConfig.Arm) -> String {
        switch arm.replaySource {
        case .general: return trainShards("general")
        case .synthesized: return synthDir + "/shards"
        case .generalChat: return chatTrainShards
        }
    }

    /// Makes the self-synthesized replay set from the base when an arm needs it (reused when finished with the same
    /// settings); returns its report, or nil when no arm replays synthesized text.
    func synthesizeReplay(base: String) throws -> SynthReport? {
        guard config.needsSynthesizedReplay else { return nil }
        log("[synth] the base generates its own general text for replay (self-synthesized rehearsal)")
        let t0 = Date()
        var o = config.synth.options
        o.workers = config.threads
        var s = SyntheticReplay(checkpoint: base, tokenizerPath: config.tokenizer, mode: .unconditional, options: o)
        s.log = { line in self.log("  " + line) }
        let r = try s.run(outputDir: synthDir)
        guard r.kept > 0 else {
            throw EvaluationError.data("synth-replay kept none of the base's \(r.generated) texts (\(r.summary)); raise synth.n or synth.temperature")
        }
        log(String(format: "  synthesized replay ready in %.1f s", Date().timeIntervalSince(t0)))
        return r
    }
}
