import Foundation
import Tokenization
import Yams

/// A training run as written in TRAIN.yaml (see schemas/train.schema.json). Unknown keys are rejected.
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
        /// Exactly one of `fisher` and `fisherData` is meant to be given (the YAML parser checks).
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
    /// Check each shard file's sha256 when it is opened (not a YAML key; false: `pipeline train --no-verify`).
    public var verifyShards = true

    public init(data: [Source], outputDir: String, model: LlamaConfig? = nil) {
        self.data = data; self.outputDir = outputDir; self.model = model
    }

    /// Parses TRAIN.yaml text; relative paths are resolved against `baseDir`.
    public static func parse(yaml text: String, baseDir: String = ".") throws -> TrainConfig {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch { throw TrainerError.config("YAML: \(error)") }
        guard let top = root as? [String: Any] else { throw TrainerError.config("TRAIN.yaml must be a mapping") }
        let known: Set<String> = ["data", "eval_data", "objective", "model", "init_from", "extend_vocab_size", "vocab_pieces", "seed",
                                  "shuffle_buffer", "steps", "batch_size", "grad_accum", "seq_len", "optimizer", "schedule",
                                  "eval_every", "eval_batches", "checkpoint_every", "log_every", "threads", "output_dir", "lora", "ewc", "tokenizer", "chat_template"]
        for k in top.keys where !known.contains(k) { throw TrainerError.config("unknown key '\(k)'") }
        func path(_ p: String) -> String { p.hasPrefix("/") ? p : baseDir + "/" + p }
        func sources(_ key: String) throws -> [Source] {
            guard let v = top[key] else { return [] }
            let list: [Any] = (v as? [Any]) ?? [v]
            return try list.map { item in
                if let s = item as? String { return Source(path: path(s)) }
                guard let m = item as? [String: Any], let p = m["path"] as? String else {
                    throw TrainerError.config("\(key): each entry is a path or {path, weight}")
                }
                let w = try num(m["weight"], "\(key).weight") ?? 1
                guard w > 0 else { throw TrainerError.config("\(key).weight must be positive") }
                return Source(path: path(p), weight: w)
            }
        }
        func num(_ v: Any?, _ k: String) throws -> Double? {
            guard let v else { return nil }
            if let i = v as? Int { return Double(i) }
            if let d = v as? Double { return d }
            throw TrainerError.config("\(k) must be a number")
        }
        func int(_ v: Any?, _ k: String) throws -> Int? {
            guard let v else { return nil }
            guard let i = v as? Int else { throw TrainerError.config("\(k) must be an integer") }
            return i
        }
        func sub(_ k: String, _ keys: Set<String>) throws -> [String: Any] {
            guard let v = top[k] else { return [:] }
            guard let m = v as? [String: Any] else { throw TrainerError.config("\(k) must be a mapping") }
            for key in m.keys where !keys.contains(key) { throw TrainerError.config("unknown key '\(k).\(key)'") }
            return m
        }
        guard let out = top["output_dir"] as? String else { throw TrainerError.config("output_dir is required") }
        var c = TrainConfig(data: try sources("data"), outputDir: path(out))
        guard !c.data.isEmpty else { throw TrainerError.config("data needs at least one shard folder") }
        c.evalData = try sources("eval_data")
        if let o = top["objective"] {
            guard let s = o as? String, let ob = Objective(rawValue: s) else { throw TrainerError.config("objective is auto, cpt or sft") }
            c.objective = ob
        }
        c.tokenizer = (top["tokenizer"] as? String).map(path)
        if top["tokenizer"] != nil && c.tokenizer == nil { throw TrainerError.config("tokenizer must be a path to a tokenizer.json") }
        if let t = top["chat_template"] {
            guard let s = t as? String else { throw TrainerError.config("chat_template must be chatml, llama3 or a template YAML path") }
            c.chatTemplate = s.hasSuffix(".yaml") || s.hasSuffix(".yml") ? path(s) : s
        }
        let m = try sub("model", ["vocab_size", "hidden_size", "intermediate_size", "num_layers", "num_heads", "num_kv_heads",
                                  "rope_theta", "rms_norm_eps", "tie_embeddings", "max_positions"])
        if !m.isEmpty {
            func req(_ k: String) throws -> Int {
                guard let v = try int(m[k], "model.\(k)") else { throw TrainerError.config("model.\(k) is required") }
                return v
            }
            let nh = try req("num_heads")
            c.model = LlamaConfig(vocabSize: try int(m["vocab_size"], "model.vocab_size") ?? tokenizerSize(c.tokenizer), hiddenSize: try req("hidden_size"), intermediateSize: try req("intermediate_size"),
                                  numLayers: try req("num_layers"), numHeads: nh, numKVHeads: try int(m["num_kv_heads"], "model.num_kv_heads") ?? nh,
                                  maxPositions: try int(m["max_positions"], "model.max_positions") ?? 2048,
                                  ropeTheta: try num(m["rope_theta"], "model.rope_theta") ?? 10_000,
                                  rmsNormEps: Float(try num(m["rms_norm_eps"], "model.rms_norm_eps") ?? 1e-5),
                                  tieEmbeddings: (m["tie_embeddings"] as? Bool) ?? false)
            try c.model!.validate()
        }
        c.initFrom = (top["init_from"] as? String).map(path)
        c.extendVocabSize = try int(top["extend_vocab_size"], "extend_vocab_size")
        c.vocabPieces = (top["vocab_pieces"] as? String).map(path)
        guard c.model != nil || c.initFrom != nil else { throw TrainerError.config("give model dimensions or init_from") }
        if let s = try int(top["seed"], "seed") { c.seed = UInt64(s) }
        c.shuffleBuffer = try int(top["shuffle_buffer"], "shuffle_buffer") ?? c.shuffleBuffer
        c.steps = try int(top["steps"], "steps") ?? c.steps
        c.batchSize = try int(top["batch_size"], "batch_size") ?? c.batchSize
        c.gradAccum = try int(top["grad_accum"], "grad_accum") ?? c.gradAccum
        c.seqLen = try int(top["seq_len"], "seq_len") ?? c.seqLen
        c.evalEvery = try int(top["eval_every"], "eval_every") ?? c.evalEvery
        c.evalBatches = try int(top["eval_batches"], "eval_batches") ?? c.evalBatches
        c.checkpointEvery = try int(top["checkpoint_every"], "checkpoint_every") ?? c.checkpointEvery
        c.logEvery = try int(top["log_every"], "log_every") ?? c.logEvery
        c.threads = try int(top["threads"], "threads") ?? c.threads
        let o = try sub("optimizer", ["lr", "weight_decay", "beta1", "beta2", "eps", "grad_clip"])
        c.lr = try num(o["lr"], "optimizer.lr") ?? c.lr
        c.weightDecay = try num(o["weight_decay"], "optimizer.weight_decay") ?? c.weightDecay
        c.beta1 = try num(o["beta1"], "optimizer.beta1") ?? c.beta1
        c.beta2 = try num(o["beta2"], "optimizer.beta2") ?? c.beta2
        c.eps = try num(o["eps"], "optimizer.eps") ?? c.eps
        c.gradClip = try num(o["grad_clip"], "optimizer.grad_clip") ?? c.gradClip
        let s = try sub("schedule", ["warmup_steps", "min_lr_ratio"])
        c.warmupSteps = try int(s["warmup_steps"], "schedule.warmup_steps") ?? c.warmupSteps
        c.minLRRatio = try num(s["min_lr_ratio"], "schedule.min_lr_ratio") ?? c.minLRRatio
        let lo = try sub("lora", ["rank", "alpha", "dropout", "rslora", "modules", "base_quantization"])
        if top["lora"] != nil {
            var l = LoRAConfig()
            l.rank = try int(lo["rank"], "lora.rank") ?? l.rank
            l.alpha = try num(lo["alpha"], "lora.alpha") ?? l.alpha
            l.dropout = try num(lo["dropout"], "lora.dropout") ?? l.dropout
            if let r = lo["rslora"] {
                guard let b = r as? Bool else { throw TrainerError.config("lora.rslora must be true or false") }
                l.rslora = b
            }
            if let ms = lo["modules"] {
                guard let list = ms as? [Any] else { throw TrainerError.config("lora.modules must be a list") }
                l.modules = try Array(Set(list.map { item in
                    guard let n = item as? String, let m = LoRAConfig.Module(name: n) else {
                        throw TrainerError.config("lora.modules: '\(item)' is not one of q, k, v, o, gate, up, down")
                    }
                    return m
                })).sorted()
            }
            if let q = lo["base_quantization"] {
                guard let s = q as? String, let bq = LoRAConfig.BaseQuantization(rawValue: s) else {
                    throw TrainerError.config("lora.base_quantization is none, nf4 or int8")
                }
                l.baseQuantization = bq
            }
            try l.validate()
            guard c.initFrom != nil else { throw TrainerError.config("lora needs init_from (the base checkpoint)") }
            guard c.extendVocabSize == nil else { throw TrainerError.config("lora cannot extend the vocabulary of its frozen base") }
            c.lora = l
        }
        let e = try sub("ewc", ["lambda", "fisher", "fisher_data", "fisher_samples"])
        if top["ewc"] != nil {
            guard let lam = try num(e["lambda"], "ewc.lambda") else { throw TrainerError.config("ewc.lambda is required") }
            guard lam >= 0 else { throw TrainerError.config("ewc.lambda must not be negative") }
            var w = EWC(lambda: lam)
            if let f = e["fisher"] {
                guard let s = f as? String else { throw TrainerError.config("ewc.fisher must be a path") }
                w.fisher = path(s)
            }
            if let d = e["fisher_data"] {
                guard let list = (d as? [Any]) ?? (d as? String).map({ [$0] }), list.allSatisfy({ $0 is String }) else {
                    throw TrainerError.config("ewc.fisher_data must be a list of shard folders")
                }
                w.fisherData = list.map { path($0 as! String) }
            }
            w.fisherSamples = try int(e["fisher_samples"], "ewc.fisher_samples") ?? w.fisherSamples
            guard w.fisherSamples > 0 else { throw TrainerError.config("ewc.fisher_samples must be positive") }
            guard (w.fisher != nil) != !w.fisherData.isEmpty else { throw TrainerError.config("ewc needs exactly one of fisher and fisher_data") }
            guard c.initFrom != nil else { throw TrainerError.config("ewc needs init_from (the weights to stay close to)") }
            c.ewc = w
        }
        guard c.steps > 0, c.batchSize > 0, c.gradAccum > 0, c.seqLen > 1 else {
            throw TrainerError.config("steps, batch_size, grad_accum must be positive and seq_len > 1")
        }
        if c.model != nil && c.initFrom == nil {
            // an explicit max_positions must hold seq_len; the default (2048) grows to it
            if m["max_positions"] == nil { c.model!.maxPositions = max(c.model!.maxPositions, c.seqLen) }
            guard c.seqLen <= c.model!.maxPositions else {
                throw TrainerError.config("seq_len \(c.seqLen) exceeds model.max_positions \(c.model!.maxPositions); lower seq_len or raise model.max_positions")
            }
        }
        return c
    }

    /// The vocabulary size of the tokenizer at `path`, for a model section without vocab_size.
    static func tokenizerSize(_ path: String?) throws -> Int {
        guard let path else { throw TrainerError.config("model.vocab_size is required without tokenizer") }
        do { return try BPETokenizer.load(path: path).vocabSize } catch {
            throw TrainerError.config("tokenizer \(path): \(error)")
        }
    }

    public static func load(path: String) throws -> TrainConfig {
        guard let d = FileManager.default.contents(atPath: path) else { throw TrainerError.config("cannot read \(path)") }
        let base = (path as NSString).deletingLastPathComponent
        return try parse(yaml: String(decoding: d, as: UTF8.self), baseDir: base.isEmpty ? "." : base)
    }
}
