import DomainForgeCore
import Foundation
import SFT
import Tokenization

/// Writes a checkpoint as a llama.cpp GGUF file (architecture `llama`): the hyper-parameters, the byte-level BPE
/// vocabulary (`tokenizer.ggml.model = gpt2`), the chat template and the tensors under llama.cpp's names.
///
/// - q_proj and k_proj rows are permuted within each head from Hugging Face's half-split rotary layout to the
///   interleaved pairs llama.cpp's `llama` architecture rotates (what its `convert_hf_to_gguf.py` does).
/// - `tokenizer.ggml.pre` names llama.cpp's pre-tokenizer for the split pattern: `gpt-2`; for cl100k, `llama-bpe`
///   (which also emits a word found whole in the vocabulary, Llama 3's `ignore_merges`) or `dbrx` (same split, plain
///   merges); `qwen2`. Any other pattern, a normalizer or a prefix space is refused: llama.cpp would tokenize
///   differently.
/// - Ids without a token (gaps, or rows padding the embedding past the tokenizer) are `[PAD<id>]`, type unused.
/// - 1-D tensors stay f32; with q8_0, a matrix whose rows are not a multiple of 32 is written f16.
public enum GGUFExporter {
    /// The element type of the matrices.
    public enum WeightType: String, Sendable, CaseIterable {
        case f32, f16, q8_0

        var fileType: UInt32 { self == .f32 ? 0 : self == .f16 ? 1 : 7 }
    }

    /// A summary of what was written.
    public struct Summary: Sendable {
        public var tensors: Int
        public var vocabulary: Int
        public var pre: String
        public var hasChatTemplate: Bool
        /// Matrices written f16 instead of q8_0 (row length not a multiple of 32).
        public var f16Fallbacks: [String]
    }

    /// Exports the checkpoint folder `dir` (a model folder, or an adapter folder merged into its base).
    /// `tokenizerPath` defaults to `dir/tokenizer.json`; the chat template is the folder's
    /// `tokenizer_config.json` `chat_template`, else the tokenizer's default one.
    public static func export(checkpoint dir: String, tokenizerPath: String? = nil, type: WeightType, to path: String) throws -> Summary {
        let model = try Checkpoint.loadModel(from: dir)
        guard model.prefix == nil else {
            throw TrainerError.config("\(dir) is a prefix-tuning adapter: GGUF holds plain weights and llama.cpp has no prefix; export its base instead")
        }
        let tp = tokenizerPath ?? dir + "/tokenizer.json"
        guard FileManager.default.fileExists(atPath: tp) else {
            throw TrainerError.config("no tokenizer: \(tp) does not exist; pass --tokenizer (the tokenizer.json the model was trained with)")
        }
        let files = try HFTokenizerFiles(tokenizerPath: tp)
        let tok = files.tokenizer
        let pre = try preTokenizerName(tok, path: tp)
        let cfg = try files.apply(to: model.config)
        guard cfg.vocabSize >= tok.vocabSize else {
            throw TrainerError.config("the model has \(cfg.vocabSize) embedding rows, fewer than the tokenizer's \(tok.vocabSize) ids")
        }
        var g = GGUFFile()
        let name = URL(fileURLWithPath: dir).standardizedFileURL.lastPathComponent
        g.metadata = hyperParameters(cfg, name: name, type: type)
        g.metadata += vocabulary(tok, size: cfg.vocabSize, pre: pre)
        g.metadata += [
            ("tokenizer.ggml.bos_token_id", .uint32(UInt32(cfg.bosTokenId ?? 0))),
            ("tokenizer.ggml.eos_token_id", .uint32(UInt32(cfg.eosTokenId ?? 0))),
            ("tokenizer.ggml.padding_token_id", .uint32(UInt32(cfg.padTokenId ?? cfg.eosTokenId ?? 0))),
            ("tokenizer.ggml.add_bos_token", .bool(!tok.prefixIds.isEmpty)),
            ("tokenizer.ggml.add_eos_token", .bool(!tok.suffixIds.isEmpty)),
        ]
        if let eos = cfg.eosTokenId, let eot = files.stopIds(eos: eos).dropFirst().first {
            g.metadata.append(("tokenizer.ggml.eot_token_id", .uint32(UInt32(eot))))
        }
        let template = savedChatTemplate(dir) ?? files.chatTemplate?.jinja()
        if let t = template { g.metadata.append(("tokenizer.chat_template", .string(t))) }
        var fallbacks: [String] = []
        g.tensors = tensors(model, type: type, fallbacks: &fallbacks)
        try g.write(path: path)
        return Summary(tensors: g.tensors.count, vocabulary: cfg.vocabSize, pre: pre, hasChatTemplate: template != nil, f16Fallbacks: fallbacks)
    }

    /// llama.cpp's name for the tokenizer's pre-tokenizer, or an error saying why llama.cpp cannot reproduce it.
    public static func preTokenizerName(_ tok: BPETokenizer, path: String) throws -> String {
        func refuse(_ why: String) -> TrainerError {
            .config("\(path): \(why); llama.cpp would tokenize differently, so no GGUF is written (retrain the tokenizer with --pattern gpt2, cl100k or qwen2)")
        }
        guard tok.normalization == .none else { throw refuse("the tokenizer normalizes text (\(tok.normalization.rawValue)), llama.cpp's BPE does not") }
        guard !tok.addPrefixSpace else { throw refuse("the tokenizer adds a prefix space") }
        guard tok.ranksMergesByIndex else { throw refuse("merges are ranked by the token they make (tiktoken style)") }
        switch tok.pattern {
        case .gpt2?:
            guard !tok.ignoresMerges else { throw refuse("ignore_merges with the GPT-2 split has no llama.cpp pre-tokenizer") }
            return "gpt-2"
        case .cl100k?: return tok.ignoresMerges ? "llama-bpe" : "dbrx"
        case .qwen2?:
            guard !tok.ignoresMerges else { throw refuse("ignore_merges with the Qwen2 split has no llama.cpp pre-tokenizer") }
            return "qwen2"
        case nil:
            let r = tok.customRegexes.joined(separator: " then ")
            throw refuse("unknown split pattern \(r.isEmpty ? "(none)" : r): llama.cpp knows the GPT-2, cl100k/Llama 3 and Qwen2 patterns")
        }
    }

    static func hyperParameters(_ c: LlamaConfig, name: String, type: WeightType) -> [(key: String, value: GGUFFile.Value)] {
        [
            ("general.architecture", .string("llama")),
            ("general.name", .string(name)),
            ("general.file_type", .uint32(type.fileType)),
            ("llama.vocab_size", .uint32(UInt32(c.vocabSize))),
            ("llama.context_length", .uint32(UInt32(c.maxPositions))),
            ("llama.embedding_length", .uint32(UInt32(c.hiddenSize))),
            ("llama.block_count", .uint32(UInt32(c.numLayers))),
            ("llama.feed_forward_length", .uint32(UInt32(c.intermediateSize))),
            ("llama.attention.head_count", .uint32(UInt32(c.numHeads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(c.numKVHeads))),
            ("llama.rope.dimension_count", .uint32(UInt32(c.headDim))),
            ("llama.rope.freq_base", .float32(Float(c.ropeTheta))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(c.rmsNormEps)),
        ]
    }

    static func vocabulary(_ tok: BPETokenizer, size: Int, pre: String) -> [(key: String, value: GGUFFile.Value)] {
        var tokens = [String](), types = [Int32]()
        tokens.reserveCapacity(size); types.reserveCapacity(size)
        for id in 0..<size {
            let kind: BPETokenizer.TokenKind = id < tok.vocabSize ? tok.tokenKind(UInt32(id)) : .unused
            tokens.append(kind == .unused ? "[PAD\(id)]" : tok.token(for: UInt32(id)) ?? "[PAD\(id)]")
            switch kind {  // llama.cpp token types: 1 normal, 3 control, 4 user-defined, 5 unused
            case .normal: types.append(1)
            case .special: types.append(3)
            case .added: types.append(4)
            case .unused: types.append(5)
            }
        }
        return [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string(pre)),
            ("tokenizer.ggml.tokens", .strings(tokens)),
            ("tokenizer.ggml.token_type", .int32s(types)),
            ("tokenizer.ggml.merges", .strings(tok.mergePairs.map { $0.0 + " " + $0.1 })),
        ]
    }

    /// The `chat_template` string of `dir/tokenizer_config.json`, if any.
    static func savedChatTemplate(_ dir: String) -> String? {
        guard let d = FileManager.default.contents(atPath: dir + "/tokenizer_config.json"),
              let v = try? JSONParser.parse(bytes: [UInt8](d)) else { return nil }
        return v["chat_template"]?.stringValue
    }

    /// llama.cpp's name for a Hugging Face tensor name, or nil for a tensor it does not take.
    static func ggufName(_ hf: String) -> String? {
        let fixed = ["model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight"]
        if let n = fixed[hf] { return n }
        let parts = hf.split(separator: ".")
        guard parts.count >= 5, parts[0] == "model", parts[1] == "layers", let i = Int(parts[2]) else { return nil }
        let rest = parts[3...].joined(separator: ".")
        let map = ["input_layernorm.weight": "attn_norm", "self_attn.q_proj.weight": "attn_q", "self_attn.k_proj.weight": "attn_k",
                   "self_attn.v_proj.weight": "attn_v", "self_attn.o_proj.weight": "attn_output",
                   "post_attention_layernorm.weight": "ffn_norm", "mlp.gate_proj.weight": "ffn_gate",
                   "mlp.up_proj.weight": "ffn_up", "mlp.down_proj.weight": "ffn_down"]
        return map[rest].map { "blk.\(i).\($0).weight" }
    }

    /// Rows of a [heads·headDim, cols] projection reordered within each head: row 2i + j of the result is row
    /// j·headDim/2 + i of the input (HF's rotate-half halves become llama.cpp's interleaved pairs).
    public static func permuteRotary(_ w: [Float], heads: Int, headDim: Int, cols: Int) -> [Float] {
        var out = [Float](repeating: 0, count: w.count)
        let half = headDim / 2
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    let src = (h * headDim + j * half + i) * cols, dst = (h * headDim + 2 * i + j) * cols
                    for c in 0..<cols { out[dst + c] = w[src + c] }
                }
            }
        }
        return out
    }

    static func tensors(_ model: LlamaModel, type: WeightType, fallbacks: inout [String]) -> [GGUFFile.Tensor] {
        let c = model.config
        var out: [GGUFFile.Tensor] = []
        for t in model.layout.tensors {
            guard let name = ggufName(t.name) else { continue }
            var values = Array(UnsafeBufferPointer(rebasing: model.params[t.offset..<(t.offset + t.count)]))
            if t.name.hasSuffix("q_proj.weight") {
                values = permuteRotary(values, heads: c.numHeads, headDim: c.headDim, cols: t.shape[1])
            } else if t.name.hasSuffix("k_proj.weight") {
                values = permuteRotary(values, heads: c.numKVHeads, headDim: c.headDim, cols: t.shape[1])
            }
            var tt: GGUFFile.TensorType = t.shape.count == 1 ? .f32 : type == .f32 ? .f32 : type == .f16 ? .f16 : .q8_0
            if tt == .q8_0 && t.shape[t.shape.count - 1] % 32 != 0 { tt = .f16; fallbacks.append(name) }
            let final = tt, data = values
            out.append(GGUFFile.Tensor(name: name, dims: t.shape.reversed(), type: final) {
                data.withUnsafeBufferPointer { b in
                    switch final {
                    case .f32: return GGUFFile.f32Bytes(b)
                    case .f16: return GGUFFile.f16Bytes(b)
                    case .q8_0: return GGUFFile.q8_0Bytes(b)
                    }
                }
            })
        }
        return out
    }
}
