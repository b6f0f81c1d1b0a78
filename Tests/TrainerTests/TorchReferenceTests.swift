import Foundation
import NumericTolerance
import Testing
@testable import Trainer

/// The trainer's forward pass, loss and gradients against PyTorch, without Python: a checked-in reference computed by
/// transformers' LlamaForCausalLM in float64 (`scripts/compat/make_torch_reference.py`), in the spirit of llm.c's
/// `test_gpt2`. Our float32 results must land within float32 error bounds of it, on any CPU and kernel path.
@Suite struct TorchReferenceTests {
    /// The configuration the generator script builds (keep the two in step).
    static let config = LlamaConfig(vocabSize: 64, hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4,
                                    numKVHeads: 2, maxPositions: 64, ropeTheta: 10_000, rmsNormEps: 1e-5)
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/torch-reference.safetensors").path

    struct Reference {
        let model: LlamaModel
        let ids: [Int32], targets: [Int32], weights: [Float]
        let logits: [Float], loss: Double
        let grads: [String: [Float]]
        let batch: Int, seqLen: Int
    }

    static func load() throws -> Reference {
        let t = try Safetensors.read(path: path)
        let m = try LlamaModel(config: config)
        for tensor in m.layout.tensors {
            let w = try #require(t[tensor.name], "fixture lacks \(tensor.name)")
            #expect(w.shape == tensor.shape, "\(tensor.name)")
            for i in 0..<tensor.count { m.params[tensor.offset + i] = w.data[i] }
        }
        let ids = try #require(t["reference.input_ids"])
        var grads = [String: [Float]]()
        for tensor in m.layout.tensors { grads[tensor.name] = try #require(t["grad." + tensor.name]).data }
        return Reference(model: m, ids: ids.data.map { Int32($0) }, targets: try #require(t["reference.targets"]).data.map { Int32($0) },
                         weights: try #require(t["reference.weights"]).data, logits: try #require(t["reference.logits"]).data,
                         loss: Double(try #require(t["reference.loss"]).data[0]), grads: grads,
                         batch: ids.shape[0], seqLen: ids.shape[1])
    }

    @Test func logitsLossAndGradientsMatchPyTorch() throws {
        let r = try Self.load()
        let m = r.model, B = r.batch, T = r.seqLen
        let acts = Activations(config: m.config, batch: B, seqLen: T)
        m.forward(tokens: r.ids, batch: B, seqLen: T, acts)
        let fwd = FloatTolerance.forward(m.config, seqLen: T), bwd = FloatTolerance.backward(m.config, seqLen: T)
        // logits: within the forward bound of the largest logit
        let V = m.config.vocabSize
        var worst: Float = 0, largest: Float = 0
        for i in 0..<(B * T) {
            let row = acts.logitsRow(i)
            for j in 0..<V { worst = max(worst, abs(row[j] - r.logits[i * V + j])); largest = max(largest, abs(r.logits[i * V + j])) }
        }
        #expect(Double(worst) <= fwd * Double(largest), "logits: max diff \(worst), largest \(largest)")
        // the loss: a weighted sum of token losses
        m.zeroGrad()
        let loss = m.loss(targets: r.targets, weights: r.weights, scale: 1, gradient: true, acts)
        #expect(abs(loss - r.loss) <= fwd * abs(r.loss), "loss \(loss) vs PyTorch \(r.loss)")
        // every gradient, per tensor, within the backward bound of that tensor's largest entry
        m.backward(acts)
        for tensor in m.layout.tensors {
            let ref = r.grads[tensor.name]!
            var w: Float = 0, big: Float = 0
            for i in 0..<tensor.count { w = max(w, abs(m.grads[tensor.offset + i] - ref[i])); big = max(big, abs(ref[i])) }
            #expect(big > 0 && Double(w) <= bwd * Double(big), "\(tensor.name): max diff \(w), largest \(big)")
        }
    }

    /// The check can fail: one perturbed weight moves the loss outside the bound.
    @Test func aPerturbedWeightIsCaught() throws {
        let r = try Self.load()
        let m = r.model
        m.params[m.layout.layers[1].wd] += 0.05
        let acts = Activations(config: m.config, batch: r.batch, seqLen: r.seqLen)
        m.forward(tokens: r.ids, batch: r.batch, seqLen: r.seqLen, acts)
        let loss = m.loss(targets: r.targets, weights: r.weights, scale: 1, gradient: false, acts)
        #expect(abs(loss - r.loss) > FloatTolerance.forward(m.config, seqLen: r.seqLen) * abs(r.loss))
    }
}
