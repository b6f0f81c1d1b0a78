/// Where each tensor sits in the single parameter buffer, under its Hugging Face `LlamaForCausalLM` name.
/// Order: embed_tokens; per layer input_layernorm, q, k, v, o, post_attention_layernorm, gate, up, down; norm; lm_head
/// (absent when tied). Linear weights are [out, in].
public struct ParameterLayout: Sendable {
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// AdamW weight decay applies to 2-D tensors (linear weights and embeddings), never to norm weights.
        public var decays: Bool { shape.count == 2 }
    }

    /// Offsets of one decoder layer's tensors.
    public struct Layer: Sendable {
        public var ln1 = 0, wq = 0, wk = 0, wv = 0, wo = 0, ln2 = 0, wg = 0, wu = 0, wd = 0
    }

    public private(set) var tensors: [Tensor] = []
    public private(set) var layers: [Layer] = []
    public private(set) var embed = 0, norm = 0, lmHead = 0
    public private(set) var count = 0

    public init(_ c: LlamaConfig) {
        let C = c.hiddenSize, H = c.intermediateSize, Q = c.numHeads * c.headDim, KV = c.numKVHeads * c.headDim
        embed = add("model.embed_tokens.weight", [c.vocabSize, C])
        for i in 0..<c.numLayers {
            let p = "model.layers.\(i)."
            var l = Layer()
            l.ln1 = add(p + "input_layernorm.weight", [C])
            l.wq = add(p + "self_attn.q_proj.weight", [Q, C])
            l.wk = add(p + "self_attn.k_proj.weight", [KV, C])
            l.wv = add(p + "self_attn.v_proj.weight", [KV, C])
            l.wo = add(p + "self_attn.o_proj.weight", [C, Q])
            l.ln2 = add(p + "post_attention_layernorm.weight", [C])
            l.wg = add(p + "mlp.gate_proj.weight", [H, C])
            l.wu = add(p + "mlp.up_proj.weight", [H, C])
            l.wd = add(p + "mlp.down_proj.weight", [C, H])
            layers.append(l)
        }
        norm = add("model.norm.weight", [C])
        lmHead = c.tieEmbeddings ? embed : add("lm_head.weight", [c.vocabSize, C])
    }

    private mutating func add(_ name: String, _ shape: [Int]) -> Int {
        let t = Tensor(name: name, shape: shape, offset: count)
        tensors.append(t)
        count += t.count
        return t.offset
    }

    public func tensor(named n: String) -> Tensor? { tensors.first { $0.name == n } }
}
