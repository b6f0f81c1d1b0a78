import TestSupport
import DomainForgeCore
import Foundation
import Shards
import Testing
@testable import Evaluation
@testable import Experiments
@testable import Trainer

@Suite struct LabAndSweepTests {
    static let generalWords = ["the", "river", "ran", "past", "old", "mill", "where", "children", "played", "every", "summer", "evening",
                               "while", "their", "parents", "talked", "about", "harvest", "weather", "and", "market", "prices"]
    static let domainWords = ["patients", "with", "hypertension", "should", "monitor", "blood", "pressure", "daily", "and", "report",
                              "dizziness", "chest", "pain", "or", "swelling", "to", "their", "clinician", "before", "changing", "medication"]

    /// Deterministic documents of about 400 characters.
    static func docs(_ words: [String], count: Int, seed: Int) -> [String] {
        (0..<count).map { i in
            var x = UInt64(seed * 1000 + i + 1)
            return (0..<70).map { _ in x = x &* 6364136223846793005 &+ 1442695040888963407; return words[Int(x >> 33) % words.count] }
                .joined(separator: " ") + "."
        }
    }

    /// A miniature lab end to end through the library: pipeline → split → base → arms → eval → report.
    @Test func miniatureLabWritesTheReport() throws {
        let d = TmpDir()
        for (i, t) in Self.docs(Self.generalWords, count: 12, seed: 1).enumerated() { try d.write("general/g\(i).txt", t) }
        for (i, t) in Self.docs(Self.domainWords, count: 12, seed: 2).enumerated() { try d.write("domain/m\(i).txt", t) }
        let tree = try JSONParser.parse("""
            {"name": "mini", "output_dir": "out", "tokenizer": "\(sampleTokenizer)", "heldout_fraction": 0.2, "seed": 3,
             "corpora": {
               "general": {"inputs": [{"path": "general", "format": "text"}]},
               "domain": {"inputs": [{"path": "no-such-folder", "format": "text", "fallback": [{"path": "domain", "format": "text", "name": "med"}]}]}},
             "model": {"hidden_size": 16, "intermediate_size": 32, "num_layers": 1, "num_heads": 2, "num_kv_heads": 1, "tie_embeddings": true},
             "pretrain": {"steps": 3, "batch_size": 2, "seq_len": 16, "optimizer": {"lr": 0.01}, "schedule": {"warmup_steps": 1}},
             "adapt": {"steps": 2, "batch_size": 2, "seq_len": 16, "optimizer": {"lr": 0.01}, "schedule": {"warmup_steps": 1}},
             "eval": {"max_batches": 2, "batch_size": 2},
             "arms": [{"name": "full-ft"},
                      {"name": "lora", "train": {"lora": {"rank": 2, "alpha": 4}}},
                      {"name": "full-ft-replay", "replay": 0.1},
                      {"name": "full-ft-ewc", "train": {"ewc": {"lambda": 10.0, "fisher_data": ["{general_train}"], "fisher_samples": 2}}}]}
            """)
        let (config, outcome, lines) = try runLab(tree, in: d.path)
        let out = d.path + "/out"
        let text = try String(contentsOfFile: out + "/report.txt", encoding: .utf8)
        let rows = text.split(separator: "\n").map(String.init)
        for name in ["base", "full-ft", "lora", "full-ft-replay", "full-ft-ewc"] {
            #expect(rows.contains { $0.hasPrefix(name + " ") }, "no row for \(name) in\n\(text)")
        }
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 3)  // arm curves, scatter, base curve
        #expect(html == outcome.reportHTML)
        for r in outcome.comparison.runs where r.failure == nil {
            #expect(html.contains(String(format: "%+.4f", r.domainGain!)) && html.contains(String(format: "%+.4f", r.forgetting!)))
        }
        // the arms that the trainer supports on every branch ran and have both held-out losses
        for arm in ["full-ft", "full-ft-replay"] {
            let row = try #require(outcome.comparison.runs.first { $0.name == arm })
            #expect(row.failure == nil && row.domainLoss != nil && row.generalLoss != nil && row.domainGain != nil && row.forgetting != nil)
            #expect(FileManager.default.fileExists(atPath: out + "/runs/\(arm)/eval.json"))
        }
        // LoRA and EWC arms train too
        for arm in ["lora", "full-ft-ewc"] {
            let row = try #require(outcome.comparison.runs.first { $0.name == arm })
            #expect(row.failure == nil && row.domainLoss != nil && row.forgetting != nil, "\(row.failure ?? "")")
        }
        #expect(FileManager.default.fileExists(atPath: out + "/runs/lora/checkpoint-000002/adapter_model.safetensors"))
        let replay = try TrainConfig.load(path: out + "/runs/full-ft-replay/train.yaml")
        #expect(replay.data.count == 2 && abs(replay.data[1].weight / (replay.data[0].weight + replay.data[1].weight) - 0.1) < 1e-12)
        #expect(replay.initFrom == RunDirectory.checkpoint(of: out + "/runs/base"))
        #expect(lines.contains { $0.contains("is absent; using its fallback") })
        let base = try EvalResult.load(path: out + "/runs/base/eval.json")
        #expect(base.dataset("domain")!.tokens > 0 && base.dataset("general")!.tokens > 0)

        // started again (as after a kill): finished runs are kept, a removed arm is retrained to the same bytes,
        // and the report is the same
        let weights = { (arm: String) throws -> Data in
            try Data(contentsOf: URL(fileURLWithPath: out + "/runs/\(arm)/checkpoint-000002/model.safetensors"))
        }
        let before = try weights("full-ft")
        try FileManager.default.removeItem(atPath: out + "/runs/full-ft")
        var again = ForgettingLab(config: config)
        var lines2 = [String]()
        again.log = { lines2.append($0) }
        let outcome2 = try again.run()
        #expect(try weights("full-ft") == before)
        #expect(lines2.filter { $0.contains("already trained") }.count == 4)   // base, lora, replay, ewc
        // the same table but for the training time of the retrained arm (its last column)
        #expect(outcome2.comparison.tableRows.map { $0.dropLast() } == outcome.comparison.tableRows.map { $0.dropLast() })
        #expect(outcome.comparison.tableRows[0].last == "train s")
    }

    @Test func sweepOverReplayRatio() throws {
        let d = TmpDir()
        func docs(_ start: UInt32) -> [ShardSample] {
            (0..<20).map { i in ShardSample(id: "\(start)-\(i)", source: "s", tokens: (0..<12).map { (start + UInt32(i + $0)) % 31 + 1 } + [0]) }
        }
        try writeShards(d.path + "/a", docs(0))
        try writeShards(d.path + "/b", docs(15))
        try Checkpoint.saveModel(try randomModel(), to: d.path + "/base-ckpt")
        try d.write("train.yaml", """
            data: [{path: a, weight: 1}, {path: b, weight: 1}]
            init_from: base-ckpt
            steps: 2
            batch_size: 2
            seq_len: 8
            log_every: 0
            output_dir: unused
            """)
        try d.write("sweep.yaml", """
            version: 1
            train: train.yaml
            parameter: replay
            replay_source: b
            values: [0, 0.5]
            eval: {data: {domain: a, general: b}, seq_len: 8, max_batches: 2}
            output_dir: sweep-out
            """)
        var s = try Sweep.load(path: d.path + "/sweep.yaml")
        s.log = { _ in }
        let c = try s.run()
        #expect(c.runs.map(\.name) == ["replay=0", "replay=0.5"])
        #expect(c.base != nil && c.runs.allSatisfy { $0.domainGain != nil && $0.forgetting != nil })
        let out = d.path + "/sweep-out"
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 3)
        #expect(try String(contentsOfFile: out + "/report.txt", encoding: .utf8).contains("replay=0.5"))
        #expect(try TrainConfig.load(path: out + "/replay=0/train.yaml").data.count == 1)
        #expect(try TrainConfig.load(path: out + "/replay=0.5/train.yaml").data.map(\.weight) == [1, 1])

        try d.write("bad.yaml", "train: train.yaml\nparameter: replay\nvalues: [0.1]\neval: {data: {domain: a}}\noutput_dir: o\n")
        #expect(throws: EvaluationError.self) { try Sweep.load(path: d.path + "/bad.yaml") }
    }
}
