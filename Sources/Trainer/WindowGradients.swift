import Foundation
import Shards

/// The gradient of a plain model's mean token loss, one window of data at a time: the shared inner loop of the
/// importance estimates (`FisherInformation`, `SynapticImportance`). Windows come from shard folders mixed with equal
/// weights, unshuffled and deterministic in the seed; only loss_mask tokens count when the shards have one.
struct WindowGradients {
    let model: LlamaModel
    let seqLen: Int
    private let mixer: WeightedMixer
    private let masked: Bool
    private let acts: Activations

    /// Checks the model (trainable weights, no adapter), `data` and `seqLen`; `what` names the estimate in errors.
    init(model: LlamaModel, data: [String], seqLen: Int, seed: UInt64, verifyHashes: Bool, what: String) throws {
        guard model.lora == nil, model.grads.count == model.parameterCount else {
            throw TrainerError.config("the \(what) estimate needs a model with trainable weights and no adapter")
        }
        guard !data.isEmpty else { throw TrainerError.config("the \(what) estimate needs at least one shard folder") }
        guard seqLen > 1, seqLen <= model.config.maxPositions else {
            throw TrainerError.config("\(what) seq_len \(seqLen) must be in 2...\(model.config.maxPositions)")
        }
        let readers = try data.map { try ShardReader(directory: $0, verifyHashes: verifyHashes) }
        masked = readers.contains { $0.hasLossMask }
        mixer = try TrainingRun.mixer(data.map { TrainConfig.Source(path: $0) }, readers: readers, seqLen: seqLen, seed: seed,
                                      shuffle: 1, state: nil)
        acts = Activations(config: model.config, batch: 1, seqLen: seqLen)
        self.model = model; self.seqLen = seqLen
    }

    /// Puts the gradient of the next window's mean (counted) token loss into `model.grads`. Returns false, with the
    /// gradients zero, when the window has no counted token.
    func next() throws -> Bool {
        let win = try mixer.next().window
        let V = model.config.vocabSize
        var x = [Int32](), y = [Int32](), w = [Float]()
        x.reserveCapacity(seqLen); y.reserveCapacity(seqLen); w.reserveCapacity(seqLen)
        for i in 0..<seqLen {
            let a = win.tokens[i], b = win.tokens[i + 1]
            guard Int(a) < V, Int(b) < V else {
                throw TrainerError.data("token id \(max(a, b)) in \(win.source) is outside the model vocabulary \(V)")
            }
            x.append(Int32(a)); y.append(Int32(b)); w.append(masked ? Float(win.lossMask[i]) : 1)
        }
        model.zeroGrad()
        let counted = w.reduce(0, +)
        guard counted > 0 else { return false }
        model.forward(tokens: x, batch: 1, seqLen: seqLen, acts)
        _ = model.loss(targets: y, weights: w, scale: 1 / counted, gradient: true, acts)
        model.backward(acts)
        return true
    }

    /// The importance file's contents: `value(i)` per parameter under the tensor names, `reference` (θ*) beside them.
    func result(value: (Int) -> Float, reference: [Float]) -> FisherInformation {
        var f: [String: Safetensors.Tensor] = [:], r: [String: Safetensors.Tensor] = [:]
        for t in model.layout.tensors {
            let range = t.offset..<(t.offset + t.count)
            f[t.name] = .init(shape: t.shape, data: range.map(value))
            r[t.name] = .init(shape: t.shape, data: Array(reference[range]))
        }
        return FisherInformation(fisher: f, reference: r)
    }
}
