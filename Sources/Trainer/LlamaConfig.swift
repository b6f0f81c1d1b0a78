import DomainForgeCore
import Foundation

/// Model dimensions; written to and read from `config.json` in the Hugging Face `LlamaConfig` keys.
public struct LlamaConfig: Sendable, Equatable, Codable {
    public var vocabSize: Int
    public var hiddenSize: Int          // C
    public var intermediateSize: Int    // H (SwiGLU width)
    public var numLayers: Int
    public var numHeads: Int            // NH
    public var numKVHeads: Int          // NKV (grouped-query when < NH)
    public var maxPositions: Int
    public var ropeTheta: Double
    public var rmsNormEps: Float
    public var tieEmbeddings: Bool
    public var bosTokenId: Int?
    public var eosTokenId: Int?
    /// `pad_token_id` (the eos id when written with a tokenizer; see `HFTokenizerFiles`).
    public var padTokenId: Int?

    public init(vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numLayers: Int, numHeads: Int, numKVHeads: Int? = nil,
                maxPositions: Int = 2048, ropeTheta: Double = 10_000, rmsNormEps: Float = 1e-5, tieEmbeddings: Bool = false,
                bosTokenId: Int? = nil, eosTokenId: Int? = nil) {
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize
        self.numLayers = numLayers; self.numHeads = numHeads; self.numKVHeads = numKVHeads ?? numHeads
        self.maxPositions = maxPositions; self.ropeTheta = ropeTheta; self.rmsNormEps = rmsNormEps
        self.tieEmbeddings = tieEmbeddings; self.bosTokenId = bosTokenId; self.eosTokenId = eosTokenId
    }

    public var headDim: Int { hiddenSize / numHeads }

    public func validate() throws {
        func fail(_ m: String) -> TrainerError { .config(m) }
        guard vocabSize > 0, hiddenSize > 0, intermediateSize > 0, numLayers > 0, numHeads > 0, numKVHeads > 0 else {
            throw fail("model dimensions must be positive")
        }
        guard hiddenSize % numHeads == 0 else { throw fail("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numHeads)") }
        guard numHeads % numKVHeads == 0 else { throw fail("num_attention_heads \(numHeads) is not a multiple of num_key_value_heads \(numKVHeads)") }
        guard headDim % 2 == 0 else { throw fail("head dim \(headDim) must be even for rotary embeddings") }
    }

    /// HF `config.json` for `LlamaForCausalLM`.
    public func hfJSON() -> JSONValue {
        var o: [String: JSONValue] = [
            "architectures": .array([.string("LlamaForCausalLM")]),
            "model_type": .string("llama"),
            "vocab_size": .int(Int64(vocabSize)),
            "hidden_size": .int(Int64(hiddenSize)),
            "intermediate_size": .int(Int64(intermediateSize)),
            "num_hidden_layers": .int(Int64(numLayers)),
            "num_attention_heads": .int(Int64(numHeads)),
            "num_key_value_heads": .int(Int64(numKVHeads)),
            "head_dim": .int(Int64(headDim)),
            "max_position_embeddings": .int(Int64(maxPositions)),
            "rope_theta": .double(ropeTheta),
            "rms_norm_eps": .double(Double(rmsNormEps)),
            "tie_word_embeddings": .bool(tieEmbeddings),
            "hidden_act": .string("silu"),
            "attention_bias": .bool(false),
            "mlp_bias": .bool(false),
            "initializer_range": .double(0.02),
            "torch_dtype": .string("float32"),
        ]
        if let b = bosTokenId { o["bos_token_id"] = .int(Int64(b)) }
        if let e = eosTokenId { o["eos_token_id"] = .int(Int64(e)) }
        if let p = padTokenId { o["pad_token_id"] = .int(Int64(p)) }
        return .object(o)
    }

    public init(hfJSON j: JSONValue) throws {
        func int(_ k: String) throws -> Int {
            guard let v = j[k]?.doubleValue else { throw TrainerError.config("config.json lacks \(k)") }
            return Int(v)
        }
        let nh = try int("num_attention_heads")
        self.init(vocabSize: try int("vocab_size"), hiddenSize: try int("hidden_size"), intermediateSize: try int("intermediate_size"),
                  numLayers: try int("num_hidden_layers"), numHeads: nh,
                  numKVHeads: j["num_key_value_heads"]?.doubleValue.map { Int($0) } ?? nh,
                  maxPositions: j["max_position_embeddings"]?.doubleValue.map { Int($0) } ?? 2048,
                  ropeTheta: j["rope_theta"]?.doubleValue ?? 10_000,
                  rmsNormEps: Float(j["rms_norm_eps"]?.doubleValue ?? 1e-5),
                  tieEmbeddings: j["tie_word_embeddings"]?.boolValue ?? false,
                  bosTokenId: j["bos_token_id"]?.doubleValue.map { Int($0) },
                  eosTokenId: j["eos_token_id"]?.doubleValue.map { Int($0) })
        padTokenId = j["pad_token_id"]?.doubleValue.map { Int($0) }
        if let hd = j["head_dim"]?.doubleValue, Int(hd) != headDim {
            throw TrainerError.config("config.json head_dim \(Int(hd)) differs from hidden_size / num_attention_heads")
        }
        try validate()
    }
}
