import TestSupport
import Foundation
import Shards
import Testing
import NumericTolerance
@testable import Evaluation
@testable import Trainer

@Suite struct ShardEvaluatorTests {
    /// All logits zero: loss ln 32 per target, perplexity 32, accuracy = share of targets equal to 0.
    @Test func zeroModelLossIsLogVocabularyExactly() throws {
        let d = TmpDir()
        // 4 + 3 + 5 = 12 tokens → 11 targets, of which 3 are id 0 (the ends of the documents... and one inside)
        try writeShards(d.path + "/cpt", [
            ShardSample(id: "a", source: "s", tokens: [1, 2, 3, 0]),
            ShardSample(id: "b", source: "s", tokens: [4, 5, 0]),
            ShardSample(id: "c", source: "s", tokens: [6, 0, 7, 8, 9]),
        ])
        let scorer = try TokenScorer(model: try zeroModel(), batchSize: 2, seqLen: 4)
        let e = try ShardEvaluator(scorer: scorer).evaluate(directory: d.path + "/cpt", label: "general")
        #expect(e.kind == .cptShards)
        #expect(e.tokens == 11)
        // windows of 5 tokens sharing one: [0..4], [4..8], then a tail of 4 tokens (3 targets)
        #expect(e.windows == 3)
        #expect(abs(e.loss! - log(32.0)) < 1e-14)
        #expect(abs(e.perplexity! - 32) < 1e-12)
        #expect(e.tokenAccuracy == 3.0 / 11.0)
    }

    /// SFT shards: only targets whose loss_mask is 1 count.
    @Test func sftShardsCountOnlyMaskedTargets() throws {
        let d = TmpDir()
        try writeShards(d.path + "/sft", [
            ShardSample(id: "a", source: "s", tokens: [1, 2, 3, 0], lossMask: [0, 0, 1, 1]),
            ShardSample(id: "b", source: "s", tokens: [4, 5, 6, 0], lossMask: [0, 1, 1, 1]),
        ], mask: true)
        let scorer = try TokenScorer(model: try zeroModel(), batchSize: 4, seqLen: 3)
        let e = try ShardEvaluator(scorer: scorer).evaluate(directory: d.path + "/sft", label: "domain")
        #expect(e.kind == .sftShards)
        // targets are tokens 1...7; mask of those: 0 1 1 0 1 1 1 → 5 counted, of which 2 are id 0
        #expect(e.tokens == 5)
        #expect(abs(e.loss! - log(32.0)) < 1e-14)
        #expect(e.tokenAccuracy == 2.0 / 5.0)
    }

    /// A random model: the scorer's loss and accuracy equal a reference computed from LlamaModel.forward logits
    /// window by window, and the trainer's own loss within float rounding.
    @Test func randomModelMatchesForwardReference() throws {
        let d = TmpDir()
        var docs = [ShardSample]()
        var x: UInt64 = 3
        for i in 0..<6 {
            let toks = (0..<(5 + i * 3)).map { _ in x = x &* 6364136223846793005 &+ 1442695040888963407; return UInt32(x >> 59) }
            docs.append(ShardSample(id: "d\(i)", source: "s", tokens: toks + [0]))
        }
        try writeShards(d.path + "/cpt", docs)
        let model = try randomModel()
        let T = 8
        let e = try ShardEvaluator(scorer: try TokenScorer(model: model, batchSize: 3, seqLen: T)).evaluate(directory: d.path + "/cpt", label: "x")
        // reference: the same packing by hand, one window at a time through forward
        let all = docs.flatMap(\.tokens)
        let acts = Activations(config: model.config, batch: 1, seqLen: T)
        var sum = 0.0, n = 0, correct = 0, trainerSum = 0.0
        var start = 0
        while start + 1 < all.count {
            let win = Array(all[start..<min(all.count, start + T + 1)])
            let t = win.count - 1
            model.forward(tokens: win.dropLast().map { Int32($0) }, batch: 1, seqLen: t, acts)
            for i in 0..<t {
                let row = acts.logitsRow(i)
                let mx = row.max()!
                let lse = Double(mx) + log(row.reduce(0.0) { $0 + exp(Double($1) - Double(mx)) })
                sum += lse - Double(row[Int(win[i + 1])])
                if row.firstIndex(of: mx)! == Int(win[i + 1]) { correct += 1 }
                n += 1
            }
            trainerSum += model.loss(targets: win.dropFirst().map { Int32($0) }, weights: [Float](repeating: 1, count: t), scale: 1, gradient: false, acts)
            start += T
        }
        #expect(e.tokens == all.count - 1 && n == all.count - 1)
        // The evaluator runs batches of 3 where the reference runs one window: BLAS may round each shape
        // differently, so the bound is float32's for one forward pass, not bits.
        let tol = FloatTolerance.forward(model.config, seqLen: T)
        #expect(abs(e.loss! - sum / Double(n)) <= tol * abs(sum / Double(n)), "loss \(e.loss!) vs \(sum / Double(n))")
        #expect(abs(e.loss! - trainerSum / Double(n)) < 1e-4)
        #expect(e.tokenAccuracy == Double(correct) / Double(n))
    }

    @Test func maxBatchesStopsEarly() throws {
        let d = TmpDir()
        try writeShards(d.path + "/cpt", (0..<10).map { ShardSample(id: "d\($0)", source: "s", tokens: [1, 2, 3, 4, 5, 6, 7, 0]) })
        let e = try ShardEvaluator(scorer: try TokenScorer(model: try zeroModel(), batchSize: 2, seqLen: 4), maxBatches: 2)
            .evaluate(directory: d.path + "/cpt", label: "x")
        #expect(e.windows == 4)
        #expect(e.tokens == 16)
    }

    @Test func tokensOutsideTheVocabularyAreAnError() throws {
        let d = TmpDir()
        try writeShards(d.path + "/cpt", [ShardSample(id: "a", source: "s", tokens: [1, 2, 40, 0])], vocab: 64)
        #expect(throws: EvaluationError.self) {
            try ShardEvaluator(scorer: try TokenScorer(model: try zeroModel(), batchSize: 1, seqLen: 8)).evaluate(directory: d.path + "/cpt", label: "x")
        }
    }

    @Test func missingFolderAndTooLongWindowsAreErrors() throws {
        let scorer = try TokenScorer(model: try zeroModel(), batchSize: 1, seqLen: 8)
        #expect(throws: EvaluationError.self) { try ShardEvaluator(scorer: scorer).evaluate(directory: "/nonexistent-eval-dir", label: "x") }
        #expect(throws: EvaluationError.self) { try TokenScorer(model: try zeroModel(maxPositions: 16), batchSize: 1, seqLen: 32) }
    }

    /// Through the Evaluator: a checkpoint folder, LABEL=PATH arguments and the eval.json round trip.
    @Test func evaluatorWritesAndReadsEvalJSON() throws {
        let d = TmpDir()
        try Checkpoint.saveModel(try zeroModel(), to: d.path + "/ckpt")
        try writeShards(d.path + "/cpt", [ShardSample(id: "a", source: "s", tokens: [1, 2, 3, 0, 5])])
        var o = Evaluator.Options()
        o.seqLen = 4
        let r = try Evaluator(checkpoint: d.path + "/ckpt", options: o).run(data: [Evaluator.parseDataArgument("domain=" + d.path + "/cpt"),
                                                                                   Evaluator.parseDataArgument(d.path + "/cpt/")])
        #expect(r.datasets.map(\.label) == ["domain", "cpt"])
        try r.write(path: d.path + "/eval.json")
        let back = try EvalResult.load(path: d.path + "/eval.json")
        #expect(back == r)
        #expect(back.dataset("domain")?.tokens == 4)
        #expect(Evaluator.table(r).contains("3.4657"))  // ln 32
        #expect(throws: EvaluationError.self) { try Evaluator(checkpoint: d.path + "/ckpt", options: o).run(data: [("x", d.path + "/nothing")]) }
        #expect(throws: EvaluationError.self) { try EvalResult.load(path: d.path + "/cpt/index.json") }
    }
}
