import DomainForgeCore
import Foundation

/// Dual-objective regularization with layer-wise coefficients: the loss is CE(domain) + Σ_l α_l·R_l.
///
/// R_l = Σ_{i ∈ l} Ω_i·(θ_i − θ*_i)² over the parameters of group l: decoder layer l, and in full fine-tuning one more
/// group, `other`, holding the embeddings, the final norm and the head. Ω is an element-wise importance for general
/// knowledge (the diagonal Fisher as in EWC, or Synaptic Intelligence's path integral, `SynapticImportance`), θ* the
/// `init_from` weights.
///
/// α_l follows the adaptive weight of Esser, Rombach & Ommer 2021 ("Taming Transformers for High-Resolution Image
/// Synthesis", eq. 7: λ = ‖∇_{G_L}[L_rec]‖ / (‖∇_{G_L}[L_GAN]‖ + δ), δ = 10⁻⁶), computed for every layer on its own
/// parameters instead of once on the decoder's last layer. At each update step (every `update_every` steps):
///
///     α_l = min(max_alpha, λ·‖∇_{φ_l} CE‖₂ / (‖∇_{φ_l} R_l‖₂ + δ))
///
/// with φ_l the layer's trainable parameters (its weights in full fine-tuning, its LoRA A and B matrices with an
/// adapter) and ∇CE the step's gradient before any penalty; α is a constant in the backward pass, as there. Each
/// layer's pull back towards θ* thus has λ times the norm of the push its domain gradient gives it. With
/// `update_every: 0` the α_l stay at `alpha`, and with one group and α = λ_EWC/2 this is `EWCPenalty` exactly.
///
/// With LoRA, θ is the merged weight W + s·B·A of each adapted projection, as for EWC: dA = s·Bᵀ·G, dB = s·G·Aᵀ with
/// G = ∂R/∂W. The α_l are training state (saved in each checkpoint as `layerwise_reg.safetensors`).
public final class LayerwiseRegularizer {
    /// The file of a checkpoint that holds the α_l.
    public static let stateFile = "layerwise_reg.safetensors"
    /// The settings.
    public let config: LayerwiseRegConfig
    /// One name per group (`layer0`, `layer1`, …, `other`), the order of `alpha` and `lastR`.
    public let groupNames: [String]
    /// The current α_l.
    public private(set) var alpha: [Float]
    /// R_l at the last `apply`.
    public private(set) var lastR: [Double]
    /// Σ α_l·R_l at the last `apply`.
    public private(set) var lastPenalty = 0.0
    let importance: FisherInformation
    /// Per group: indices into the model's layout tensors (full fine-tuning) or into the adapter's slots (LoRA).
    let members: [[Int]]
    let usesLoRA: Bool
    private var dR: [Float] = []
    private var scratch: [Float] = []

    /// Checks the settings and that `importance` has every tensor of `model` in the right shape. Attach a LoRA adapter
    /// before: the groups are made from what is trainable.
    public init(importance: FisherInformation, config: LayerwiseRegConfig, model: LlamaModel) throws {
        guard config.lambda >= 0, config.lambda.isFinite, config.delta > 0, config.maxAlpha >= 0, config.alpha >= 0,
              config.updateEvery >= 0 else {
            throw TrainerError.config("layerwise_reg: lambda, max_alpha, alpha and update_every must be non-negative and delta positive")
        }
        for t in model.layout.tensors {
            guard importance.fisher[t.name]?.shape == t.shape, importance.reference[t.name]?.shape == t.shape else {
                throw TrainerError.config("the importance file does not match the model (tensor \(t.name))")
            }
        }
        self.importance = importance
        self.config = config
        let L = model.config.numLayers
        if let a = model.lora {
            usesLoRA = true
            members = (0..<L).map { l in a.slots.indices.filter { a.slots[$0].layer == l } }
            groupNames = (0..<L).map { "layer\($0)" }
        } else {
            usesLoRA = false
            var m = [[Int]](repeating: [], count: L + 1)
            for (k, t) in model.layout.tensors.enumerated() { m[Self.layerIndex(t.name) ?? L].append(k) }
            members = m
            groupNames = (0..<L).map { "layer\($0)" } + ["other"]
        }
        alpha = [Float](repeating: Float(config.alpha), count: members.count)
        lastR = [Double](repeating: 0, count: members.count)
    }

    /// The decoder layer of a tensor name (`model.layers.3.…` → 3), nil for the others.
    static func layerIndex(_ name: String) -> Int? {
        let prefix = "model.layers."
        guard name.hasPrefix(prefix) else { return nil }
        return Int(name.dropFirst(prefix.count).prefix { $0 != "." })
    }

    /// The penalty Σ α_l·R_l at the model's current weights. With `gradient`, first updates the α_l when `step` is an
    /// update step (from the CE gradients already in the model's or adapter's buffer), then adds α_l·∇R_l to them.
    @discardableResult
    public func apply(to model: LlamaModel, step: Int, gradient: Bool = true) -> Double {
        let grads: UnsafeMutableBufferPointer<Float>? = usesLoRA ? model.lora?.grads
            : (model.grads.count == model.parameterCount ? model.grads : nil)
        let n = usesLoRA ? model.lora!.parameterCount : model.parameterCount
        if dR.count != n { dR = [Float](repeating: 0, count: n) }
        let update = gradient && grads != nil && config.updateEvery > 0 && step % config.updateEvery == 0
        var r = [Double](repeating: 0, count: members.count)
        for g in members.indices {
            var regNorm2 = 0.0, ceNorm2 = 0.0
            for range in ranges(g, model) {
                r[g] += usesLoRA ? slotPenalty(range.member, model) : tensorPenalty(range.member, model)
                for i in range.indices {
                    regNorm2 += Double(dR[i]) * Double(dR[i])
                    if update { ceNorm2 += Double(grads![i]) * Double(grads![i]) }
                }
            }
            if update {
                let ratio = config.lambda * ceNorm2.squareRoot() / (regNorm2.squareRoot() + config.delta)
                alpha[g] = Float(min(config.maxAlpha, ratio))
            }
            if gradient, let grads {
                let a = alpha[g]
                for range in ranges(g, model) { for i in range.indices { grads[i] += a * dR[i] } }
            }
        }
        lastR = r
        lastPenalty = zip(alpha, r).reduce(0.0) { $0 + Double($1.0) * $1.1 }
        return lastPenalty
    }

    /// The trainable-parameter ranges of group g (tensor or slot), each with its member index.
    private func ranges(_ g: Int, _ model: LlamaModel) -> [(member: Int, indices: Range<Int>)] {
        if usesLoRA, let a = model.lora {
            return members[g].map { k in let s = a.slots[k]; return (k, s.a..<(s.b + s.outDim * a.rank)) }
        }
        return members[g].map { k in let t = model.layout.tensors[k]; return (k, t.offset..<(t.offset + t.count)) }
    }

    /// R of one full tensor; writes ∂R/∂θ = 2·Ω·(θ − θ*) into dR.
    private func tensorPenalty(_ k: Int, _ model: LlamaModel) -> Double {
        let t = model.layout.tensors[k]
        return elementwise(model.params.baseAddress! + t.offset, name: t.name, count: t.count) { i, g in dR[t.offset + i] = g }
    }

    /// R of one adapted projection over its merged weight; writes ∂R/∂A and ∂R/∂B into dR by the chain rule.
    private func slotPenalty(_ k: Int, _ model: LlamaModel) -> Double {
        let lora = model.lora!, sl = lora.slots[k]
        let count = sl.outDim * sl.inDim
        if scratch.count < 2 * count { scratch = [Float](repeating: 0, count: 2 * count) }
        return scratch.withUnsafeMutableBufferPointer { sb -> Double in
            let weff = sb.baseAddress!, g = sb.baseAddress! + count
            lora.effectiveWeight(sl, of: model, into: weff, scratch: g)
            let name = "model.layers.\(sl.layer).\(sl.module.hfPath).weight"
            let r = elementwise(weff, name: name, count: count) { i, v in g[i] = v }
            dR.withUnsafeMutableBufferPointer { lora.mergedWeightBackward(sl, gradient: g, into: $0.baseAddress!, beta: 0) }
            return r
        }
    }

    /// Σ Ω·(θ − θ*)² of one tensor, handing 2·Ω·(θ − θ*) of each element to `grad`.
    private func elementwise(_ theta: UnsafePointer<Float>, name: String, count: Int, grad: (Int, Float) -> Void) -> Double {
        let f = importance.fisher[name]!.data, ref = importance.reference[name]!.data
        var s = 0.0
        for i in 0..<count {
            let d = theta[i] - ref[i]
            s += Double(f[i]) * Double(d) * Double(d)
            grad(i, 2 * f[i] * d)
        }
        return s
    }

    /// Writes the α_l into `dir` and returns the file name.
    public func save(to dir: String) throws -> String {
        try alpha.withUnsafeBufferPointer {
            try Safetensors.write(path: dir + "/" + Self.stateFile, tensors: [(name: "alpha", shape: [$0.count], data: $0)])
        }
        return Self.stateFile
    }

    /// Reads the α_l a checkpoint saved.
    public func load(from dir: String) throws {
        let path = dir + "/" + Self.stateFile
        guard FileManager.default.fileExists(atPath: path) else {
            throw TrainerError.checkpoint(file: path, message: "missing: the checkpoint was written without layerwise_reg; resume with the config it was trained with")
        }
        guard let a = try Safetensors.read(path: path)["alpha"], a.data.count == alpha.count, a.data.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw TrainerError.checkpoint(file: path, message: "alpha must hold \(alpha.count) finite non-negative values (one per layer group)")
        }
        alpha = a.data
    }

    /// Adds `reg_penalty`, `reg_alpha` and `reg_r` (in `groupNames` order) to a metrics.jsonl row.
    public func addMetrics(to row: inout [String: JSONValue]) {
        row["reg_penalty"] = .double(lastPenalty)
        row["reg_alpha"] = .array(alpha.map { .double(Double($0)) })
        row["reg_r"] = .array(lastR.map { .double($0) })
    }

    /// One log line: the penalty, then α and R of every group.
    public func logLine(step: Int) -> String {
        let parts = groupNames.indices.map { groupNames[$0] + String(format: " α %.3g R %.3g", Double(alpha[$0]), lastR[$0]) }
        return String(format: "step %d layerwise_reg %.4g: ", step, lastPenalty) + parts.joined(separator: ", ")
    }
}
