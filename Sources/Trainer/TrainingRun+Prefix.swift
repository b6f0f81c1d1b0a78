import Foundation

extension TrainingRun {
    /// The prefix adapter of a run: fresh (deterministic in `seed`), or a resumed checkpoint's (its config must match).
    static func prefixAdapter(_ pc: PrefixConfig, model: LlamaModel, seed: UInt64, resumeFrom: String?) throws -> PrefixAdapter {
        let adapter = try PrefixAdapter(config: pc, model: model.config, seed: seed)
        guard let r = resumeFrom else { return adapter }
        guard let saved = try PrefixAdapter.loadConfig(from: r) else {
            throw TrainerError.config("\(r) holds no prefix-tuning adapter; the config has a prefix section")
        }
        guard saved.config.numVirtualTokens == pc.numVirtualTokens, saved.config.projection == pc.projection,
              !pc.projection || saved.config.encoderHiddenSize == adapter.hidden else {
            throw TrainerError.config("the checkpoint's prefix (P \(saved.config.numVirtualTokens), projection \(saved.config.projection)) differs from the config's prefix section")
        }
        try adapter.loadTrainingState(from: r)
        return adapter
    }
}
