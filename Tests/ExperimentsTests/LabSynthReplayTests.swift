import TestSupport
import DomainForgeCore
import Foundation
import Testing
@testable import Evaluation
@testable import Experiments
@testable import Trainer

@Suite struct LabSynthReplayTests {
    static func tree(arms: String, synth: String = "") throws -> JSONValue {
        try JSONParser.parse("""
            {"output_dir": "o", "tokenizer": "t.json",
             "corpora": {"general": {"inputs": [{"path": "a", "format": "text"}]}, "domain": {"inputs": [{"path": "b", "format": "text"}]}},
             "model": {}, "pretrain": {}, "adapt": {}\(synth), "arms": \(arms)}
            """)
    }

    @Test func replaySourceAndSynthKeysDecode() throws {
        let c = try LabConfig.parse(Self.tree(arms: #"[{"name": "real", "replay": 0.1}, {"name": "self", "replay": 0.1, "replay_source": "synthesized"}]"#,
                                              synth: #", "synth": {"n": 40, "temperature": 0.8, "top_p": 0.9, "seed": 7, "max_new_tokens": 32}"#),
                                    baseDirectory: ".")
        #expect(c.arms.map(\.replaySource) == [.general, .synthesized])
        #expect(c.needsSynthesizedReplay)
        var want = LabConfig.SynthSettings()
        want.count = 40; want.temperature = 0.8; want.topP = 0.9; want.seed = 7; want.maxNewTokens = 32
        #expect(c.synth == want)
        let o = c.synth.options
        #expect(o.count == 40 && o.seed == 7 && o.maxNewTokens == 32 && o.stages == SyntheticReplay.defaultStages)
        // defaults: general replay, the schema's synth defaults
        let d = try LabConfig.parse(Self.tree(arms: #"[{"name": "a", "replay": 0.1}]"#), baseDirectory: ".")
        #expect(d.arms[0].replaySource == .general && !d.needsSynthesizedReplay && d.synth == LabConfig.SynthSettings())
        #expect(d.synth.count == 1000 && d.synth.temperature == 1 && d.synth.topP == 0.95 && d.synth.seed == 1 && d.synth.maxNewTokens == 128)
    }

    @Test func badReplaySourceAndSynthKeysAreErrors() throws {
        func message(_ t: JSONValue) -> String {
            do { _ = try LabConfig.parse(t, baseDirectory: "."); return "accepted" } catch { return "\(error)" }
        }
        #expect(message(try Self.tree(arms: #"[{"name": "a", "replay": 0.1, "replay_source": "web"}]"#)).contains("arms[0].replay_source"))
        #expect(message(try Self.tree(arms: #"[{"name": "a", "replay_source": "synthesized"}]"#)).contains("needs a replay share above 0"))
        #expect(message(try Self.tree(arms: #"[{"name": "a"}]"#, synth: #", "synth": {"n": 0}"#)).contains("synth.n"))
        #expect(message(try Self.tree(arms: #"[{"name": "a"}]"#, synth: #", "synth": {"top_p": 0}"#)).contains("synth.top_p"))
        #expect(message(try Self.tree(arms: #"[{"name": "a"}]"#, synth: #", "synth": {"count": 5}"#)).contains("count"))
    }

    /// A miniature lab with real replay, self-synthesized replay and LoRA: the synthesized arm trains on the base's
    /// own shards, the report has the trainable parameters and training time of every run, and a rerun only
    /// re-evaluates and gives the same report.
    @Test func miniatureLabWithSynthesizedReplay() throws {
        let d = TmpDir()
        for (i, t) in LabAndSweepTests.docs(LabAndSweepTests.generalWords, count: 12, seed: 1).enumerated() { try d.write("general/g\(i).txt", t) }
        for (i, t) in LabAndSweepTests.docs(LabAndSweepTests.domainWords, count: 12, seed: 2).enumerated() { try d.write("domain/m\(i).txt", t) }
        let tree = try JSONParser.parse("""
            {"name": "mini", "output_dir": "out", "tokenizer": "\(sampleTokenizer)", "heldout_fraction": 0.2, "seed": 3,
             "corpora": {"general": {"inputs": [{"path": "general", "format": "text"}]}, "domain": {"inputs": [{"path": "domain", "format": "text"}]}},
             "model": {"hidden_size": 16, "intermediate_size": 32, "num_layers": 1, "num_heads": 2, "num_kv_heads": 1, "tie_embeddings": true},
             "pretrain": {"steps": 3, "batch_size": 2, "seq_len": 16, "optimizer": {"lr": 0.01}, "schedule": {"warmup_steps": 1}},
             "adapt": {"steps": 2, "batch_size": 2, "seq_len": 16, "optimizer": {"lr": 0.01}, "schedule": {"warmup_steps": 1}},
             "eval": {"max_batches": 2, "batch_size": 2},
             "synth": {"n": 12, "temperature": 1.0, "seed": 2, "max_new_tokens": 24, "stages": [{"type": "exact_dedup"}]},
             "arms": [{"name": "replay-real", "replay": 0.25},
                      {"name": "replay-self", "replay": 0.25, "replay_source": "synthesized"},
                      {"name": "lora", "train": {"lora": {"rank": 2, "alpha": 4}}}]}
            """)
        let (config, outcome, _) = try runLab(tree, in: d.path)
        let out = d.path + "/out"
        let synth = try #require(SynthReport.load(path: out + "/data/synth-general/synth_report.json"))
        #expect(synth.generated == 12 && synth.kept > 0)
        #expect(synth.parameters["checkpoint"]?.stringValue == RunDirectory.checkpoint(of: out + "/runs/base"))
        let selfArm = try TrainConfig.load(path: out + "/runs/replay-self/train.yaml")
        #expect(selfArm.data.map(\.path).last == out + "/data/synth-general/shards")
        let realArm = try TrainConfig.load(path: out + "/runs/replay-real/train.yaml")
        #expect(realArm.data.map(\.path).last == out + "/data/general-train")
        #expect(selfArm.data.map(\.weight) == realArm.data.map(\.weight))

        // the report: trainable parameters and training time per run, LoRA's far fewer
        let rows = outcome.comparison.tableRows
        #expect(Array(rows[0].suffix(2)) == RunComparison.runInfoHeaders)
        let info = { (name: String) throws -> RunInfo in try #require(RunInfo.load(directory: out + "/runs/" + name)) }
        let full = try info("replay-self"), lora = try info("lora"), base = try info("base")
        #expect(full.trainableParameters == full.parameters && lora.trainableParameters < full.parameters / 4)
        #expect(base.parameters == full.parameters && full.trainSeconds > 0)
        let loraRow = try #require(rows.first { $0[0] == "lora" })
        #expect(loraRow[loraRow.count - 2] == RunComparison.groupedThousands(lora.trainableParameters))
        #expect(rows.filter { $0[0] != "run" }.allSatisfy { $0.last != "-" })
        #expect(outcome.reportHTML.contains("Self-synthesized replay"))

        // started again: nothing is trained or generated again, the report is the same
        var again = ForgettingLab(config: config)
        var lines = [String]()
        again.log = { lines.append($0) }
        let outcome2 = try again.run()
        #expect(lines.filter { $0.contains("already trained") }.count == 4)
        #expect(lines.contains { $0.contains("finished for these parameters") })
        #expect(outcome2.reportText == outcome.reportText)
    }

    @Test func thousandsAreGrouped() {
        #expect(RunComparison.groupedThousands(761600) == "761,600")
        #expect(RunComparison.groupedThousands(37888) == "37,888")
        #expect(RunComparison.groupedThousands(999) == "999")
        #expect(RunComparison.groupedThousands(1_000_000) == "1,000,000")
    }
}
