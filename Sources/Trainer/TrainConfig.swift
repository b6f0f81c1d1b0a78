import Foundation
import Tokenization

/// A training run as written in TRAIN.yaml (see schemas/train.schema.json; read by `TrainConfig+YAML.swift`).
/// The defaults below are the only ones: the schema's `default`s are checked against them by a test.
public struct TrainConfig: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var path: String
        public var weight: Double
        public init(path: String, weight: Double = 1) { self.path = path; self.weight = weight }
    }
    public enum Objective: String, Sendable { case auto, cpt, sft }
    /// The `ewc:` section: penalty strength and where the Fisher information comes from.
    public struct EWC: Sendable, Equatable {
        /// Penalty strength λ.
        public var lambda: Double
        /// A file written by `pipeline fisher` (or a previous run).
        public var fisher: String?
        /// Shard folders to estimate the Fisher information on at the start of training (from `init_from`).
        public var fisherData: [String] = []
        /// Windows for the estimate from `fisherData`.
        public var fisherSamples = 64
        /// Exactly one of `fisher` and `fisherData` is meant to be given (the YAML reader checks).
        public init(lambda: Double, fisher: String? = nil, fisherData: [String] = [], fisherSamples: Int = 64) {
            self.lambda = lambda; self.fisher = fisher; self.fisherData = fisherData; self.fisherSamples = fisherSamples
        }
    }

    public var data: [Source]
    public var evalData: [Source] = []
    public var objective: Objective = .auto
    public var model: LlamaConfig?
    /// The tokenizer.json written into every checkpoint folder (`HFTokenizerFiles`).
    public var tokenizer: String?
    /// The chat template written as jinja into tokenizer_config.json (`chatml`, `llama3` or a YAML file).
    public var chatTemplate: String?
    /// Start from this checkpoint (continual pre-training); `model` is then ignored.
    public var initFrom: String?
    /// With `initFrom`: grow the vocabulary to this size, new rows the mean of their pieces (`vocabPieces` JSON map).
    public var extendVocabSize: Int?
    public var vocabPieces: String?
    public var seed: UInt64 = 1
    public var shuffleBuffer = 256
    public var steps = 100
    public var batchSize = 8
    public var gradAccum = 1
    public var seqLen = 256
    public var lr = 3e-4
    public var minLRRatio = 0.1
    public var warmupSteps = 10
    public var weightDecay = 0.1
    public var beta1 = 0.9, beta2 = 0.95, eps = 1e-8
    public var gradClip = 1.0
    public var evalEvery = 0
    public var evalBatches = 4
    public var checkpointEvery = 0
    public var logEvery = 1
    public var threads = 1
    public var outputDir: String
    /// LoRA on a frozen `initFrom` base (nil: full fine-tuning).
    public var lora: LoRAConfig?
    /// Elastic weight consolidation against `initFrom` (nil: off).
    public var ewc: EWC?
    /// Dual-objective regularization with layer-wise coefficients against `initFrom` (nil: off).
    public var layerwise: LayerwiseRegConfig?
    /// Check each shard file's sha256 when it is opened (not a YAML key; false: `pipeline train --no-verify`).
    public var verifyShards = true

    // prefix tuning
    /// Prefix tuning on a frozen `initFrom` base (nil: off; not combined with `lora` or `ewc`).
    public var prefix: PrefixConfig?

    public init(data: [Source], outputDir: String, model: LlamaConfig? = nil) {
        self.data = data; self.outputDir = outputDir; self.model = model
    }
    /// The vocabulary size of the tokenizer at `path`, for a model section without vocab_size.
    static func tokenizerSize(_ path: String?) throws -> Int {
        guard let path else { throw TrainerError.config("model.vocab_size is required without tokenizer") }
        do { return try BPETokenizer.load(path: path).vocabSize } catch {
            throw TrainerError.config("tokenizer \(path): \(error)")
        }
    }
}
