import TestSupport
import DomainForgeCore
import Foundation
import Shards
import Testing
@testable import Evaluation
@testable import Experiments
import Trainer

@Suite struct RecipeAndSplitTests {
    let yaml = """
        data:
          - {path: domain/shards, weight: 1}
          - {path: general/shards, weight: 3}
        model: {vocab_size: 32, hidden_size: 16, intermediate_size: 24, num_layers: 1, num_heads: 2}
        optimizer: {lr: 0.001}
        output_dir: out
        """

    func recipe() throws -> TrainRecipe {
        let d = TmpDir()
        try d.write("train.yaml", yaml)
        return try TrainRecipe.load(path: d.path + "/train.yaml")
    }

    @Test func dottedKeysReplayAndMerge() throws {
        var r = try recipe()
        try r.set("optimizer.lr", .double(0.01))
        try r.set("lora.rank", .int(8))
        try r.set("data.0.weight", .int(2))
        #expect(r.tree["optimizer"]?["lr"] == .double(0.01))
        #expect(r.tree["lora"]?["rank"] == .int(8))
        #expect(try r.dataSources().map(\.weight) == [2, 3])
        #expect(throws: EvaluationError.self) { try r.set("data.5.weight", .int(1)) }
        r.merge(["optimizer": .object(["weight_decay": .double(0)])])
        #expect(r.tree["optimizer"]?["lr"] == .double(0.01) && r.tree["optimizer"]?["weight_decay"] == .double(0))

        var p = try recipe()
        try p.setReplay(ratio: 0.1, source: "general/shards")
        let w = try p.dataSources().map(\.weight)
        #expect(abs(w[1] / (w[0] + w[1]) - 0.1) < 1e-12)
        var z = try recipe()
        try z.setReplay(ratio: 0, source: "general/shards")
        #expect(try z.dataSources().map(\.path) == ["domain/shards"])
        #expect(throws: EvaluationError.self) { try z.setReplay(ratio: 0.2, source: "nothing") }
        #expect(throws: EvaluationError.self) { try p.setReplay(ratio: 1, source: "general/shards") }
    }

    @Test func theTrainerParsesTheRecipeAndItsRejectionIsReported() throws {
        var r = try recipe()
        let c = try r.config()
        #expect(c.lr == 0.001 && c.data.count == 2 && c.data[1].weight == 3)
        #expect(c.outputDir.hasSuffix("/out"))
        r.tree["no_such_trainer_key"] = .int(1)
        do {
            _ = try r.config()
            Issue.record("an unknown key was accepted")
        } catch let e as EvaluationError {
            #expect("\(e)".contains("TRAIN.yaml rejected by the trainer") && "\(e)".contains("no_such_trainer_key"))
        }
    }

    @Test func heldOutSplitIsDeterministicAndNeverEmpty() throws {
        let d = TmpDir()
        let samples = (0..<200).map { ShardSample(id: "doc-\($0)", source: "s", tokens: [1, 2, UInt32($0 % 30), 0]) }
        try writeShards(d.path + "/all", samples)
        let c = try HeldOutSplit.split(source: d.path + "/all", train: d.path + "/train", heldout: d.path + "/held", fraction: 0.1, seed: 1)
        #expect(c.train + c.heldout == 200)
        #expect(c.heldout > 5 && c.heldout < 40)
        var heldIDs = [String]()
        try ShardReader(directory: d.path + "/held").forEach { heldIDs.append($0.id); return true }
        #expect(heldIDs == samples.map(\.id).filter { HeldOutSplit.isHeldOut(id: $0, fraction: 0.1, seed: 1) })
        #expect(try ShardReader(directory: d.path + "/train").manifest?.stats.samples == c.train)
        // a second split gives the same sides
        #expect(try HeldOutSplit.split(source: d.path + "/all", train: d.path + "/train", heldout: d.path + "/held", fraction: 0.1, seed: 1) == c)
        // two samples: one on each side whatever the hash says
        try writeShards(d.path + "/two", Array(samples.prefix(2)))
        let t = try HeldOutSplit.split(source: d.path + "/two", train: d.path + "/t2", heldout: d.path + "/h2", fraction: 0.01, seed: 1)
        #expect(t == HeldOutSplit.Counts(train: 1, heldout: 1))
        try writeShards(d.path + "/one", Array(samples.prefix(1)))
        #expect(throws: EvaluationError.self) { try HeldOutSplit.split(source: d.path + "/one", train: d.path + "/t1", heldout: d.path + "/h1", fraction: 0.5, seed: 1) }
    }

    @Test func labConfigErrorsNameTheKey() throws {
        let bad = try JSONParser.parse(#"{"output_dir": "o", "tokenizer": "t.json", "corpora": {"general": {"inputs": []}}, "model": {}, "pretrain": {}, "adapt": {}, "arms": [{"name": "a", "replay": 2}], "bogus": 1}"#)
        do {
            _ = try LabConfig.parse(bad, baseDirectory: ".")
            Issue.record("accepted")
        } catch let e as EvaluationError {
            let m = "\(e)"
            #expect(m.contains("bogus") && m.contains("corpora.domain") && m.contains("arms[0].replay"))
        }
        let dup = try JSONParser.parse(#"{"output_dir": "o", "tokenizer": "t.json", "corpora": {"general": {"inputs": [{"path": "a", "format": "text"}]}, "domain": {"inputs": [{"path": "b", "format": "text"}]}}, "model": {}, "pretrain": {}, "adapt": {}, "arms": [{"name": "a"}, {"name": "a"}]}"#)
        #expect(throws: EvaluationError.self) { try LabConfig.parse(dup, baseDirectory: ".") }
    }
}
