import Foundation
import Shards
import Testing
@testable import Trainer
import TestSupport

/// Random non-negative F and a reference near the model's weights.
func randomFisher(_ m: LlamaModel, seed: UInt64) -> FisherInformation {
    var f: [String: Safetensors.Tensor] = [:], r: [String: Safetensors.Tensor] = [:]
    for (k, t) in m.layout.tensors.enumerated() {
        let cur = Array(m.params[t.offset..<(t.offset + t.count)])
        f[t.name] = .init(shape: t.shape, data: randomArray(t.count, seed: seed &+ UInt64(k)).map { abs($0) })
        let noise = randomArray(t.count, seed: seed &+ 100 &+ UInt64(k), scale: 0.2)
        r[t.name] = .init(shape: t.shape, data: zip(cur, noise).map { $0 + $1 })
    }
    return FisherInformation(fisher: f, reference: r)
}

@Suite struct EWCTests {
    @Test func penaltyValueAndGradientFullModel() throws {
        let m = try loraBase()
        let info = randomFisher(m, seed: 1)
        let ewc = try EWCPenalty(fisher: info, lambda: 3, model: m)
        var expected = 0.0
        for t in m.layout.tensors {
            let f = info.fisher[t.name]!.data, r = info.reference[t.name]!.data
            for i in 0..<t.count { let d = Double(m.params[t.offset + i] - r[i]); expected += Double(f[i]) * d * d }
        }
        m.zeroGrad()
        let p = ewc.apply(to: m, gradient: true)
        #expect(abs(p - 1.5 * expected) <= 1e-9 * max(1, p))
        let g = Array(m.grads)
        let idx = Array(stride(from: 0, to: m.parameterCount, by: 37))
        let e = maxRelativeError(m.params.baseAddress!, indices: idx, analytic: { g[$0] }, h: 1e-2, floor: 1e-3) { ewc.apply(to: m, gradient: false) }
        #expect(e < 1e-2, "\(e)")
        #expect(try EWCPenalty(fisher: info, lambda: 0, model: m).apply(to: m, gradient: true) == 0)
    }

    /// With LoRA, θ is W + s·B·A: the gradient reaches A and B by the chain rule (float and NF4 base).
    @Test(arguments: [LoRAConfig.BaseQuantization.none, .nf4]) func penaltyGradientThroughLoRA(_ q: LoRAConfig.BaseQuantization) throws {
        let m = try loraBase()
        let info = randomFisher(m, seed: 2)
        let a = try randomAdapter(LoRAConfig(rank: 3, alpha: 5, modules: [.q, .o, .down], baseQuantization: q), model: m.config)
        try m.attach(lora: a)
        let ewc = try EWCPenalty(fisher: info, lambda: 2, model: m)
        m.zeroGrad()
        _ = ewc.apply(to: m, gradient: true)
        let g = Array(a.grads)
        #expect(g.contains { $0 != 0 })
        let e = maxRelativeError(a.params.baseAddress!, indices: Array(stride(from: 0, to: a.parameterCount, by: 3)), analytic: { g[$0] },
                                 h: 1e-2, floor: 1e-3) { ewc.apply(to: m, gradient: false) }
        #expect(e < 1e-2, "\(e)")
    }

    @Test func fisherEstimateIsTheMeanSquaredPerExampleGradient() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/g", sampleDocs(20))
        let m = try loraBase()
        let info = try FisherInformation.estimate(model: m, data: [d.path + "/g"], samples: 3, seqLen: 8, seed: 4)
        // the same three windows by hand
        var sum = [Double](repeating: 0, count: m.parameterCount)
        try byHandWindowGradients(model: m, data: d.path + "/g", windows: 3, seed: 4) {
            for i in sum.indices { sum[i] += Double(m.grads[i]) * Double(m.grads[i]) }
        }
        for t in m.layout.tensors {
            #expect(info.fisher[t.name]!.data == (0..<t.count).map { Float(sum[t.offset + $0] / 3) }, "\(t.name)")
            #expect(info.reference[t.name]!.data == Array(m.params[t.offset..<(t.offset + t.count)]))
        }
        try info.save(path: d.path + "/f.safetensors")
        let back = try FisherInformation.load(path: d.path + "/f.safetensors", layout: m.layout)
        #expect(back.fisher.mapValues(\.data) == info.fisher.mapValues(\.data))
        #expect(back.reference.mapValues(\.data) == info.reference.mapValues(\.data))
        let raw = try Safetensors.read(path: d.path + "/f.safetensors")
        #expect(raw["model.layers.0.self_attn.q_proj.weight"] != nil && raw["reference.model.norm.weight"] != nil)
        #expect(raw.count == 2 * m.layout.tensors.count)
    }

    @Test func badFisherInputs() throws {
        let d = TmpDir()
        let m = try loraBase()
        #expect(throws: (any Error).self) { try FisherInformation.estimate(model: m, data: [d.path + "/none"], samples: 2, seqLen: 8) }
        #expect(throws: TrainerError.self) { try FisherInformation.estimate(model: m, data: [], samples: 2, seqLen: 8) }
        try writeDataset(d.path + "/g", sampleDocs(10))
        #expect(throws: TrainerError.self) { try FisherInformation.estimate(model: m, data: [d.path + "/g"], samples: 0, seqLen: 8) }
        #expect(throws: TrainerError.self) { try FisherInformation.estimate(model: m, data: [d.path + "/g"], samples: 1, seqLen: 1000) }
        var info = randomFisher(m, seed: 3)
        info.fisher["model.norm.weight"]!.data[0] = -1
        try info.save(path: d.path + "/neg.safetensors")
        #expect(throws: TrainerError.self) { try FisherInformation.load(path: d.path + "/neg.safetensors", layout: m.layout) }
        info.reference["model.norm.weight"] = nil
        #expect(throws: TrainerError.self) { try EWCPenalty(fisher: info, lambda: 1, model: m) }
        let other = try LlamaModel(config: LlamaConfig(vocabSize: 32, hiddenSize: 16, intermediateSize: 24, numLayers: 1, numHeads: 2))
        #expect(throws: TrainerError.self) { try EWCPenalty(fisher: randomFisher(other, seed: 1), lambda: 1, model: m) }
        #expect(throws: TrainerError.self) { try EWCPenalty(fisher: randomFisher(m, seed: 1), lambda: -1, model: m) }
        try m.attach(lora: LoRAAdapter(config: LoRAConfig(rank: 2), model: m.config, seed: 1))
        #expect(throws: TrainerError.self) { try FisherInformation.estimate(model: m, data: [d.path + "/g"], samples: 1, seqLen: 8) }
    }
}
