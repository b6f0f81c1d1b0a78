import Foundation
import Shards

/// Element-wise importance by Synaptic Intelligence (Zenke, Poole & Ganguli 2017, "Continual Learning Through
/// Synaptic Intelligence", eq. 5): along a training trajectory on general data each parameter collects
/// ω_i = Σ_t −g_i(t)·Δθ_i(t), its share of the loss decrease, and its importance is Ω_i = ω_i / (Δ_i² + ξ) with Δ_i
/// the parameter's total change and ξ a damping. Song et al. 2025 (arXiv 2501.13669) record their general element-wise
/// importance this way.
///
/// Here the trajectory is a short recording run from the model's weights: `steps` steps of plain SGD (learning rate
/// `lr`), one window of `seqLen` tokens each (the gradient of the window's mean token loss), so that
/// −g·Δθ = lr·g². The weights are then put back: θ* is the starting point. The result has the layout of
/// `FisherInformation` (Ω under the tensor names, θ* under `reference.`), so the same file format serves both.
public enum SynapticImportance {
    /// Runs the recording on the first `steps` windows of `data` (shard folders mixed with equal weights,
    /// unshuffled, deterministic in `seed`); only loss_mask tokens count when the shards have one.
    public static func estimate(model: LlamaModel, data: [String], steps: Int, lr: Double, damping: Double, seqLen: Int,
                                seed: UInt64 = 1, verifyHashes: Bool = true, log: (String) -> Void = { _ in }) throws -> FisherInformation {
        guard steps > 0, lr > 0, damping > 0 else { throw TrainerError.config("importance steps, learning rate and damping must be positive") }
        let windows = try WindowGradients(model: model, data: data, seqLen: seqLen, seed: seed, verifyHashes: verifyHashes,
                                          what: "importance")
        let start = Array(model.params)
        var omega = [Double](repeating: 0, count: model.parameterCount)
        let step = Float(lr)
        for n in 0..<steps {
            if try windows.next() {
                for i in 0..<omega.count {
                    let g = model.grads[i], delta = -step * g
                    omega[i] -= Double(g) * Double(delta)
                    model.params[i] += delta
                }
            }
            if (n + 1) % 16 == 0 || n + 1 == steps { log("importance: \(n + 1)/\(steps) steps") }
        }
        let info = windows.result(value: { i in
            let d = Double(model.params[i]) - Double(start[i])
            return Float(omega[i] / (d * d + damping))
        }, reference: start)
        _ = model.params.update(fromContentsOf: start)
        model.zeroGrad()
        return info
    }
}
