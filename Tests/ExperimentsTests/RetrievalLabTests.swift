import TestSupport
import DomainForgeCore
import Foundation
import Retrieval
import Testing
@testable import Evaluation
@testable import Experiments

/// `+rag` rows in reports and the lab's `eval.rag` section.
@Suite struct RetrievalLabTests {
    static func sft(_ label: String, _ loss: Double) -> DatasetEval {
        var d = DatasetEval(label: label, path: "medquad.jsonl", kind: .sftRecords)
        d.loss = loss; d.tokens = 100
        return d
    }

    static func mc(_ label: String, _ correct: Int) -> DatasetEval {
        var d = DatasetEval(label: label, path: "mmlu.csv", kind: .multipleChoice)
        d.questions = 200; d.correct = correct; d.chance = 0.25
        return d
    }

    static func eval(_ datasets: [DatasetEval]) -> EvalResult {
        var d = DatasetEval(label: "domain", path: "d", kind: .cptShards)
        d.loss = 3; d.tokens = 10
        var g = DatasetEval(label: "general", path: "g", kind: .cptShards)
        g.loss = 4; g.tokens = 10
        return EvalResult(checkpoint: "c", seqLen: 8, maxBatches: nil, datasets: [d, g] + datasets)
    }

    @Test func reportShowsRagRowsBesideThePlainOnes() throws {
        let d = TmpDir()
        let base = Self.eval([Self.sft("medquad", 6.5), Self.sft("medquad+rag", 6.25), Self.mc("mmlu", 44), Self.mc("mmlu+rag", 50)])
        let cpt = Self.eval([Self.sft("medquad", 3.5), Self.sft("medquad+rag", 3.625), Self.sft("alone+rag", 1)])
        for (name, e) in [("cpt", cpt), ("plain", Self.eval([Self.sft("medquad", 3)]))] {
            try FileManager.default.createDirectory(atPath: d.path + "/" + name, withIntermediateDirectories: true)
            try e.write(path: d.path + "/\(name)/eval.json")
        }
        let runs = try [RunDirectory(path: d.path + "/cpt"), RunDirectory(path: d.path + "/plain")]
        let rag = RetrievalComparison(base: base, runs: runs)
        #expect(rag.table == """
            with retrieval (+rag: the index's best chunks prepended to each question; rag gain = loss − loss +rag)
            run   dataset  loss    loss +rag  rag gain  mc acc  mc acc +rag  acc change
            ----  -------  ------  ---------  --------  ------  -----------  ----------
            base  medquad  6.5000  6.2500     +0.2500   -       -            -
            base  mmlu     -       -          -         0.220   0.250        +0.030
            cpt   medquad  3.5000  3.6250     -0.1250   -       -            -
            """)
        // a +rag dataset without its plain twin has no row; a run without +rag datasets has none either
        #expect(!rag.rows.contains { $0.label == "alone" || $0.run == "plain" })
        let c = try RunComparison(runs: runs, base: base)
        var page = HTMLReport.comparison(c, title: "T")
        rag.add(to: &page)
        #expect(page.html.contains("<h2>What retrieval adds</h2>") && page.html.contains("<td>+0.2500</td>") && page.html.contains("<td>-0.1250</td>"))
        // no +rag datasets: no table and no section
        let none = RetrievalComparison(base: Self.eval([]), runs: [runs[1]])
        #expect(none.isEmpty && none.table.isEmpty)
        var plainPage = HTMLReport(title: "T")
        none.add(to: &plainPage)
        #expect(!plainPage.html.contains("What retrieval adds"))
    }

    static func labTree(rag: String, output: String = "out") throws -> JSONValue {
        try JSONParser.parse("""
            {"name": "mini-rag", "output_dir": "\(output)", "tokenizer": "\(sampleTokenizer)", "heldout_fraction": 0.25, "seed": 3,
             "corpora": {
               "general": {"inputs": [{"path": "general", "format": "text"}]},
               "domain": {"inputs": [{"path": "domain.jsonl", "format": "jsonl", "text_field": "output", "id_field": "id"}]}},
             "model": {"hidden_size": 16, "intermediate_size": 32, "num_layers": 1, "num_heads": 2, "num_kv_heads": 1, "tie_embeddings": true},
             "pretrain": {"steps": 2, "batch_size": 2, "seq_len": 16, "optimizer": {"lr": 0.01}, "schedule": {"warmup_steps": 1}},
             "adapt": {"steps": 2, "batch_size": 2, "seq_len": 16, "optimizer": {"lr": 0.01}, "schedule": {"warmup_steps": 1}},
             "eval": {"max_batches": 2, "batch_size": 2, "seq_len": 64\(rag)},
             "arms": [{"name": "full-ft"}]}
            """)
    }

    @Test func labConfigDecodesEvalRag() throws {
        let d = TmpDir()
        let full = try LabConfig.parse(try Self.labTree(rag: """
            , "rag": {"documents": "all", "chunk_by": "sentences", "chunk_size": 4, "overlap": 1, "k": 2,
                      "datasets": ["med-heldout"], "heldout_sft": {"med-heldout": "records.jsonl"}}
            """), baseDirectory: d.path)
        let r = try #require(full.rag)
        #expect(r.documents == .all && r.k == 2 && r.datasets == ["med-heldout"])
        #expect(r.chunking == .init(unit: .sentences, size: 4, overlap: 1))
        #expect(r.heldoutSFT.map(\.label) == ["med-heldout"] && r.heldoutSFT[0].path.hasSuffix("/records.jsonl") && r.heldoutSFT[0].path.hasPrefix("/"))
        let defaults = try #require(try LabConfig.parse(try Self.labTree(rag: #", "rag": {}"#), baseDirectory: d.path).rag)
        #expect(defaults.documents == .train && defaults.k == 3 && defaults.datasets == nil && defaults.heldoutSFT.isEmpty)
        #expect(defaults.chunking == .init(unit: .words, size: 200, overlap: 40))
        #expect(try LabConfig.parse(try Self.labTree(rag: ""), baseDirectory: d.path).rag == nil)
        // bad sections are config errors that name the key
        for (bad, says) in [(#"{"chunk_by": "tokens"}"#, "chunk_by"), (#"{"documents": "heldout"}"#, "documents"), (#"{"k": 0}"#, "k"),
                            (#"{"chunk_size": 10, "overlap": 10}"#, "overlap"), (#"{"index": "x"}"#, "index")] {
            #expect {
                _ = try LabConfig.parse(try Self.labTree(rag: ", \"rag\": \(bad)"), baseDirectory: d.path)
            } throws: { e in
                guard case EvaluationError.config(let m) = e else { return false }
                return m.contains(says)
            }
        }
    }

    /// A miniature lab with `eval.rag`: the index holds the training side of the domain split, the held-out SFT file
    /// exactly the records of held-out documents, and every run's eval.json and report.txt the `+rag` rows.
    @Test func miniatureLabScoresHeldOutRecordsWithRetrieval() throws {
        let d = TmpDir()
        for (i, t) in LabAndSweepTests.docs(LabAndSweepTests.generalWords, count: 8, seed: 1).enumerated() { try d.write("general/g\(i).txt", t) }
        let answers = LabAndSweepTests.docs(LabAndSweepTests.domainWords, count: 13, seed: 2)
        // ids may repeat (as in MedQuAD): both documents with id m3 are indexed, on the same side of the split
        let entries: [(id: String, n: Int)] = (0..<12).map { (id: "m\($0)", n: $0) } + [(id: "m3", n: 12)]
        func line(_ e: (id: String, n: Int)) -> String {
            "{\"id\": \"\(e.id)\", \"instruction\": \"What should patients with hypertension report \(e.n)?\", \"input\": \"\", \"output\": \"\(answers[e.n])\"}"
        }
        let records = entries.map(line)
        try d.write("domain.jsonl", records.joined(separator: "\n") + "\n")
        try d.write("records.jsonl", (records + ["{\"instruction\": \"no id\", \"output\": \"x\"}", "not json"]).joined(separator: "\n") + "\n")
        let (config, outcome, log) = try runLab(try Self.labTree(rag: """
            , "rag": {"chunk_size": 100, "overlap": 5, "k": 2, "datasets": ["med-heldout"], "heldout_sft": {"med-heldout": "records.jsonl"}}
            """), in: d.path)
        let held = entries.filter { HeldOutSplit.isHeldOut(id: $0.0, fraction: 0.25, seed: 3) }
        let train = entries.count - held.count
        #expect(!held.isEmpty && train > 0)
        let heldFile = try String(contentsOfFile: ForgettingLab(config: config).ragDir + "/med-heldout.jsonl", encoding: .utf8)
        #expect(heldFile == held.map { line($0) + "\n" }.joined())
        #expect(log.contains("[rag] built \(ForgettingLab(config: config).ragDir)/index-train.sqlite: \(train) train domain documents, \(train) chunks"), "\(log)")
        for run in ["base", "full-ft"] {
            let e = try EvalResult.load(path: d.path + "/out/runs/\(run)/eval.json")
            #expect(e.datasets.map(\.label) == ["domain", "general", "med-heldout", "med-heldout+rag"])
            #expect(e.dataset("med-heldout")!.windows == held.count && e.dataset("med-heldout+rag")!.windows == held.count)
        }
        let text = try String(contentsOfFile: d.path + "/out/report.txt", encoding: .utf8)
        #expect(text.contains("\nwith retrieval (+rag"))
        let ragRows = text.split(separator: "\n").filter { $0.contains(" med-heldout ") }
        #expect(ragRows.count == 2 && ragRows[0].hasPrefix("base ") && ragRows[1].hasPrefix("full-ft "))
        #expect(outcome.reportHTML.contains("What retrieval adds"))
        // started again: the finished index is reused and the report is the same
        var again = ForgettingLab(config: config)
        var log2 = [String]()
        again.log = { log2.append($0) }
        #expect(try again.run().reportText == outcome.reportText)
        #expect(log2.contains { $0.hasPrefix("[rag] reusing ") })
    }
}
