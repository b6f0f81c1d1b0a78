// A prefix adapter on disk. `adapter_config.json` + `adapter_model.safetensors` are PEFT's PREFIX_TUNING folder:
// one tensor `prompt_embeddings` [P, L·2·D], the finished table (with projection PEFT saves the MLP's output, not
// the MLP, and loads it in inference mode as a plain table; so do we). A training checkpoint with projection also
// holds `prefix_encoder.safetensors`, the MLP itself under PEFT's module names, so that --resume continues it exactly.
import DomainForgeCore
import Foundation

extension PrefixAdapter {
    /// The file of the trainable MLP in a checkpoint of a run with projection.
    public static let encoderFile = "prefix_encoder.safetensors"

    /// The named tensors of `params` (`embedding.weight`, and with projection `transform.0.weight` … as PEFT's
    /// PrefixEncoder names them).
    func namedTensors() -> [(name: String, shape: [Int], range: Range<Int>)] {
        guard config.projection else { return [("embedding.weight", [length, width], 0..<(length * width))] }
        return [("embedding.weight", [length, kvWidth], embed..<w1), ("transform.0.weight", [hidden, kvWidth], w1..<b1),
                ("transform.0.bias", [hidden], b1..<w2), ("transform.2.weight", [width, hidden], w2..<b2),
                ("transform.2.bias", [width], b2..<params.count)]
    }

    /// Writes `adapter_config.json` and `adapter_model.safetensors` (PEFT's PREFIX_TUNING layout) to `dir`, and with
    /// projection `prefix_encoder.safetensors`; `baseModel` is recorded as `base_model_name_or_path`. Returns the
    /// names of the files written.
    @discardableResult
    public func save(to dir: String, baseModel: String) throws -> [String] {
        try makeDirectory(dir)
        let kv = finishedTable()
        try kv.withUnsafeBufferPointer { b in
            try Safetensors.write(path: dir + "/adapter_model.safetensors", tensors: [(name: "prompt_embeddings", shape: [length, width], data: b)])
        }
        var files = ["adapter_config.json", "adapter_model.safetensors"]
        if config.projection {
            let buf = UnsafeBufferPointer(params)
            try Safetensors.write(path: dir + "/" + Self.encoderFile, tensors: namedTensors().map {
                (name: $0.name, shape: $0.shape, data: UnsafeBufferPointer(rebasing: buf[$0.range]))
            })
            files.append(Self.encoderFile)
        }
        let cfg: JSONValue = .object([
            "peft_type": .string("PREFIX_TUNING"), "task_type": .string("CAUSAL_LM"),
            "num_virtual_tokens": .int(Int64(length)), "token_dim": .int(Int64(kvWidth)), "num_layers": .int(Int64(layers)),
            "num_attention_heads": .int(Int64(kvWidth / headDim)), "num_transformer_submodules": .int(1),
            "prefix_projection": .bool(config.projection), "encoder_hidden_size": .int(Int64(config.projection ? hidden : kvWidth)),
            "inference_mode": .bool(true), "init_weights": .null, "base_model_name_or_path": .string(baseModel),
        ])
        try Checkpoint.writeJSON(cfg, to: dir + "/adapter_config.json")
        return files
    }

    /// Reads `adapter_config.json` of a PEFT prefix-tuning folder: the settings and the base checkpoint it names.
    /// Nil when the folder holds another kind of adapter.
    public static func loadConfig(from dir: String) throws -> (config: PrefixConfig, baseModel: String, tokenDim: Int, layers: Int, heads: Int)? {
        let path = dir + "/adapter_config.json"
        guard let d = FileManager.default.contents(atPath: path) else { throw TrainerError.checkpoint(file: path, message: "cannot read") }
        let j: JSONValue
        do { j = try JSONParser.parse(bytes: [UInt8](d)) } catch { throw TrainerError.checkpoint(file: path, message: "\(error)") }
        guard j["peft_type"]?.stringValue == "PREFIX_TUNING" else { return nil }
        func bad(_ m: String) -> TrainerError { .checkpoint(file: path, message: m) }
        guard let p = j["num_virtual_tokens"]?.intValue, let td = j["token_dim"]?.intValue, let nl = j["num_layers"]?.intValue,
              let nh = j["num_attention_heads"]?.intValue else {
            throw bad("num_virtual_tokens, token_dim, num_layers or num_attention_heads missing")
        }
        if let s = j["num_transformer_submodules"]?.intValue, s != 1 { throw bad("num_transformer_submodules \(s): only decoder-only models (1) are supported") }
        let proj = j["prefix_projection"]?.boolValue ?? false
        let c = PrefixConfig(numVirtualTokens: Int(p), projection: proj, encoderHiddenSize: proj ? j["encoder_hidden_size"]?.intValue : nil)
        try c.validate()
        guard let base = j["base_model_name_or_path"]?.stringValue, !base.isEmpty else { throw bad("base_model_name_or_path missing") }
        return (c, base, Int(td), Int(nl), Int(nh))
    }

    /// The adapter of a PEFT prefix folder for `model`, as PEFT loads it for inference: the saved table, no MLP.
    public static func load(from dir: String, model: LlamaConfig) throws -> PrefixAdapter {
        let path = dir + "/adapter_config.json"
        guard let saved = try loadConfig(from: dir) else { throw TrainerError.checkpoint(file: path, message: "peft_type is not PREFIX_TUNING") }
        guard saved.tokenDim == model.numKVHeads * model.headDim, saved.layers == model.numLayers, saved.heads == model.numKVHeads else {
            throw TrainerError.checkpoint(file: path, message: "token_dim \(saved.tokenDim), num_layers \(saved.layers), num_attention_heads \(saved.heads) "
                + "do not fit the base (\(model.numKVHeads * model.headDim), \(model.numLayers), \(model.numKVHeads) key/value heads)")
        }
        let a = try PrefixAdapter(config: PrefixConfig(numVirtualTokens: saved.config.numVirtualTokens), model: model, seed: 0)
        try a.read(dir + "/adapter_model.safetensors", [("prompt_embeddings", [a.length, a.width], 0..<a.params.count)])
        return a
    }

    /// Reads the trainable values of a checkpoint written by `save` (the MLP file with projection, else the table).
    public func loadTrainingState(from dir: String) throws {
        if config.projection {
            try read(dir + "/" + Self.encoderFile, namedTensors())
        } else {
            try read(dir + "/adapter_model.safetensors", [("prompt_embeddings", [length, width], 0..<params.count)])
        }
    }

    private func read(_ path: String, _ tensors: [(name: String, shape: [Int], range: Range<Int>)]) throws {
        let t = try Safetensors.read(path: path)
        for (name, shape, range) in tensors {
            guard let x = t[name] else { throw TrainerError.checkpoint(file: path, message: "missing tensor \(name)") }
            guard x.shape == shape else { throw TrainerError.checkpoint(file: path, message: "\(name) has shape \(x.shape), expected \(shape)") }
            x.data.withUnsafeBufferPointer { (params.baseAddress! + range.lowerBound).update(from: $0.baseAddress!, count: range.count) }
        }
    }
}
