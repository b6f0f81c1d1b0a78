import Foundation
import Shards
import Testing
import TestSupport
import Trainer
@testable import Evaluation

/// `pipeline eval` of a PEFT prefix-tuning folder: the Evaluator loads the base it names with the prefix attached.
@Suite struct PrefixAdapterEvalTests {
    @Test func evaluatorScoresAPrefixFolderWithItsPrefix() throws {
        let d = TmpDir()
        let base = try randomModel()
        try Checkpoint.saveModel(base, to: d.path + "/base")
        let adapter = try PrefixAdapter(config: PrefixConfig(numVirtualTokens: 4, projection: true), model: base.config, seed: 2)
        try adapter.save(to: d.path + "/adapter", baseModel: "../base")
        try writeShards(d.path + "/cpt", (0..<4).map { ShardSample(id: "d\($0)", source: "s", tokens: [1, 2, 3, 4, 5, 6, 7, UInt32($0), 0]) })
        var o = Evaluator.Options()
        o.seqLen = 8
        let withPrefix = try Evaluator(checkpoint: d.path + "/adapter", options: o)
        #expect(withPrefix.model.prefix?.length == 4)
        let r = try withPrefix.run(data: [("x", d.path + "/cpt")])
        let plain = try Evaluator(checkpoint: d.path + "/base", options: o).run(data: [("x", d.path + "/cpt")])
        // the same windows through a model with the adapter attached by hand
        try base.attach(prefix: PrefixAdapter.load(from: d.path + "/adapter", model: base.config))
        let direct = try ShardEvaluator(scorer: try TokenScorer(model: base, batchSize: o.batchSize, seqLen: 8)).evaluate(directory: d.path + "/cpt", label: "x")
        let loss = try #require(r.dataset("x")?.loss), plainLoss = try #require(plain.dataset("x")?.loss)
        #expect(abs(loss - direct.loss!) < 1e-6 && r.dataset("x")?.tokens == 35)
        #expect(abs(loss - plainLoss) > 1e-3, "the prefix changes the loss: \(loss) vs \(plainLoss)")
    }
}
