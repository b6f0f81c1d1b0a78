// LoRA (Hu et al. 2021) on a frozen Llama: each adapted projection computes y = x·Wᵀ + s·(drop(x)·Aᵀ)·Bᵀ with
// A [r, in], B [out, r], s = alpha/r (or alpha/√r, rsLoRA). A starts Kaiming-uniform (bound 1/√in, PEFT's
// kaiming_uniform_(a=√5)), B at zero, so a fresh adapter leaves the model unchanged. Optionally the frozen base
// projections are stored quantized (QLoRA) and dequantized per matrix right before each product.
import COpenBLAS
import DomainForgeCore
import Foundation

/// The trainable low-rank matrices of every adapted projection, with their gradients, in one buffer each.
public final class LoRAAdapter {
    /// One adapted projection: where its A and B sit in `params`/`grads`.
    public struct Slot: Sendable {
        /// Decoder layer index.
        public var layer: Int
        /// Which projection.
        public var module: LoRAConfig.Module
        /// Input and output widths of the projection (W is [outDim, inDim]).
        public var inDim: Int, outDim: Int
        /// Offsets of A [rank, inDim] and B [outDim, rank].
        public var a: Int, b: Int
    }

    /// The settings the adapter was made with.
    public let config: LoRAConfig
    /// r (`config.rank`).
    public let rank: Int
    /// The factor of B·A (alpha/rank, or alpha/√rank with rsLoRA).
    public let scale: Float
    /// Adapted projections, layer by layer in module order.
    public let slots: [Slot]
    /// All A and B matrices, slot by slot.
    public let params: UnsafeMutableBufferPointer<Float>
    /// Gradients, same layout as `params`.
    public let grads: UnsafeMutableBufferPointer<Float>
    /// Dropout is applied only while true (the trainer sets it around training steps).
    public var training = false
    /// Selects the dropout masks of the next forward/backward (the trainer sets it per micro-batch, so runs and
    /// resumed runs draw the same masks).
    public var dropoutKey: UInt64 = 0
    let seed: UInt64
    /// Slot index per layer and module (nil: not adapted).
    let slotIndex: [[Int?]]
    /// The frozen projections in quantized form, per layer and module (empty without base quantization).
    public internal(set) var quantized: [[QuantizedMatrix]] = []
    private let lock = NSLock()
    private var workspaces: [ObjectIdentifier: LoRAWorkspace] = [:]

    /// A fresh adapter for a model of shape `model`: A Kaiming-uniform (deterministic in `seed`), B zero.
    public init(config: LoRAConfig, model: LlamaConfig, seed: UInt64) throws {
        try config.validate()
        self.config = config
        rank = config.rank
        scale = config.scale
        self.seed = seed
        var s: [Slot] = [], index = [[Int?]](repeating: [Int?](repeating: nil, count: 7), count: model.numLayers), n = 0
        for l in 0..<model.numLayers {
            for m in config.modules {
                let (i, o) = Self.dims(m, model)
                index[l][m.order] = s.count
                s.append(Slot(layer: l, module: m, inDim: i, outDim: o, a: n, b: n + rank * i))
                n += rank * i + o * rank
            }
        }
        slots = s
        slotIndex = index
        params = .allocate(capacity: n); params.initialize(repeating: 0)
        grads = .allocate(capacity: n); grads.initialize(repeating: 0)
        var rng = NormalRandom(seed: seed ^ 0x4C6F5241)
        for sl in slots {
            let bound = 1 / Float(sl.inDim).squareRoot()
            for j in 0..<(rank * sl.inDim) { params[sl.a + j] = Float(rng.uniform() * 2 - 1) * bound }
        }
    }

    deinit {
        params.deallocate(); grads.deallocate()
        for w in workspaces.values { w.release() }
    }

    /// Number of trainable values.
    public var parameterCount: Int { params.count }

    /// Sets the adapter gradients to zero.
    public func zeroGrad() { grads.update(repeating: 0) }

    /// (in, out) of a projection.
    static func dims(_ m: LoRAConfig.Module, _ c: LlamaConfig) -> (Int, Int) {
        let C = c.hiddenSize, H = c.intermediateSize, Q = c.numHeads * c.headDim, KV = c.numKVHeads * c.headDim
        switch m {
        case .q: return (C, Q)
        case .k, .v: return (C, KV)
        case .o: return (Q, C)
        case .gate, .up: return (C, H)
        case .down: return (H, C)
        }
    }

    /// The slot of a projection, nil when it is not adapted.
    public func slot(layer: Int, module: LoRAConfig.Module) -> Slot? {
        slotIndex[layer][module.order].map { slots[$0] }
    }

    // ------------------------------------------------------------------------
    // Forward and backward of the adapter path (the base product is done by the caller).

    /// out[N, o] += s · (drop(x)·Aᵀ)·Bᵀ, keeping drop(x)·Aᵀ for the backward.
    /// `row` is the index of the input's first row in the whole batch (dropout masks do not depend on how a batch is
    /// split between threads).
    func forward(_ sl: Slot, index si: Int, out: FPtr, inp: CFPtr, n: Int, row: Int, _ ws: LoRAWorkspace) {
        let r = Int32(rank), I = Int32(sl.inDim), O = Int32(sl.outDim), N = Int32(n)
        let x = droppedInput(si, inp: inp, count: n * sl.inDim, first: row * sl.inDim, ws)
        let z = ws.z[si]
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, r, I, 1, x, I, params.baseAddress! + sl.a, I, 0, z, r)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, O, r, scale, z, r, params.baseAddress! + sl.b, r, 1, out, O)
    }

    /// dA += (s·dout·B)ᵀ·drop(x);  dB += s·doutᵀ·z;  dinp += (s·dout·B·A) through the dropout mask.
    /// Gradients go to `g`, a buffer laid out like `grads` (one per thread when a batch is split).
    func backward(_ sl: Slot, index si: Int, dinp: FPtr, dout: CFPtr, inp: CFPtr, n: Int, row: Int, grads g: FPtr, _ ws: LoRAWorkspace) {
        let r = Int32(rank), I = Int32(sl.inDim), O = Int32(sl.outDim), N = Int32(n)
        let p = params.baseAddress!
        let dz = ws.dz
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, r, O, scale, dout, O, p + sl.b, r, 0, dz, r)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, O, r, N, scale, dout, O, ws.z[si], r, 1, g + sl.b, r)
        let x = droppedInput(si, inp: inp, count: n * sl.inDim, first: row * sl.inDim, ws)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, I, N, 1, dz, r, x, I, 1, g + sl.a, I)
        if dropping {
            let t = ws.xd
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, I, r, 1, dz, r, p + sl.a, I, 0, t, I)
            let keep = 1 / (1 - Float(config.dropout))
            let first = row * sl.inDim
            for j in 0..<(n * sl.inDim) where keeps(si, first + j) { dinp[j] += t[j] * keep }
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, I, r, 1, dz, r, p + sl.a, I, 1, dinp, I)
        }
    }

    var dropping: Bool { training && config.dropout > 0 }

    /// Whether element j of slot si's input survives dropout for the current key.
    @inline(__always) func keeps(_ si: Int, _ j: Int) -> Bool {
        var z = seed &+ dropoutKey &* 0x9E3779B97F4A7C15 &+ UInt64(si) &* 0xD1B54A32D192ED03 &+ UInt64(j) &* 0x94D049BB133111EB
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53) >= config.dropout
    }

    /// The input itself, or (while training with dropout) its dropped and rescaled copy in the workspace.
    private func droppedInput(_ si: Int, inp: CFPtr, count: Int, first: Int, _ ws: LoRAWorkspace) -> CFPtr {
        guard dropping else { return inp }
        let keep = 1 / (1 - Float(config.dropout))
        for j in 0..<count { ws.xd[j] = keeps(si, first + j) ? inp[j] * keep : 0 }
        return UnsafePointer(ws.xd)
    }

    /// Buffers for forward/backward with activations `a` (one set per Activations, so separate activations may run
    /// concurrently; the gradients are shared).
    func workspace(for a: Activations, model: LlamaConfig) -> LoRAWorkspace {
        lock.lock(); defer { lock.unlock() }
        let n = a.maxB * a.maxT
        if let w = workspaces[ObjectIdentifier(a)], w.maxN >= n { return w }
        workspaces[ObjectIdentifier(a)]?.release()
        var maxIn = 0, maxW = 0
        for m in LoRAConfig.Module.allCases {
            let (i, o) = Self.dims(m, model)
            maxIn = max(maxIn, i); maxW = max(maxW, i * o)
        }
        let w = LoRAWorkspace(maxN: n, rank: rank, slots: slots.count, xd: config.dropout > 0 ? n * maxIn : 0,
                              weight: quantized.isEmpty ? 0 : maxW)
        workspaces[ObjectIdentifier(a)] = w
        return w
    }

    // ------------------------------------------------------------------------
    // Merging

    /// W += sign · s · B·A for every adapted projection of `model` (float32 base only).
    func addDelta(to model: LlamaModel, sign: Float) {
        let p = model.params.baseAddress!
        for sl in slots {
            let off = model.projectionOffset(sl.module, layer: sl.layer)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(sl.outDim), Int32(sl.inDim), Int32(rank), sign * scale,
                        params.baseAddress! + sl.b, Int32(rank), params.baseAddress! + sl.a, Int32(sl.inDim), 1, p + off, Int32(sl.inDim))
        }
    }

    /// W_eff = W + s·B·A of one adapted projection into `out` [out, in], W read from `base` (float32 or dequantized).
    func effectiveWeight(_ sl: Slot, base: CFPtr, into out: FPtr) {
        out.update(from: base, count: sl.outDim * sl.inDim)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(sl.outDim), Int32(sl.inDim), Int32(rank), scale,
                    params.baseAddress! + sl.b, Int32(rank), params.baseAddress! + sl.a, Int32(sl.inDim), 1, out, Int32(sl.inDim))
    }

    /// W_eff of one adapted projection of `model` into `out`; a quantized base is dequantized into `scratch` first
    /// (both [out, in]). What a penalty on the merged weight (EWC, the layer-wise regularizer) measures.
    func effectiveWeight(_ sl: Slot, of model: LlamaModel, into out: FPtr, scratch: FPtr) {
        if quantized.isEmpty {
            effectiveWeight(sl, base: model.params.baseAddress! + model.projectionOffset(sl.module, layer: sl.layer), into: out)
        } else {
            quantized[sl.layer][sl.module.order].dequantize(into: scratch)
            effectiveWeight(sl, base: scratch, into: out)
        }
    }

    /// The chain rule from a gradient G [out, in] on a slot's merged weight to its A and B in `dst` (laid out like
    /// `params`): dA = s·Bᵀ·G and dB = s·G·Aᵀ, written (`beta` 0) or added (`beta` 1).
    func mergedWeightBackward(_ sl: Slot, gradient g: CFPtr, into dst: FPtr, beta: Float) {
        let R = Int32(rank), I = Int32(sl.inDim), O = Int32(sl.outDim), p = params.baseAddress!
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, I, O, scale, p + sl.b, R, g, I, beta, dst + sl.a, I)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, O, R, I, scale, g, I, p + sl.a, I, beta, dst + sl.b, R)
    }

    // ------------------------------------------------------------------------
    // PEFT files

    /// The PEFT tensor name of a slot's A or B (`base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight`).
    public static func peftName(layer: Int, module: LoRAConfig.Module, matrix: String) -> String {
        "base_model.model.model.layers.\(layer).\(module.hfPath).lora_\(matrix).weight"
    }

    /// Writes `adapter_config.json` and `adapter_model.safetensors` (PEFT's LoRA layout) to `dir`; `baseModel` is the
    /// base checkpoint folder recorded as `base_model_name_or_path`.
    public func save(to dir: String, baseModel: String) throws {
        try makeDirectory(dir)
        let buf = UnsafeBufferPointer(params)
        var tensors: [(name: String, shape: [Int], data: UnsafeBufferPointer<Float>)] = []
        for sl in slots {
            tensors.append((Self.peftName(layer: sl.layer, module: sl.module, matrix: "A"), [rank, sl.inDim],
                            UnsafeBufferPointer(rebasing: buf[sl.a..<(sl.a + rank * sl.inDim)])))
            tensors.append((Self.peftName(layer: sl.layer, module: sl.module, matrix: "B"), [sl.outDim, rank],
                            UnsafeBufferPointer(rebasing: buf[sl.b..<(sl.b + sl.outDim * rank)])))
        }
        try Safetensors.write(path: dir + "/adapter_model.safetensors", tensors: tensors)
        let cfg: JSONValue = .object([
            "peft_type": .string("LORA"), "task_type": .string("CAUSAL_LM"),
            "r": .int(Int64(rank)), "lora_alpha": .double(config.alpha), "lora_dropout": .double(config.dropout),
            "target_modules": .array(config.modules.map { .string($0.hfName) }),
            "use_rslora": .bool(config.rslora), "bias": .string("none"), "fan_in_fan_out": .bool(false),
            "inference_mode": .bool(true), "init_lora_weights": .bool(true),
            "base_model_name_or_path": .string(baseModel),
        ])
        try Checkpoint.writeJSON(cfg, to: dir + "/adapter_config.json")
    }

    /// Reads `adapter_config.json` of a PEFT LoRA folder: the settings and the base checkpoint it names.
    public static func loadConfig(from dir: String) throws -> (config: LoRAConfig, baseModel: String) {
        let path = dir + "/adapter_config.json"
        guard let d = FileManager.default.contents(atPath: path) else { throw TrainerError.checkpoint(file: path, message: "cannot read") }
        let j: JSONValue
        do { j = try JSONParser.parse(bytes: [UInt8](d)) } catch { throw TrainerError.checkpoint(file: path, message: "\(error)") }
        func bad(_ m: String) -> TrainerError { .checkpoint(file: path, message: m) }
        guard j["peft_type"]?.stringValue == "LORA" else { throw bad("peft_type is not LORA") }
        guard let r = j["r"]?.intValue, let alpha = j["lora_alpha"]?.doubleValue else { throw bad("r or lora_alpha missing") }
        guard let names = j["target_modules"]?.arrayValue?.compactMap({ $0.stringValue }) else { throw bad("target_modules must be a list") }
        var mods: [LoRAConfig.Module] = []
        for n in names {
            guard let m = LoRAConfig.Module(name: n) else { throw bad("unsupported target module \(n)") }
            mods.append(m)
        }
        if let b = j["bias"]?.stringValue, b != "none" { throw bad("bias \(b) is not supported") }
        let c = LoRAConfig(rank: Int(r), alpha: alpha, dropout: j["lora_dropout"]?.doubleValue ?? 0,
                           rslora: j["use_rslora"]?.boolValue ?? false, modules: mods)
        try c.validate()
        guard let base = j["base_model_name_or_path"]?.stringValue, !base.isEmpty else { throw bad("base_model_name_or_path missing") }
        return (c, base)
    }

    /// Reads A and B of every slot from `dir/adapter_model.safetensors` (shapes checked).
    public func loadWeights(from dir: String) throws {
        let path = dir + "/adapter_model.safetensors"
        let t = try Safetensors.read(path: path)
        for sl in slots {
            for (mat, off, shape) in [("A", sl.a, [rank, sl.inDim]), ("B", sl.b, [sl.outDim, rank])] {
                let name = Self.peftName(layer: sl.layer, module: sl.module, matrix: mat)
                guard let x = t[name] else { throw TrainerError.checkpoint(file: path, message: "missing tensor \(name)") }
                guard x.shape == shape else { throw TrainerError.checkpoint(file: path, message: "\(name) has shape \(x.shape), expected \(shape)") }
                x.data.withUnsafeBufferPointer { (params.baseAddress! + off).update(from: $0.baseAddress!, count: x.data.count) }
            }
        }
    }
}
