import DomainForgeCore
import Foundation
import Shards
import Testing
@testable import Trainer
import TestSupport

/// Settings with the α rule's knobs; `update_every` 2 so that steps 1, 3, … keep the α of the step before.
func layerwiseConfig(lambda: Double = 0.8, updateEvery: Int = 2, alpha: Double = 1) -> LayerwiseRegConfig {
    var c = LayerwiseRegConfig()
    c.lambda = lambda; c.updateEvery = updateEvery; c.alpha = alpha
    return c
}

@Suite struct LayerwiseRegTests {
    /// Puts different α_l in place (an update from random CE gradients), then checks ∂(Σ α_l·R_l)/∂θ against
    /// central differences with the α_l held.
    func checkGradient(_ m: LlamaModel, _ reg: LayerwiseRegularizer, trainable: UnsafeMutableBufferPointer<Float>,
                       grads: UnsafeMutableBufferPointer<Float>) {
        let noise = randomArray(grads.count, seed: 7, scale: 0.05)
        for i in grads.indices { grads[i] = noise[i] }
        reg.apply(to: m, step: 0)
        #expect(Set(reg.alpha).count > 1, "\(reg.alpha)")
        grads.update(repeating: 0)
        let p = reg.apply(to: m, step: 1)
        #expect(abs(p - reg.apply(to: m, step: 1, gradient: false)) <= 1e-12 * max(1, p))
        let g = Array(grads)
        #expect(g.contains { $0 != 0 })
        let idx = Array(stride(from: 0, to: trainable.count, by: 5))
        let e = maxRelativeError(trainable.baseAddress!, indices: idx, analytic: { g[$0] }, h: 1e-2, floor: 1e-3) {
            reg.apply(to: m, step: 1, gradient: false)
        }
        #expect(e < 1e-2, "\(e)")
    }

    @Test func penaltyGradientFullModel() throws {
        let m = try loraBase()
        let reg = try LayerwiseRegularizer(importance: randomFisher(m, seed: 1), config: layerwiseConfig(), model: m)
        #expect(reg.groupNames == ["layer0", "layer1", "other"])
        checkGradient(m, reg, trainable: m.params, grads: m.grads)
    }

    /// With LoRA the distance is over the merged weights W + s·B·A; the gradient reaches A and B (float and NF4 base).
    @Test(arguments: [LoRAConfig.BaseQuantization.none, .nf4]) func penaltyGradientThroughLoRA(_ q: LoRAConfig.BaseQuantization) throws {
        let m = try loraBase()
        let info = randomFisher(m, seed: 2)
        let a = try randomAdapter(LoRAConfig(rank: 3, alpha: 5, modules: [.q, .o, .down], baseQuantization: q), model: m.config)
        try m.attach(lora: a)
        let reg = try LayerwiseRegularizer(importance: info, config: layerwiseConfig(), model: m)
        #expect(reg.groupNames == ["layer0", "layer1"])
        checkGradient(m, reg, trainable: a.params, grads: a.grads)
    }

    /// One decoder layer and α fixed at λ/2: the penalty and its gradient are EWC's.
    @Test func fixedAlphaIsEWC() throws {
        var cfg = tinyConfig
        cfg.numLayers = 1
        let m = try LlamaModel(config: cfg)
        m.initialize(seed: 4, std: 0.3)
        let info = randomFisher(m, seed: 3)
        let reg = try LayerwiseRegularizer(importance: info, config: layerwiseConfig(updateEvery: 0, alpha: 1.5), model: m)
        let ewc = try EWCPenalty(fisher: info, lambda: 3, model: m)
        m.zeroGrad()
        let p = reg.apply(to: m, step: 0)
        let ours = Array(m.grads)
        #expect(reg.alpha == [1.5, 1.5])
        m.zeroGrad()
        let q = ewc.apply(to: m, gradient: true)
        #expect(abs(p - q) <= 1e-12 * q, "\(p) vs \(q)")
        var worst: Float = 0
        for (a, b) in zip(ours, Array(m.grads)) { worst = max(worst, abs(a - b) / max(abs(b), 1e-6)) }
        #expect(worst < 1e-6)
    }

    /// α_l = min(max_alpha, λ·‖∇_l CE‖ / (‖∇_l R_l‖ + δ)) on numbers worked out by hand, updated only every
    /// update_every steps.
    @Test func alphaUpdateByHand() throws {
        var cfg = tinyConfig
        cfg.numLayers = 1
        let m = try LlamaModel(config: cfg)
        m.initialize(seed: 5)
        var f: [String: Safetensors.Tensor] = [:], r: [String: Safetensors.Tensor] = [:]
        for t in m.layout.tensors {
            f[t.name] = .init(shape: t.shape, data: [Float](repeating: 0, count: t.count))
            r[t.name] = .init(shape: t.shape, data: Array(m.params[t.offset..<(t.offset + t.count)]))
        }
        // layer 0: one weight with Ω = 2 sits 0.5 from θ*: R = 2·0.25 = 0.5, ‖∇R‖ = 2·2·0.5 = 2
        let q = m.layout.tensor(named: "model.layers.0.self_attn.q_proj.weight")!
        f[q.name]!.data[3] = 2
        r[q.name]!.data[3] = m.params[q.offset + 3] - 0.5
        var c = layerwiseConfig(lambda: 0.8, updateEvery: 3)
        c.maxAlpha = 1e4
        let reg = try LayerwiseRegularizer(importance: FisherInformation(fisher: f, reference: r), config: c, model: m)
        func setGrads(_ v: Float) {
            m.zeroGrad()
            m.grads[q.offset + 7] = 3 * v; m.grads[q.offset + 9] = 4 * v  // layer 0: ‖∇CE‖ = 5v
            m.grads[2] = v  // embeddings ("other"): ‖∇CE‖ = v, but R = 0 there
        }
        setGrads(1)
        let p = reg.apply(to: m, step: 0)
        let a0 = Float(0.8 * 5 / (2 + 1e-6))
        #expect(reg.alpha == [a0, 1e4])  // 0.8·1/1e-6 = 8e5 is capped
        #expect(reg.lastR == [0.5, 0])
        #expect(p == Double(a0) * 0.5)
        #expect(m.grads[q.offset + 3] == a0 * 2 && m.grads[q.offset + 7] == 3)
        setGrads(2)  // steps 1 and 2 keep α
        reg.apply(to: m, step: 1)
        #expect(reg.alpha == [a0, 1e4])
        setGrads(2)
        reg.apply(to: m, step: 3)
        #expect(reg.alpha == [Float(0.8 * 10 / (2 + 1e-6)), 1e4])
    }

    /// A full fine-tuning and a LoRA run with layerwise_reg (α updated every 2 steps) interrupted and resumed give bitwise
    /// the losses and weights of one run; α_l and R_l are in metrics.jsonl and the log.
    @Test(arguments: [false, true]) func resumeIsBitwiseIdentical(_ withLoRA: Bool) throws {
        let d = TmpDir()
        var c = try LoRATrainingTests().setup(d)
        if withLoRA { c.lora = LoRAConfig(rank: 2, alpha: 4, dropout: 0.2, modules: [.q, .v, .up]) }
        var lw = layerwiseConfig(lambda: 0.5)
        lw.fisherData = [d.path + "/a"]; lw.fisherSamples = 2
        c.layerwise = lw
        var cf = c
        cf.outputDir = d.path + "/full"
        cf.logEvery = 3
        let full = try TrainingRun(config: cf)
        var lines: [String] = []
        full.log = { lines.append($0) }
        let reference = try full.run()
        let first = try TrainingRun(config: c)
        first.log = { _ in }
        let head = try first.run(maxSteps: 3)
        let ck = try #require(TrainingRun.latestCheckpoint(outputDir: c.outputDir))
        #expect(FileManager.default.fileExists(atPath: ck + "/" + LayerwiseRegularizer.stateFile))
        let second = try TrainingRun(config: c, resumeFrom: ck)
        #expect(second.layerwise!.alpha == first.layerwise!.alpha)
        second.log = { _ in }
        let tail = try second.run()
        #expect(head + tail == reference)
        let trained = withLoRA ? Array(second.model.lora!.params) : Array(second.model.params)
        #expect(trained == (withLoRA ? Array(full.model.lora!.params) : Array(full.model.params)))
        let rows = try String(contentsOfFile: cf.outputDir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSONParser.parse(bytes: Array($0.utf8)) }
        let groups = withLoRA ? 2 : 3
        #expect(rows.count == 6 && rows.allSatisfy { $0["reg_alpha"]?.arrayValue?.count == groups && $0["reg_r"]?.arrayValue?.count == groups })
        #expect(rows.contains { ($0["reg_penalty"]?.doubleValue ?? 0) > 0 })
        #expect(FileManager.default.fileExists(atPath: cf.outputDir + "/" + TrainingRun.importanceFile))
        #expect(lines.contains { $0.hasPrefix("step 6 layerwise_reg ") && $0.contains("layer0 α ") && $0.contains("layer1 α ") }, "\(lines)")
        // a checkpoint written without layerwise_reg holds no α: resuming with it is refused
        var plain = c
        plain.layerwise = nil; plain.lora = nil; plain.steps = 1; plain.outputDir = d.path + "/plain"
        let p = try TrainingRun(config: plain)
        p.log = { _ in }
        try p.run()
        #expect(throws: TrainerError.self) { try TrainingRun(config: c, resumeFrom: TrainingRun.latestCheckpoint(outputDir: plain.outputDir)) }
    }

    /// Synaptic Intelligence on two SGD steps, by hand: ω = lr·Σ g², Ω = ω / (Δ² + ξ), and the weights put back.
    @Test func synapticImportanceByHand() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/g", sampleDocs(20))
        let m = try loraBase()
        let before = Array(m.params)
        let info = try SynapticImportance.estimate(model: m, data: [d.path + "/g"], steps: 2, lr: 0.1, damping: 0.01, seqLen: 8, seed: 4)
        #expect(Array(m.params) == before)
        var omega = [Double](repeating: 0, count: m.parameterCount)
        try byHandWindowGradients(model: m, data: d.path + "/g", windows: 2, seed: 4) {
            for i in omega.indices {
                let g = m.grads[i], step = -Float(0.1) * g
                omega[i] -= Double(g) * Double(step)
                m.params[i] += step
            }
        }
        for t in m.layout.tensors {
            let expected = (t.offset..<(t.offset + t.count)).map { i -> Float in
                let dd = Double(m.params[i]) - Double(before[i])
                return Float(omega[i] / (dd * dd + 0.01))
            }
            #expect(info.fisher[t.name]!.data == expected, "\(t.name)")
            #expect(info.reference[t.name]!.data == Array(before[t.offset..<(t.offset + t.count)]))
        }
        #expect(throws: TrainerError.self) {
            try SynapticImportance.estimate(model: m, data: [d.path + "/g"], steps: 0, lr: 0.1, damping: 0.01, seqLen: 8)
        }
    }

    /// The `layerwise_reg:` section: keys read with paths resolved, defaults, and the problems with their key paths.
    @Test func configSection() throws {
        let y = "data: [a]\noutput_dir: o\ninit_from: base\n"
        let c = try TrainConfig.parse(yaml: y + "layerwise_reg: {importance: gradient, fisher_data: [g], fisher_samples: 8, lambda: 0.5, "
            + "update_every: 4, max_alpha: 100, delta: 0.001, alpha: 2, importance_lr: 0.05, damping: 0.1}\n", baseDir: "/x")
        var e = LayerwiseRegConfig()
        e.importance = .gradient; e.fisherData = ["/x/g"]; e.fisherSamples = 8; e.lambda = 0.5; e.updateEvery = 4; e.maxAlpha = 100
        e.delta = 0.001; e.alpha = 2; e.importanceLR = 0.05; e.damping = 0.1
        #expect(c.layerwise == e)
        #expect(try TrainConfig.parse(yaml: y + "layerwise_reg: {fisher: f.safetensors}\n", baseDir: "/x").layerwise?.fisher == "/x/f.safetensors")
        #expect(performing: {
            try TrainConfig.parse(yaml: "data: [a]\noutput_dir: o\nmodel: {vocab_size: 8, hidden_size: 8, intermediate_size: 8, num_layers: 1, num_heads: 2}\n"
                + "layerwise_reg: {importance: gradient, fisher: f, fisher_data: [g]}\n")
        }, throws: { e in
            guard case .config(let m) = e as? TrainerError else { return false }
            return m == """
                layerwise_reg: needs exactly one of fisher and fisher_data
                layerwise_reg.fisher: a Fisher file only serves importance: fisher; give fisher_data
                layerwise_reg: needs init_from (the weights to stay close to)
                """
        })
        #expect(throws: TrainerError.self) { try TrainConfig.parse(yaml: y + "layerwise_reg: {fisher_data: [g], delta: 0}\n") }
        #expect(throws: TrainerError.self) { try TrainConfig.parse(yaml: y + "layerwise_reg: {fisher_data: [g], importance: hessian}\n") }
        #expect(throws: TrainerError.self) { try TrainConfig.parse(yaml: y + "layerwise_reg: {fisher_data: [g], lambda: -1}\n") }
    }
}
