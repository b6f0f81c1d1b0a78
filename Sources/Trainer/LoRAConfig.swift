/// LoRA settings (the `lora:` section of TRAIN.yaml): which projections get a low-rank adapter, its rank, scaling
/// and dropout, and how the frozen base is stored.
public struct LoRAConfig: Sendable, Equatable {
    /// One of the seven linear projections of a decoder layer, with its Hugging Face module name.
    public enum Module: String, Sendable, CaseIterable, Comparable {
        case q, k, v, o, gate, up, down

        /// The `LlamaForCausalLM` module name (`q_proj`, …), as PEFT's `target_modules` lists it.
        public var hfName: String { rawValue + "_proj" }
        /// The module path inside a decoder layer (`self_attn.q_proj`, `mlp.gate_proj`, …).
        public var hfPath: String {
            switch self {
            case .q, .k, .v, .o: return "self_attn." + hfName
            case .gate, .up, .down: return "mlp." + hfName
            }
        }
        /// Reads `q` or `q_proj`.
        public init?(name: String) {
            let n = name.hasSuffix("_proj") ? String(name.dropLast(5)) : name
            self.init(rawValue: n)
        }
        var order: Int { Self.allCases.firstIndex(of: self)! }
        public static func < (a: Module, b: Module) -> Bool { a.order < b.order }
    }

    /// How the frozen base projections are stored during LoRA training.
    public enum BaseQuantization: String, Sendable {
        /// float32, as loaded.
        case none
        /// 4-bit NormalFloat codes, blocks of 64 with a float32 absmax each (QLoRA).
        case nf4
        /// int8 codes, blocks of 64 with a float32 absmax each.
        case int8
    }

    /// r: rows of A, columns of B.
    public var rank: Int
    /// lora_alpha (see `scale`).
    public var alpha: Double
    /// Probability of zeroing an adapter input value while training (survivors scaled by 1/(1 − p)).
    public var dropout: Double
    /// rsLoRA: scale by alpha/√rank instead of alpha/rank.
    public var rslora: Bool
    /// Adapted projections, in layer order (q, k, v, o, gate, up, down).
    public var modules: [Module]
    /// Storage of the frozen base projections.
    public var baseQuantization: BaseQuantization

    /// Defaults as TRAIN.yaml's: rank 8, alpha 16, no dropout, q and v. Modules are deduplicated and put in layer order.
    public init(rank: Int = 8, alpha: Double = 16, dropout: Double = 0, rslora: Bool = false, modules: [Module] = [.q, .v],
                baseQuantization: BaseQuantization = .none) {
        self.rank = rank; self.alpha = alpha; self.dropout = dropout; self.rslora = rslora
        self.modules = Array(Set(modules)).sorted(); self.baseQuantization = baseQuantization
    }

    /// The factor of B·A added to the frozen weight: alpha/rank, or alpha/√rank with rsLoRA.
    public var scale: Float { Float(rslora ? alpha / Double(rank).squareRoot() : alpha / Double(rank)) }

    /// Throws on a non-positive rank, a dropout outside [0, 1) or no modules.
    public func validate() throws {
        guard rank > 0 else { throw TrainerError.config("lora.rank must be positive") }
        guard alpha > 0 else { throw TrainerError.config("lora.alpha must be positive") }
        guard dropout >= 0 && dropout < 1 else { throw TrainerError.config("lora.dropout must be in [0, 1)") }
        guard !modules.isEmpty else { throw TrainerError.config("lora.modules needs at least one of q, k, v, o, gate, up, down") }
    }
}
