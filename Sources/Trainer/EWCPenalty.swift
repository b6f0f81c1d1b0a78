import Foundation

/// Elastic weight consolidation (Kirkpatrick et al. 2017): the penalty (λ/2)·Σ F·(θ − θ*)² and its gradient.
/// With full fine-tuning θ is every parameter; with a LoRA adapter θ is the merged weight W + s·B·A of each adapted
/// projection (the frozen rest cannot move), and the gradient G = λ·F·(θ − θ*) reaches the adapter by the chain
/// rule: dA += s·Bᵀ·G, dB += s·G·Aᵀ.
public final class EWCPenalty {
    /// λ, the penalty strength.
    public let lambda: Double
    let fisher: FisherInformation
    private var scratch: [Float] = []

    /// Checks that `fisher` has every tensor of `model` in the right shape.
    public init(fisher: FisherInformation, lambda: Double, model: LlamaModel) throws {
        guard lambda >= 0, lambda.isFinite else { throw TrainerError.config("ewc.lambda must be a non-negative number") }
        for t in model.layout.tensors {
            guard fisher.fisher[t.name]?.shape == t.shape, fisher.reference[t.name]?.shape == t.shape else {
                throw TrainerError.config("the Fisher file does not match the model (tensor \(t.name))")
            }
        }
        self.fisher = fisher
        self.lambda = lambda
    }

    /// The penalty at the model's current weights; with `gradient`, adds its gradient to the model's (or the
    /// adapter's) gradients.
    @discardableResult
    public func apply(to model: LlamaModel, gradient: Bool) -> Double {
        guard lambda > 0 else { return 0 }
        let lam = Float(lambda)
        var total = 0.0
        if let lora = model.lora {
            for sl in lora.slots {
                let name = "model.layers.\(sl.layer).\(sl.module.hfPath).weight"
                let count = sl.outDim * sl.inDim
                if scratch.count < 2 * count { scratch = [Float](repeating: 0, count: 2 * count) }
                scratch.withUnsafeMutableBufferPointer { sb in
                    let weff = sb.baseAddress!, g = sb.baseAddress! + count
                    lora.effectiveWeight(sl, of: model, into: weff, scratch: g)
                    total += penalty(weff, name: name, count: count, gradOut: g, lam: lam)
                    guard gradient else { return }
                    lora.mergedWeightBackward(sl, gradient: g, into: lora.grads.baseAddress!, beta: 1)
                }
            }
        } else {
            let hasGrads = model.grads.count == model.parameterCount
            for t in model.layout.tensors {
                let gp: FPtr? = gradient && hasGrads ? model.grads.baseAddress! + t.offset : nil
                total += penalty(model.params.baseAddress! + t.offset, name: t.name, count: t.count, gradOut: nil, addGrad: gp, lam: lam)
            }
        }
        return Double(lam) / 2 * total
    }

    /// Σ F·(θ − θ*)² of one tensor; writes λ·F·(θ − θ*) to `gradOut` and/or adds it to `addGrad`.
    private func penalty(_ theta: CFPtr, name: String, count: Int, gradOut: FPtr?, addGrad: FPtr? = nil, lam: Float) -> Double {
        let f = fisher.fisher[name]!.data, ref = fisher.reference[name]!.data
        var s = 0.0
        for i in 0..<count {
            let d = theta[i] - ref[i]
            s += Double(f[i]) * Double(d) * Double(d)
            let g = lam * f[i] * d
            gradOut?[i] = g
            addGrad?[i] += g
        }
        return s
    }
}
