import DomainForgeCore
import Foundation
import PipelineConfig

// TRAIN.yaml → `TrainConfig` along the one config path: YAML → `JSONValue` → schemas/train.schema.json (every problem
// with its key path) → typed values. The schema checks types, ranges and unknown keys; this file reads the values and
// checks what the schema cannot say (keys that need each other). Defaults live in `TrainConfig` only.

extension TrainConfig {
    /// Parses TRAIN.yaml text; relative paths are resolved against `baseDir`. Throws `TrainerError.config` listing
    /// every problem, one `key.path: message` per line.
    public static func parse(yaml text: String, baseDir: String = ".") throws -> TrainConfig {
        let tree: JSONValue
        do { tree = try YAMLLoader.load(text, file: "TRAIN.yaml") } catch { throw TrainerError.config("\(error)") }
        return try decode(tree, paths: PathResolver(baseDirectory: baseDir, style: .joined))
    }

    /// Reads a TRAIN.yaml file; relative paths are resolved against its folder.
    public static func load(path: String) throws -> TrainConfig {
        let tree: JSONValue
        do { tree = try ConfigFile.read(path: path) } catch { throw TrainerError.config("\(error)") }
        return try decode(tree, paths: PathResolver(configFile: path, style: .joined))
    }

    /// Validates a parsed TRAIN.yaml tree (a file of another kind is named as such) and reads it.
    public static func decode(_ tree: JSONValue, paths: PathResolver) throws -> TrainConfig {
        do { try ConfigFile.validate(tree, as: .train) } catch let e as ConfigErrors { throw TrainerError.config(e.description) }
        var c = TrainConfig(data: sources(tree["data"], paths), outputDir: paths.resolve(tree["output_dir"]!.stringValue!))
        c.evalData = sources(tree["eval_data"], paths)
        if let o = tree["objective"]?.stringValue { c.objective = Objective(rawValue: o)! }
        c.initFrom = tree["init_from"]?.stringValue.map(paths.resolve)
        c.extendVocabSize = tree["extend_vocab_size"]?.intValue
        c.vocabPieces = tree["vocab_pieces"]?.stringValue.map(paths.resolve)
        c.tokenizer = tree["tokenizer"]?.stringValue.map(paths.resolve)
        if let t = tree["chat_template"]?.stringValue { c.chatTemplate = t.hasSuffix(".yaml") || t.hasSuffix(".yml") ? paths.resolve(t) : t }
        if let s = tree["seed"]?.intValue { c.seed = UInt64(s) }
        for (key, field) in intKeys { if let v = value(tree, key)?.intValue { c[keyPath: field] = v } }
        for (key, field) in numberKeys { if let v = value(tree, key)?.doubleValue { c[keyPath: field] = v } }
        var problems = [ConfigError]()
        if let m = tree["model"] {
            c.model = try model(m, vocabSize: m["vocab_size"]?.intValue ?? tokenizerSize(c.tokenizer), seqLen: c.seqLen, initFrom: c.initFrom,
                                problems: &problems)
        }
        if let l = tree["lora"] { c.lora = try lora(l, c, problems: &problems) }
        if let e = tree["ewc"] { c.ewc = ewc(e, c, paths, problems: &problems) }
        if let e = tree["layerwise_reg"] { c.layerwise = LayerwiseRegConfig.read(e, c, paths, problems: &problems) }
        if let pf = tree["prefix"] { c.prefix = try prefix(pf, c, problems: &problems) }
        if !problems.isEmpty { throw TrainerError.config(ConfigErrors(errors: problems).description) }
        return c
    }

    /// The integer keys that set a field when present (dotted: inside a section).
    static var intKeys: [(String, WritableKeyPath<TrainConfig, Int>)] {
        [("shuffle_buffer", \.shuffleBuffer), ("steps", \.steps), ("batch_size", \.batchSize), ("grad_accum", \.gradAccum),
         ("seq_len", \.seqLen), ("eval_every", \.evalEvery), ("eval_batches", \.evalBatches),
         ("checkpoint_every", \.checkpointEvery), ("log_every", \.logEvery), ("threads", \.threads),
         ("schedule.warmup_steps", \.warmupSteps)]
    }

    /// The number keys that set a field when present.
    static var numberKeys: [(String, WritableKeyPath<TrainConfig, Double>)] {
        [("optimizer.lr", \.lr), ("optimizer.weight_decay", \.weightDecay), ("optimizer.beta1", \.beta1),
         ("optimizer.beta2", \.beta2), ("optimizer.eps", \.eps), ("optimizer.grad_clip", \.gradClip),
         ("schedule.min_lr_ratio", \.minLRRatio)]
    }

    /// The value at a dotted key (`optimizer.lr`).
    static func value(_ tree: JSONValue, _ dotted: String) -> JSONValue? {
        var cur: JSONValue? = tree
        for part in dotted.split(separator: ".") { cur = cur?[String(part)] }
        return cur
    }

    /// `data` / `eval_data`: one source or a list, each a path or `{path, weight}`.
    static func sources(_ v: JSONValue?, _ paths: PathResolver) -> [Source] {
        guard let v else { return [] }
        return (v.arrayValue ?? [v]).map { e in
            guard let p = e["path"]?.stringValue else { return Source(path: paths.resolve(e.stringValue!)) }
            var s = Source(path: paths.resolve(p))
            if let w = e["weight"]?.doubleValue { s.weight = w }
            return s
        }
    }

    /// The `model:` section. Without `init_from` an absent max_positions grows to seq_len; an explicit one must hold it.
    static func model(_ m: JSONValue, vocabSize: Int, seqLen: Int, initFrom: String?, problems: inout [ConfigError]) throws -> LlamaConfig {
        func int(_ k: String) -> Int? { m[k]?.intValue }
        var model = LlamaConfig(vocabSize: vocabSize, hiddenSize: int("hidden_size")!,
                                intermediateSize: int("intermediate_size")!, numLayers: int("num_layers")!,
                                numHeads: int("num_heads")!, numKVHeads: int("num_kv_heads"))
        if let v = int("max_positions") { model.maxPositions = v }
        if let v = m["rope_theta"]?.doubleValue { model.ropeTheta = v }
        if let v = m["rms_norm_eps"]?.doubleValue { model.rmsNormEps = Float(v) }
        if let v = m["tie_embeddings"]?.boolValue { model.tieEmbeddings = v }
        try model.validate()
        if initFrom == nil {
            if m["max_positions"] == nil { model.maxPositions = max(model.maxPositions, seqLen) }
            if seqLen > model.maxPositions {
                problems.append(ConfigError(path: "seq_len", message: "seq_len \(seqLen) exceeds model.max_positions \(model.maxPositions); lower seq_len or raise model.max_positions"))
            }
        }
        return model
    }

    /// The `lora:` section (needs init_from; cannot grow the vocabulary of its frozen base).
    static func lora(_ lo: JSONValue, _ c: TrainConfig, problems: inout [ConfigError]) throws -> LoRAConfig {
        var l = LoRAConfig()
        if let v = lo["rank"]?.intValue { l.rank = v }
        if let v = lo["alpha"]?.doubleValue { l.alpha = v }
        if let v = lo["dropout"]?.doubleValue { l.dropout = v }
        if let v = lo["rslora"]?.boolValue { l.rslora = v }
        if let ms = lo["modules"]?.arrayValue {
            l.modules = Array(Set(ms.compactMap { $0.stringValue.flatMap(LoRAConfig.Module.init(name:)) })).sorted()
        }
        if let q = lo["base_quantization"]?.stringValue { l.baseQuantization = LoRAConfig.BaseQuantization(rawValue: q)! }
        try l.validate()
        if c.initFrom == nil { problems.append(ConfigError(path: "lora", message: "needs init_from (the base checkpoint)")) }
        if c.extendVocabSize != nil {
            problems.append(ConfigError(path: "extend_vocab_size", message: "cannot be used with lora: its base is frozen"))
        }
        return l
    }

    /// The `ewc:` section (needs init_from, and exactly one of fisher and fisher_data).
    static func ewc(_ e: JSONValue, _ c: TrainConfig, _ paths: PathResolver, problems: inout [ConfigError]) -> EWC {
        var w = EWC(lambda: e["lambda"]!.doubleValue!)
        w.fisher = e["fisher"]?.stringValue.map(paths.resolve)
        w.fisherData = (e["fisher_data"]?.arrayValue ?? []).compactMap(\.stringValue).map(paths.resolve)
        if let n = e["fisher_samples"]?.intValue { w.fisherSamples = n }
        if (w.fisher != nil) == !w.fisherData.isEmpty {
            problems.append(ConfigError(path: "ewc", message: "needs exactly one of fisher and fisher_data"))
        }
        if c.initFrom == nil { problems.append(ConfigError(path: "ewc", message: "needs init_from (the weights to stay close to)")) }
        return w
    }

    /// The keys whose `default` in schemas/train.schema.json differs from the defaults of `TrainConfig`,
    /// `LoRAConfig`, `EWC` and `LlamaConfig` (empty when the schema documents the defaults the code uses).
    public static func schemaDefaultMismatches() -> [String] {
        let props = ConfigKind.train.validator.schema["properties"] ?? .null
        func schemaDefault(_ dotted: String) -> JSONValue? {
            var cur: JSONValue? = props
            let parts = dotted.split(separator: ".").map(String.init)
            for (i, p) in parts.enumerated() { cur = i == parts.count - 1 ? cur?[p] : cur?[p]?["properties"] }
            return cur?["default"]
        }
        let c = TrainConfig(data: [], outputDir: "")
        let l = LoRAConfig(), m = LlamaConfig(vocabSize: 1, hiddenSize: 1, intermediateSize: 1, numLayers: 1, numHeads: 1)
        var expected: [(String, JSONValue)] = intKeys.map { ($0.0, .int(Int64(c[keyPath: $0.1]))) }
            + numberKeys.map { ($0.0, .double(c[keyPath: $0.1])) }
        expected += [("seed", .int(Int64(c.seed))), ("objective", .string(c.objective.rawValue)),
                     ("lora.rank", .int(Int64(l.rank))), ("lora.alpha", .double(l.alpha)), ("lora.dropout", .double(l.dropout)),
                     ("lora.rslora", .bool(l.rslora)), ("lora.base_quantization", .string(l.baseQuantization.rawValue)),
                     ("lora.modules", .array(l.modules.map { .string($0.rawValue) })),
                     ("ewc.fisher_samples", .int(Int64(EWC(lambda: 0).fisherSamples))),
                     ("prefix.num_virtual_tokens", .int(Int64(PrefixConfig().numVirtualTokens))),
                     ("prefix.projection", .bool(PrefixConfig().projection)),
                     ("model.max_positions", .int(Int64(m.maxPositions))), ("model.rope_theta", .double(m.ropeTheta)),
                     ("model.rms_norm_eps", .double(Double(m.rmsNormEps))), ("model.tie_embeddings", .bool(m.tieEmbeddings))]
        expected += LayerwiseRegConfig.schemaDefaults
        return expected.compactMap { key, value in
            guard let d = schemaDefault(key) else { return "\(key): no default in the schema" }
            if let a = d.doubleValue, let b = value.doubleValue {
                return abs(a - b) <= 1e-7 * max(abs(a), abs(b)) ? nil : "\(key): schema \(d.serialized()), code \(value.serialized())"
            }
            return d == value ? nil : "\(key): schema \(d.serialized()), code \(value.serialized())"
        }
    }
}
