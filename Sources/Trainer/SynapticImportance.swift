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
        guard model.lora == nil, model.grads.count == model.parameterCount else {
            throw TrainerError.config("the importance estimate needs a model with trainable weights and no adapter")
        }
        guard steps > 0, lr > 0, damping > 0 else { throw TrainerError.config("importance steps, learning rate and damping must be positive") }
        guard !data.isEmpty else { throw TrainerError.config("the importance estimate needs at least one shard folder") }
        guard seqLen > 1, seqLen <= model.config.maxPositions else {
            throw TrainerError.config("importance seq_len \(seqLen) must be in 2...\(model.config.maxPositions)")
        }
        let readers = try data.map { try ShardReader(directory: $0, verifyHashes: verifyHashes) }
        let masked = readers.contains { $0.hasLossMask }
        let mixer = try TrainingRun.mixer(data.map { TrainConfig.Source(path: $0) }, readers: readers, seqLen: seqLen, seed: seed,
                                          shuffle: 1, state: nil)
        let acts = Activations(config: model.config, batch: 1, seqLen: seqLen)
        let start = Array(model.params)
        var omega = [Double](repeating: 0, count: model.parameterCount)
        let V = model.config.vocabSize, step = Float(lr)
        for n in 0..<steps {
            let win = try mixer.next().window
            var x = [Int32](), y = [Int32](), w = [Float]()
            for i in 0..<seqLen {
                let a = win.tokens[i], b = win.tokens[i + 1]
                guard Int(a) < V, Int(b) < V else { throw TrainerError.data("token id \(max(a, b)) in \(win.source) is outside the model vocabulary \(V)") }
                x.append(Int32(a)); y.append(Int32(b)); w.append(masked ? Float(win.lossMask[i]) : 1)
            }
            let counted = w.reduce(0, +)
            guard counted > 0 else { continue }
            model.zeroGrad()
            model.forward(tokens: x, batch: 1, seqLen: seqLen, acts)
            _ = model.loss(targets: y, weights: w, scale: 1 / counted, gradient: true, acts)
            model.backward(acts)
            for i in 0..<omega.count {
                let g = model.grads[i], delta = -step * g
                omega[i] -= Double(g) * Double(delta)
                model.params[i] += delta
            }
            if (n + 1) % 16 == 0 || n + 1 == steps { log("importance: \(n + 1)/\(steps) steps") }
        }
        var f: [String: Safetensors.Tensor] = [:], r: [String: Safetensors.Tensor] = [:]
        for t in model.layout.tensors {
            f[t.name] = .init(shape: t.shape, data: (t.offset..<(t.offset + t.count)).map { i in
                let d = Double(model.params[i]) - Double(start[i])
                return Float(omega[i] / (d * d + damping))
            })
            r[t.name] = .init(shape: t.shape, data: Array(start[t.offset..<(t.offset + t.count)]))
        }
        _ = model.params.update(fromContentsOf: start)
        model.zeroGrad()
        return FisherInformation(fisher: f, reference: r)
    }
}
