import DomainForgeCore
import Foundation

// How a training run sets up `layerwise_reg:` (LayerwiseRegularizer): the importance before any LoRA adapter is
// attached, the regularizer after (its groups follow what is trainable), its α_l from a resumed checkpoint.
extension TrainingRun {
    /// The file the importance measured at the start of a run is saved to (and reused from by --resume).
    static let importanceFile = "importance.safetensors"

    /// The element-wise importance of a run: the file named in the config, the one saved when the run started
    /// (resuming), or one measured now on `fisher_data` from the init_from weights and saved to output_dir.
    static func layerwiseImportance(_ e: LayerwiseRegConfig, config: TrainConfig, model: LlamaModel, resumed: Bool) throws -> FisherInformation {
        let saved = config.outputDir + "/" + importanceFile
        if let f = e.fisher { return try FisherInformation.load(path: f, layout: model.layout) }
        if resumed, FileManager.default.fileExists(atPath: saved) { return try FisherInformation.load(path: saved, layout: model.layout) }
        let info: FisherInformation
        switch e.importance {
        case .fisher:
            info = try FisherInformation.estimate(model: model, data: e.fisherData, samples: e.fisherSamples, seqLen: config.seqLen,
                                                  seed: config.seed, verifyHashes: config.verifyShards)
        case .gradient:
            info = try SynapticImportance.estimate(model: model, data: e.fisherData, steps: e.fisherSamples, lr: e.importanceLR,
                                                   damping: e.damping, seqLen: config.seqLen, seed: config.seed,
                                                   verifyHashes: config.verifyShards)
        }
        try makeDirectory(config.outputDir)
        try info.save(path: saved)
        return info
    }

    /// The regularizer of a run (nil without `layerwise_reg:`), with the α_l of `resumeFrom` when resuming.
    static func layerwiseRegularizer(_ importance: FisherInformation?, config: TrainConfig, model: LlamaModel,
                                     resumeFrom: String?) throws -> LayerwiseRegularizer? {
        guard let importance, let e = config.layerwise else { return nil }
        let r = try LayerwiseRegularizer(importance: importance, config: e, model: model)
        if let dir = resumeFrom { try r.load(from: dir) }
        return r
    }
}
