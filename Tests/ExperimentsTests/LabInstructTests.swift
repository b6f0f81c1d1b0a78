import TestSupport
import DomainForgeCore
import Foundation
import Testing
@testable import Evaluation
@testable import Experiments
@testable import Trainer

@Suite struct LabInstructTests {
    static func tree(instruct: String, arms: String) throws -> JSONValue {
        try JSONParser.parse("""
            {"output_dir": "o", "tokenizer": "t.json",
             "corpora": {"general": {"inputs": [{"path": "a", "format": "text"}]}, "domain": {"inputs": [{"path": "b", "format": "text"}]}},
             "model": {}, "pretrain": {}, "adapt": {}\(instruct), "arms": \(arms)}
            """)
    }

    static func message(_ t: JSONValue) -> String {
        do { _ = try LabConfig.parse(t, baseDirectory: "/lab"); return "accepted" } catch { return "\(error)" }
    }

    @Test func instructSectionAndArmKeysDecode() throws {
        let c = try LabConfig.parse(Self.tree(instruct: #", "instruct": {"data": ["chat.json", "/abs/more.jsonl"], "domain_sft": ["med.jsonl"], "steps": 50, "lr": 0.001, "max_records": 9}"#,
                                              arms: #"[{"name": "a"}, {"name": "b", "start": "instruct", "data": "domain_sft", "replay": 0.2, "replay_source": "general_chat"}]"#),
                                    baseDirectory: "/lab")
        let s = try #require(c.instruct)
        #expect(s.data == ["/lab/chat.json", "/abs/more.jsonl"] && s.domainSFT == ["/lab/med.jsonl"] && s.fallback.isEmpty)
        #expect(s.steps == 50 && s.lr == 0.001 && s.maxRecords == 9 && s.heldoutFraction == 0.05 && s.template == "chatml")
        #expect(s.probeRecords == 64 && s.probeMaxNewTokens == 48)
        #expect(c.arms[0].start == .base && c.arms[0].data == .domainText && c.arms[0].replaySource == .general)
        #expect(c.arms[1].start == .instruct && c.arms[1].data == .domainSFT && c.arms[1].replaySource == .generalChat)
        #expect(try LabConfig.parse(Self.tree(instruct: "", arms: #"[{"name": "a"}]"#), baseDirectory: "/lab").instruct == nil)
    }

    @Test func instructKeysAreChecked() throws {
        #expect(Self.message(try Self.tree(instruct: "", arms: #"[{"name": "a", "start": "instruct"}]"#)).contains("start: instruct needs an instruct: section"))
        #expect(Self.message(try Self.tree(instruct: "", arms: #"[{"name": "a", "data": "domain_sft"}]"#)).contains("data: domain_sft needs an instruct: section"))
        #expect(Self.message(try Self.tree(instruct: #", "instruct": {"data": ["c.json"]}"#, arms: #"[{"name": "a", "replay_source": "general_chat"}]"#))
            .contains("needs a replay share above 0"))
        #expect(Self.message(try Self.tree(instruct: #", "instruct": {"data": ["c.json"]}"#, arms: #"[{"name": "a", "data": "domain_sft"}]"#))
            .contains("instruct.domain_sft lists no record file"))
        #expect(Self.message(try Self.tree(instruct: #", "instruct": {"steps": 5}"#, arms: #"[{"name": "a"}]"#)).contains("instruct"))
        #expect(Self.message(try Self.tree(instruct: #", "instruct": {"data": ["c"]}"#, arms: #"[{"name": "a", "start": "chat"}]"#)).contains("arms[0].start"))
        #expect(Self.message(try Self.tree(instruct: #", "instruct": {"data": ["c"], "lr": 0}"#, arms: #"[{"name": "a"}]"#)).contains("instruct.lr"))
    }

    /// A miniature lab with the instruct start: the instruct model is made by SFT on general chat, the three arms
    /// adapt it (CPT, domain SFT, mixed SFT), every run is scored on held-out chat and probed for template adherence,
    /// and the report shows it; a rerun only re-evaluates.
    @Test func miniatureLabWithInstructStart() throws {
        let d = TmpDir()
        for (i, t) in LabAndSweepTests.docs(LabAndSweepTests.generalWords, count: 12, seed: 1).enumerated() { try d.write("general/g\(i).txt", t) }
        for (i, t) in LabAndSweepTests.docs(LabAndSweepTests.domainWords, count: 12, seed: 2).enumerated() { try d.write("domain/m\(i).txt", t) }
        let chat = (0..<40).map { i in
            #"{"instruction": "Tell me about the river number \#(i).", "output": "The river \#(i) ran past the old mill."}"#
        }
        try d.write("chat.json", "[" + chat.joined(separator: ",\n") + "]")
        try d.write("med.jsonl", (0..<20).map { #"{"id": "q\#($0)", "instruction": "What should patient \#($0) monitor?", "output": "Blood pressure, daily."}"# }
            .joined(separator: "\n") + "\n")
        let tree = try JSONParser.parse("""
            {"name": "mini", "output_dir": "out", "tokenizer": "\(sampleTokenizer)", "heldout_fraction": 0.2, "seed": 3,
             "corpora": {"general": {"inputs": [{"path": "general", "format": "text"}]}, "domain": {"inputs": [{"path": "domain", "format": "text"}]}},
             "model": {"hidden_size": 16, "intermediate_size": 32, "num_layers": 1, "num_heads": 2, "num_kv_heads": 1, "tie_embeddings": true},
             "pretrain": {"steps": 3, "batch_size": 2, "seq_len": 32, "optimizer": {"lr": 0.01}, "schedule": {"warmup_steps": 1}},
             "adapt": {"steps": 2, "batch_size": 2, "seq_len": 32, "optimizer": {"lr": 0.01}, "schedule": {"warmup_steps": 1}},
             "eval": {"max_batches": 2, "batch_size": 2, "max_items": 5},
             "instruct": {"data": ["no-such-chat.json"], "fallback": ["chat.json"], "domain_sft": ["med.jsonl"], "steps": 3, "lr": 0.01,
                          "heldout_fraction": 0.25, "probe_records": 4, "probe_max_new_tokens": 8},
             "arms": [{"name": "full-ft"},
                      {"name": "instruct-cpt", "start": "instruct"},
                      {"name": "instruct-sft", "start": "instruct", "data": "domain_sft"},
                      {"name": "instruct-mixed-sft", "start": "instruct", "data": "domain_sft", "replay": 0.25, "replay_source": "general_chat"}]}
            """)
        let (config, outcome, lines) = try runLab(tree, in: d.path)
        let out = d.path + "/out"
        #expect(lines.contains { $0.contains("using the fallback") })
        let instruct = try TrainConfig.load(path: out + "/runs/instruct/train.yaml")
        #expect(instruct.objective == .sft && instruct.steps == 3 && instruct.data.map(\.path) == [out + "/data/chat-train"])
        #expect(instruct.initFrom == RunDirectory.checkpoint(of: out + "/runs/base"))
        let instructCkpt = RunDirectory.checkpoint(of: out + "/runs/instruct")
        let cpt = try TrainConfig.load(path: out + "/runs/instruct-cpt/train.yaml")
        #expect(cpt.initFrom == instructCkpt && cpt.objective == .cpt && cpt.data.map(\.path) == [out + "/data/domain-train"])
        let sft = try TrainConfig.load(path: out + "/runs/instruct-sft/train.yaml")
        #expect(sft.initFrom == instructCkpt && sft.objective == .sft && sft.data.map(\.path) == [out + "/data/domain-sft-train"])
        let mixed = try TrainConfig.load(path: out + "/runs/instruct-mixed-sft/train.yaml")
        #expect(mixed.data.map(\.path) == [out + "/data/domain-sft-train", out + "/data/chat-train"])
        #expect(try TrainConfig.load(path: out + "/runs/full-ft/train.yaml").initFrom == RunDirectory.checkpoint(of: out + "/runs/base"))
        // held-out chat: every run has the chat dataset and the probe
        let held = d.lines("out/data/chat-heldout.jsonl")
        #expect(!held.isEmpty && held.count < 40)
        for run in ["base", "instruct", "full-ft", "instruct-cpt", "instruct-sft", "instruct-mixed-sft"] {
            let e = try EvalResult.load(path: out + "/runs/\(run)/eval.json")
            #expect(e.dataset("chat")?.loss != nil, "\(run)")
            let p = try #require(ChatFormatProbe.load(directory: out + "/runs/" + run))
            #expect(p.checked == min(4, held.count) && p.ended <= p.checked && p.maxNewTokens == 8)
        }
        let rows = outcome.comparison.tableRows
        #expect(rows.map(\.first!) == ["run", "base", "instruct", "full-ft", "instruct-cpt", "instruct-sft", "instruct-mixed-sft"])
        let h = rows[0]
        #expect(Array(h.suffix(5)) == RunComparison.chatHeaders + RunComparison.runInfoHeaders)
        for r in rows.dropFirst() { #expect(r[h.count - 5] != "-" && r[h.count - 4].contains("/"), "\(r)") }

        var again = ForgettingLab(config: config)
        var lines2 = [String]()
        again.log = { lines2.append($0) }
        let outcome2 = try again.run()
        #expect(lines2.filter { $0.contains("already trained") }.count == 6)
        #expect(lines2.contains { $0.contains("chat data already prepared") })
        #expect(outcome2.reportText == outcome.reportText)
    }
}
