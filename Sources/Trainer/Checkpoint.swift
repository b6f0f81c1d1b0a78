import DomainForgeCore
import Foundation
import Shards

/// A checkpoint folder: `model.safetensors` + `config.json` (HF `LlamaForCausalLM`), with a tokenizer the
/// tokenizer files of a Hugging Face folder (`HFTokenizerFiles`), for resumable training `optimizer.safetensors`
/// (AdamW moments, flat) + `domainforge_state.json` (`TrainerState`: step, data positions), and last
/// `checkpoint.sha256.json` (`CheckpointManifest`), which loading checks when present.
public enum Checkpoint {
    /// The files `saveModel` writes.
    public static let modelFiles = ["config.json", "model.safetensors"]

    /// Writes `model.safetensors` + `config.json`, with `tokenizer` its files (and the config's bos/eos/pad ids
    /// set to agree with them), then their manifest. Refused for a model whose base is held quantized (its float32
    /// projections are gone); save the adapter instead.
    public static func saveModel(_ model: LlamaModel, to dir: String, tokenizer: HFTokenizerFiles? = nil) throws {
        let files = try saveModelFiles(model, to: dir, tokenizer: tokenizer)
        try CheckpointManifest.write(directory: dir, files: files)
    }

    /// `saveModel` without the manifest (a caller writing more files writes the manifest after them); returns the
    /// names of the files written.
    @discardableResult
    static func saveModelFiles(_ model: LlamaModel, to dir: String, tokenizer: HFTokenizerFiles? = nil) throws -> [String] {
        guard model.lora?.quantized.isEmpty ?? true else {
            throw TrainerError.config("the base is quantized: save the LoRA adapter, not the model")
        }
        try makeDirectory(dir)
        let base = UnsafeBufferPointer(model.params)
        let tensors = model.layout.tensors.map { t in
            (name: t.name, shape: t.shape, data: UnsafeBufferPointer(rebasing: base[t.offset..<(t.offset + t.count)]))
        }
        try Safetensors.write(path: dir + "/model.safetensors", tensors: tensors)
        let config = try tokenizer?.apply(to: model.config) ?? model.config
        try writeJSON(config.hfJSON(), to: dir + "/config.json")
        return try modelFiles + (tokenizer?.write(to: dir, config: config) ?? [])
    }

    /// The path of `target` relative to the folder `dir` (both made absolute and standardized), or nil when the two
    /// share no folder but the root.
    public static func relativePath(from dir: String, to target: String) -> String? {
        let a = URL(fileURLWithPath: dir).standardizedFileURL.pathComponents
        let b = URL(fileURLWithPath: target).standardizedFileURL.pathComponents
        var k = 0
        while k < a.count, k < b.count, a[k] == b[k] { k += 1 }
        guard k > 1 else { return nil }  // only "/" in common
        let up = Array(repeating: "..", count: a.count - k), down = Array(b[k...])
        let parts = up + down
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    public static func loadConfig(from dir: String) throws -> LlamaConfig {
        let path = dir + "/config.json"
        guard let d = FileManager.default.contents(atPath: path) else { throw TrainerError.checkpoint(file: path, message: "cannot read") }
        do { return try LlamaConfig(hfJSON: JSONParser.parse(bytes: [UInt8](d))) } catch let e as TrainerError { throw e } catch {
            throw TrainerError.checkpoint(file: path, message: "\(error)")
        }
    }

    /// The checkpoint folder of `path`: itself when it holds `config.json` (or a LoRA adapter), else the one named in
    /// `path/latest` (a training output_dir).
    public static func folder(resolving path: String) -> String {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path + "/config.json"), !fm.fileExists(atPath: path + "/adapter_config.json"),
           let name = try? String(contentsOfFile: path + "/latest", encoding: .utf8) {
            return path + "/" + name.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return path
    }

    /// Loads `config.json` + `model.safetensors`. A tied config accepts (and ignores) an `lm_head.weight`.
    /// A PEFT LoRA folder (`adapter_config.json` + `adapter_model.safetensors`, no `config.json`) loads the base
    /// checkpoint it names (`base_model_name_or_path`; a relative path is tried as given, then against the adapter
    /// folder) and returns it with the adapter merged in (float32, no adapter attached). A PEFT prefix-tuning folder
    /// loads its base the same way and returns it with the prefix attached (`LlamaModel.prefix`; it cannot be merged).
    /// With `verify` (the default) the files read are first checked against the folder's `checkpoint.sha256.json`
    /// when it has one; NaN or Inf in a tensor is always refused.
    public static func loadModel(from dir: String, verify: Bool = true) throws -> LlamaModel {
        let fm = FileManager.default
        if !fm.fileExists(atPath: dir + "/config.json") && fm.fileExists(atPath: dir + "/adapter_config.json") {
            if verify { try CheckpointManifest.verify(directory: dir, only: ["adapter_config.json", "adapter_model.safetensors"]) }
            return try loadMergedAdapter(from: dir, verify: verify)
        }
        if verify { try CheckpointManifest.verify(directory: dir, only: modelFiles) }
        return try loadBaseModel(from: dir)
    }

    /// The base folder an adapter's `base_model_name_or_path` names, resolved as `loadModel` does: an absolute
    /// path as it is; a relative one against the adapter folder (as this trainer writes it), else as given.
    public static func adapterBase(_ name: String, adapterDir: String) -> String {
        if name.hasPrefix("/") { return name }
        let inside = adapterDir + "/" + name
        if FileManager.default.fileExists(atPath: inside + "/config.json") { return inside }
        return FileManager.default.fileExists(atPath: name + "/config.json") ? name : inside
    }

    static func loadMergedAdapter(from dir: String, verify: Bool) throws -> LlamaModel {
        if let prefix = try PrefixAdapter.loadConfig(from: dir) {
            let base = adapterBase(prefix.baseModel, adapterDir: dir)
            guard FileManager.default.fileExists(atPath: base + "/config.json") else {
                throw TrainerError.checkpoint(file: dir + "/adapter_config.json", message: "base checkpoint \(prefix.baseModel) not found")
            }
            if verify { try CheckpointManifest.verify(directory: base, only: modelFiles) }
            let model = try loadBaseModel(from: base)
            try model.attach(prefix: PrefixAdapter.load(from: dir, model: model.config))
            return model
        }
        let (cfg, baseName) = try LoRAAdapter.loadConfig(from: dir)
        let base = adapterBase(baseName, adapterDir: dir)
        guard FileManager.default.fileExists(atPath: base + "/config.json") else {
            throw TrainerError.checkpoint(file: dir + "/adapter_config.json", message: "base checkpoint \(baseName) not found")
        }
        if verify { try CheckpointManifest.verify(directory: base, only: modelFiles) }
        let model = try loadBaseModel(from: base)
        let adapter = try LoRAAdapter(config: cfg, model: model.config, seed: 0)
        try adapter.loadWeights(from: dir)
        adapter.addDelta(to: model, sign: 1)
        return model
    }

    static func loadBaseModel(from dir: String) throws -> LlamaModel {
        let model = try LlamaModel(config: loadConfig(from: dir))
        let path = dir + "/model.safetensors"
        let tensors = try Safetensors.read(path: path)
        for t in model.layout.tensors {
            guard let s = tensors[t.name] else { throw TrainerError.checkpoint(file: path, message: "missing tensor \(t.name)") }
            guard s.shape == t.shape else { throw TrainerError.checkpoint(file: path, message: "\(t.name) has shape \(s.shape), config says \(t.shape)") }
            s.data.withUnsafeBufferPointer { (model.params.baseAddress! + t.offset).update(from: $0.baseAddress!, count: t.count) }
        }
        return model
    }

    /// A copy of `model` with `newVocabSize` rows; row r ≥ old size starts as the mean of the old rows `pieces[r]`
    /// (the ids the old tokenizer split that token into), for the embedding and an untied output head alike.
    public static func extendVocabulary(_ model: LlamaModel, newVocabSize: Int, pieces: [Int: [Int]]) throws -> LlamaModel {
        let old = model.config.vocabSize, C = model.config.hiddenSize
        guard newVocabSize >= old else { throw TrainerError.config("new vocabulary \(newVocabSize) is smaller than the model's \(old)") }
        var cfg = model.config
        cfg.vocabSize = newVocabSize
        let m = try LlamaModel(config: cfg)
        for t in model.layout.tensors {
            guard let nt = m.layout.tensor(named: t.name) else { continue }
            let src = model.params.baseAddress! + t.offset, dst = m.params.baseAddress! + nt.offset
            dst.update(from: src, count: t.count)
            guard t.name == "model.embed_tokens.weight" || t.name == "lm_head.weight" else { continue }
            for r in old..<newVocabSize {
                guard let ps = pieces[r], !ps.isEmpty else {
                    throw TrainerError.config("new token \(r) has no pieces in the vocabulary map")
                }
                let row = dst + r * C
                row.update(repeating: 0, count: C)
                for p in ps {
                    guard p >= 0 && p < old else { throw TrainerError.config("piece id \(p) of token \(r) is outside the old vocabulary") }
                    for j in 0..<C { row[j] += src[p * C + j] }
                }
                let inv = 1 / Float(ps.count)
                for j in 0..<C { row[j] *= inv }
            }
        }
        return m
    }

    /// Reads a JSON map `{"new id": [piece ids...]}`.
    public static func loadPieceMap(path: String) throws -> [Int: [Int]] {
        guard let d = FileManager.default.contents(atPath: path) else { throw TrainerError.config("cannot read \(path)") }
        guard let obj = try JSONParser.parse(bytes: [UInt8](d)).objectValue else { throw TrainerError.config("\(path): not a JSON object") }
        var out: [Int: [Int]] = [:]
        for (k, v) in obj {
            guard let id = Int(k), let ps = v.arrayValue?.compactMap({ $0.intValue.map { Int($0) } }) else {
                throw TrainerError.config("\(path): entry \(k) is not id → [piece ids]")
            }
            out[id] = ps
        }
        return out
    }

    static func writeJSON(_ v: JSONValue, to path: String) throws {
        let f = try AtomicOutputFile(path: path)
        try f.write(Array((v.serialized() + "\n").utf8))
        try f.commit()
    }
}

/// What besides the weights a resumed run needs: step, optimizer step count, tokens seen, data positions.
public struct TrainerState: Sendable, Equatable {
    public var step: Int
    public var adamStep: Int
    public var tokensSeen: Int
    public var mixerDraws: UInt64
    public var taken: [Int]
    public var packers: [PackerPosition]

    func json() -> JSONValue {
        .object([
            "step": .int(Int64(step)), "adam_step": .int(Int64(adamStep)), "tokens_seen": .int(Int64(tokensSeen)),
            "mixer_draws": .int(Int64(mixerDraws)), "taken": .array(taken.map { .int(Int64($0)) }),
            "packers": .array(packers.map { .object(["epoch": .int(Int64($0.sample.epoch)), "consumed": .int(Int64($0.sample.consumed)),
                                                     "offset": .int(Int64($0.offset))]) }),
        ])
    }

    init(step: Int, adamStep: Int, tokensSeen: Int, mixerDraws: UInt64, taken: [Int], packers: [PackerPosition]) {
        self.step = step; self.adamStep = adamStep; self.tokensSeen = tokensSeen; self.mixerDraws = mixerDraws
        self.taken = taken; self.packers = packers
    }

    init(json j: JSONValue, file: String) throws {
        func i(_ v: JSONValue?) throws -> Int {
            guard let x = v?.intValue else { throw TrainerError.checkpoint(file: file, message: "bad trainer state") }
            return Int(x)
        }
        step = try i(j["step"]); adamStep = try i(j["adam_step"]); tokensSeen = try i(j["tokens_seen"])
        mixerDraws = UInt64(try i(j["mixer_draws"]))
        taken = try (j["taken"]?.arrayValue ?? []).map { try i($0) }
        packers = try (j["packers"]?.arrayValue ?? []).map {
            // PackerPosition has no public memberwise initialiser; it is Codable.
            let text = "{\"sample\":{\"epoch\":\(try i($0["epoch"])),\"consumed\":\(try i($0["consumed"]))},\"offset\":\(try i($0["offset"]))}"
            return try JSONDecoder().decode(PackerPosition.self, from: Data(text.utf8))
        }
    }

    /// The state's file name in a checkpoint folder (not HF Trainer's `trainer_state.json`: the schema differs).
    public static let fileName = "domainforge_state.json"
    /// The name checkpoints written before carried; still read when resuming from such a folder.
    public static let legacyFileName = "trainer_state.json"

    public static func load(from dir: String) throws -> TrainerState {
        var path = dir + "/" + fileName
        if !FileManager.default.fileExists(atPath: path) && FileManager.default.fileExists(atPath: dir + "/" + legacyFileName) {
            path = dir + "/" + legacyFileName
        }
        guard let d = FileManager.default.contents(atPath: path) else { throw TrainerError.checkpoint(file: path, message: "cannot read") }
        return try TrainerState(json: JSONParser.parse(bytes: [UInt8](d)), file: path)
    }

    public func save(to dir: String) throws { try Checkpoint.writeJSON(json(), to: dir + "/" + Self.fileName) }
}
