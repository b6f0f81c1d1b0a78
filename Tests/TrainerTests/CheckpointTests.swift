import Foundation
import Testing
@testable import Trainer
import TestSupport

@Suite struct CheckpointTests {
    @Test func safetensorsRoundTripWithHFNamesAndShapes() throws {
        let d = TmpDir()
        let m = try LlamaModel(config: tinyConfig)
        m.initialize(seed: 5)
        try Checkpoint.saveModel(m, to: d.path + "/ck")
        let t = try Safetensors.read(path: d.path + "/ck/model.safetensors")
        #expect(t["model.layers.1.self_attn.k_proj.weight"]?.shape == [8, 16])     // NKV·HD × C
        #expect(t["model.layers.0.mlp.down_proj.weight"]?.shape == [16, 24])
        #expect(t["lm_head.weight"]?.shape == [32, 16])
        #expect(t.count == m.layout.tensors.count)
        // header: 8-byte aligned, starts with '{'
        let bytes = [UInt8](FileManager.default.contents(atPath: d.path + "/ck/model.safetensors")!)
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(n % 8 == 0 && bytes[8] == UInt8(ascii: "{"))
        let back = try Checkpoint.loadModel(from: d.path + "/ck")
        #expect(back.config == m.config)
        #expect(Array(back.params) == Array(m.params))
    }

    @Test func extendedVocabularyRowsAreTheMeanOfTheirPieces() throws {
        let m = try LlamaModel(config: tinyConfig)
        m.initialize(seed: 6)
        let big = try Checkpoint.extendVocabulary(m, newVocabSize: 34, pieces: [32: [3, 5], 33: [7]])
        let C = 16
        for table in ["model.embed_tokens.weight", "lm_head.weight"] {
            let o = m.layout.tensor(named: table)!.offset, n = big.layout.tensor(named: table)!.offset
            for j in 0..<C {
                #expect(big.params[n + 32 * C + j] == (m.params[o + 3 * C + j] + m.params[o + 5 * C + j]) * 0.5)
                #expect(big.params[n + 33 * C + j] == m.params[o + 7 * C + j])
                #expect(big.params[n + 31 * C + j] == m.params[o + 31 * C + j])
            }
        }
        #expect(throws: TrainerError.self) { try Checkpoint.extendVocabulary(m, newVocabSize: 33, pieces: [:]) }
    }

    @Test func greedyAndSampledGenerationAreDeterministic() throws {
        let m = try LlamaModel(config: tinyConfig)
        m.initialize(seed: 7, std: 0.5)
        let g = Generator(model: m)
        var o = Generator.Options()
        o.maxNewTokens = 6
        let a = g.generate(prompt: [1, 2, 3], options: o)
        #expect(a == g.generate(prompt: [1, 2, 3], options: o))
        // greedy = argmax of the last row
        let logits = g.logits([1, 2, 3])
        let last = Array(logits[(2 * 32)..<(3 * 32)])
        #expect(Int(a[0]) == last.indices.max { last[$0] < last[$1] })
        o.temperature = 0.8; o.topK = 5; o.topP = 0.9; o.seed = 42
        let s = g.generate(prompt: [1, 2, 3], options: o)
        #expect(s.count == 6 && s == g.generate(prompt: [1, 2, 3], options: o))
    }
}
