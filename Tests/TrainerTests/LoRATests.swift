import DomainForgeCore
import Foundation
import Testing
@testable import Trainer
import TestSupport

/// A tiny model with non-trivial norm weights, saved to `dir` when given.
func loraBase(seed: UInt64 = 3, tied: Bool = false) throws -> LlamaModel {
    var cfg = tinyConfig
    cfg.tieEmbeddings = tied
    let m = try LlamaModel(config: cfg)
    m.initialize(seed: seed, std: 0.3)
    for t in m.layout.tensors where t.shape.count == 1 {
        for i in 0..<t.count { m.params[t.offset + i] = 1 + 0.3 * Float(i % 5) / 5 }
    }
    return m
}

/// An adapter with random (non-zero) B so that it changes the model.
func randomAdapter(_ c: LoRAConfig, model: LlamaConfig, seed: UInt64 = 5) throws -> LoRAAdapter {
    let a = try LoRAAdapter(config: c, model: model, seed: seed)
    let r = randomArray(a.parameterCount, seed: seed &+ 1, scale: 0.3)
    for sl in a.slots {
        for j in 0..<(sl.outDim * a.rank) { a.params[sl.b + j] = r[sl.b + j] }
    }
    return a
}

@Suite struct LoRATests {
    let B = 2, T = 8
    var tokens: [Int32], targets: [Int32], weights: [Float]

    init() {
        var r = NormalRandom(seed: 9)
        tokens = (0..<16).map { _ in Int32(r.nextU64() % 32) }
        targets = (0..<16).map { _ in Int32(r.nextU64() % 32) }
        weights = (0..<16).map { $0 % 3 == 1 ? 0 : 1 }
    }

    func logits(_ m: LlamaModel) -> [Float] {
        let acts = Activations(config: m.config, batch: B, seqLen: T)
        m.forward(tokens: tokens, batch: B, seqLen: T, acts)
        return Array(UnsafeBufferPointer(start: acts.logits, count: B * T * m.config.vocabSize))
    }

    @Test func freshAdapterIsInitialisedAsPEFTDoes() throws {
        let m = try loraBase()
        let a = try LoRAAdapter(config: LoRAConfig(rank: 4, modules: LoRAConfig.Module.allCases), model: m.config, seed: 1)
        for sl in a.slots {
            let bound = 1 / Float(sl.inDim).squareRoot()
            let A = a.params[sl.a..<(sl.a + a.rank * sl.inDim)], Bm = a.params[sl.b..<(sl.b + sl.outDim * a.rank)]
            #expect(A.allSatisfy { abs($0) <= bound } && A.contains { $0 != 0 })
            #expect(Bm.allSatisfy { $0 == 0 })
        }
        #expect(a.slots.count == 7 * tinyConfig.numLayers)
        let before = logits(m)
        try m.attach(lora: a)
        #expect(logits(m) == before)
        #expect(m.grads.isEmpty)
    }

    @Test func scaling() {
        #expect(LoRAConfig(rank: 8, alpha: 16).scale == 2)
        #expect(LoRAConfig(rank: 16, alpha: 8, rslora: true).scale == 2)
    }

    /// dA and dB against central differences, through every projection, with dropout on (fixed masks), for a float
    /// and an NF4 base, plain and rsLoRA scaling.
    @Test(arguments: [(LoRAConfig.BaseQuantization.none, false), (.nf4, true), (.int8, false)])
    func gradientCheck(_ q: (LoRAConfig.BaseQuantization, Bool)) throws {
        let m = try loraBase()
        let cfg = LoRAConfig(rank: 3, alpha: 6, dropout: 0.25, rslora: q.1, modules: LoRAConfig.Module.allCases, baseQuantization: q.0)
        let a = try randomAdapter(cfg, model: m.config)
        try m.attach(lora: a)
        a.training = true
        a.dropoutKey = 7
        let acts = Activations(config: m.config, batch: B, seqLen: T)
        func f() -> Double {
            m.forward(tokens: tokens, batch: B, seqLen: T, acts)
            return m.loss(targets: targets, weights: weights, scale: 1, gradient: false, acts)
        }
        m.zeroGrad()
        m.forward(tokens: tokens, batch: B, seqLen: T, acts)
        _ = m.loss(targets: targets, weights: weights, scale: 1, gradient: true, acts)
        m.backward(acts)
        let g = Array(a.grads)
        var worst: Float = 0
        for sl in a.slots {
            let idx = Array(stride(from: sl.a, to: sl.b + sl.outDim * a.rank, by: 5))
            let e = maxRelativeError(a.params.baseAddress!, indices: idx, analytic: { g[$0] }, h: 1e-2, floor: 1e-2) { f() }
            #expect(e < 3e-2, "layer \(sl.layer) \(sl.module): \(e)")
            worst = max(worst, e)
        }
        print("grad-check LoRA \(q): max relative error \(worst)")
    }

    /// Merging gives the adapted logits; unmerging restores the base weights.
    @Test func mergeAndUnmergeRoundTrip() throws {
        let m = try loraBase()
        let original = Array(m.params)
        try m.attach(lora: randomAdapter(LoRAConfig(rank: 4, alpha: 8, modules: [.q, .v, .down]), model: m.config))
        let adapted = logits(m)
        let a = try m.mergeLoRA()
        #expect(m.lora == nil)
        let merged = logits(m)
        let d1 = zip(adapted, merged).map { abs($0 - $1) }.max()!
        #expect(d1 < 1e-4, "merged vs adapted logits \(d1)")
        #expect(Array(m.params) != original)
        m.unmerge(a)
        let d2 = zip(Array(m.params), original).map { abs($0 - $1) }.max()!
        #expect(d2 < 1e-6, "unmerged weights \(d2)")
        #expect(throws: TrainerError.self) { try m.mergeLoRA() }
    }

    @Test func peftNamesAndConfig() throws {
        #expect(LoRAAdapter.peftName(layer: 0, module: .q, matrix: "A") == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
        #expect(LoRAAdapter.peftName(layer: 1, module: .down, matrix: "B") == "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight")
        let d = TmpDir()
        let m = try loraBase()
        try Checkpoint.saveModel(m, to: d.path + "/base")
        let a = try randomAdapter(LoRAConfig(rank: 2, alpha: 4, rslora: true, modules: [.gate, .k]), model: m.config)
        try a.save(to: d.path + "/ad", baseModel: d.path + "/base")
        let j = try JSONParser.parse(bytes: [UInt8](FileManager.default.contents(atPath: d.path + "/ad/adapter_config.json")!))
        #expect(j["peft_type"]?.stringValue == "LORA" && j["task_type"]?.stringValue == "CAUSAL_LM" && j["bias"]?.stringValue == "none")
        #expect(j["r"]?.intValue == 2 && j["lora_alpha"]?.doubleValue == 4 && j["use_rslora"]?.boolValue == true)
        #expect(j["target_modules"]?.arrayValue?.compactMap(\.stringValue) == ["k_proj", "gate_proj"])
        #expect(j["base_model_name_or_path"]?.stringValue == d.path + "/base")
        let t = try Safetensors.read(path: d.path + "/ad/adapter_model.safetensors")
        #expect(t.count == 2 * 2 * tinyConfig.numLayers)
        #expect(t["base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight"]?.shape == [2, 16])
        #expect(t["base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight"]?.shape == [8, 2])
        #expect(t["base_model.model.model.layers.0.mlp.gate_proj.lora_B.weight"]?.shape == [24, 2])
        // loadModel on the adapter folder = base with the adapter merged
        try m.attach(lora: a)
        let adapted = logits(m)
        let loaded = try Checkpoint.loadModel(from: d.path + "/ad")
        #expect(loaded.lora == nil)
        let diff = zip(adapted, logits(loaded)).map { abs($0 - $1) }.max()!
        #expect(diff < 1e-4, "\(diff)")
    }

    @Test func badAdapterFolders() throws {
        let d = TmpDir()
        let m = try loraBase()
        try Checkpoint.saveModel(m, to: d.path + "/base")
        let a = try LoRAAdapter(config: LoRAConfig(rank: 2), model: m.config, seed: 1)
        try a.save(to: d.path + "/ad", baseModel: d.path + "/base")
        let path = d.path + "/ad/adapter_config.json"
        let good = try String(contentsOfFile: path, encoding: .utf8)
        for (from, to) in [("\"bias\":\"none\"", "\"bias\":\"all\""), ("\"peft_type\":\"LORA\"", "\"peft_type\":\"IA3\""),
                           ("\"q_proj\"", "\"lm_head\""), ("\"r\":2", "\"r\":0"), (d.path + "/base", d.path + "/nowhere")] {
            #expect(good.contains(from), "\(from)")
            try good.replacingOccurrences(of: from, with: to).write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: TrainerError.self) { try Checkpoint.loadModel(from: d.path + "/ad") }
        }
        // tensors of the wrong rank
        try good.write(toFile: path, atomically: true, encoding: .utf8)
        let other = try LoRAAdapter(config: LoRAConfig(rank: 3), model: m.config, seed: 1)
        #expect(throws: TrainerError.self) { try other.loadWeights(from: d.path + "/ad") }
        #expect(throws: TrainerError.self) { try m.attach(lora: LoRAAdapter(config: LoRAConfig(rank: 2), model: LlamaConfig(vocabSize: 32, hiddenSize: 32, intermediateSize: 24, numLayers: 2, numHeads: 2), seed: 1)) }
        #expect(throws: TrainerError.self) { try LoRAAdapter(config: LoRAConfig(rank: 2, dropout: 1), model: m.config, seed: 1) }
    }

    /// The quantized base gives exactly the logits of a float base holding the dequantized weights.
    @Test(arguments: [LoRAConfig.BaseQuantization.nf4, .int8]) func quantizedBaseMatchesDequantizedWeights(_ q: LoRAConfig.BaseQuantization) throws {
        let qm = try loraBase(), fm = try loraBase()
        let bytesBefore = qm.projectionWeightBytes
        try qm.attach(lora: randomAdapter(LoRAConfig(rank: 2, modules: [.q, .up], baseQuantization: q), model: qm.config))
        try fm.attach(lora: randomAdapter(LoRAConfig(rank: 2, modules: [.q, .up]), model: fm.config))
        for l in 0..<tinyConfig.numLayers {
            for mod in LoRAConfig.Module.allCases {
                let deq = qm.lora!.quantized[l][mod.order].dequantized()
                deq.withUnsafeBufferPointer { (fm.params.baseAddress! + fm.projectionOffset(mod, layer: l)).update(from: $0.baseAddress!, count: deq.count) }
                // the float copy of a quantized base is released (reads as zeros)
                #expect((0..<deq.count).allSatisfy { qm.params[qm.projectionOffset(mod, layer: l) + $0] == 0 })
            }
        }
        #expect(logits(qm) == logits(fm))
        let n = bytesBefore / 4, blocks = (0..<tinyConfig.numLayers).reduce(0) { s, _ in
            s + LoRAConfig.Module.allCases.reduce(0) { let (i, o) = LoRAAdapter.dims($1, tinyConfig); return $0 + (i * o + 63) / 64 }
        }
        #expect(qm.projectionWeightBytes == (q == .nf4 ? n / 2 : n) + 4 * blocks)
        #expect(throws: TrainerError.self) { try qm.mergeLoRA() }
        let d = TmpDir()
        #expect(throws: TrainerError.self) { try Checkpoint.saveModel(qm, to: d.path + "/m") }
    }
}
