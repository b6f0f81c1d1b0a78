import DomainForgeCore
import Evaluation
import Foundation
import SFT
import Testing
import Trainer

/// `pipeline eval CKPT --rag INDEX`: SFT and multiple-choice data scored again with retrieved chunks prepended.
@Suite(.enabled(if: Binary.path != nil, "pipeline binary not built"))
struct RagEvalCLITests {
    /// A folder with a flat checkpoint (every target costs log V), a two-document index and one SFT record.
    func fixture() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-eval-" + UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let m = try LlamaModel(config: LlamaConfig(vocabSize: 3113, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2,
                                                   maxPositions: 128, tieEmbeddings: true))
        m.initialize(seed: 1, std: 0)
        try Checkpoint.saveModel(m, to: dir + "/ckpt")
        let docs = #"{"id": "brady", "text": "Bradycardia is a slow heart rate."}"# + "\n" + #"{"id": "rash", "text": "A rash is a change of the skin."}"# + "\n"
        try docs.write(toFile: dir + "/docs.jsonl", atomically: true, encoding: .utf8)
        let sft = #"{"instruction": "What is bradycardia?", "response": "A slow heart rate."}"# + "\n"
        try sft.write(toFile: dir + "/sft.jsonl", atomically: true, encoding: .utf8)
        let r = try Binary.run(["rag", "index", dir + "/docs.jsonl", "-o", dir + "/idx.sqlite"])
        #expect(r.status == 0, "\(r.err)")
        return dir
    }

    @Test func questionsGetTheBestChunksInFront() throws {
        let dir = try fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try RetrievalContext(indexPath: dir + "/idx.sqlite", k: 1)
        #expect(try c.augment("What is bradycardia?") == "Context:\nBradycardia is a slow heart rate.\n\nQuestion: What is bradycardia?")
        #expect(try c.augment("unrelated words") == "unrelated words")
        let rec = SFTRecord(id: "1", source: "s", messages: [SFTMessage(role: "user", content: "rash?"), SFTMessage(role: "assistant", content: "skin")])
        #expect(try c.augment(rec).messages.map(\.content) == ["Context:\nA rash is a change of the skin.\n\nQuestion: rash?", "skin"])
    }

    @Test func evalReportsTheSFTSetWithAndWithoutRetrieval() throws {
        let dir = try fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Binary.run(["eval", dir + "/ckpt", "sft=" + dir + "/sft.jsonl", "-t", "pipelines/tokenizers/medical-sample-bpe.json",
                                "--rag", dir + "/idx.sqlite", "--rag-k", "1", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let sets = try JSONParser.parse(r.out)["datasets"]?.arrayValue ?? []
        #expect(sets.map { $0["label"]?.stringValue } == ["sft", "sft+rag"])
        // the same response tokens are scored; the flat model gives each log(3113)
        #expect(sets[0]["tokens"] == sets[1]["tokens"])
        for s in sets { #expect(abs((s["loss"]?.doubleValue ?? 0) - log(3113.0)) < 1e-6) }
        let bad = try Binary.run(["eval", dir + "/ckpt", dir + "/sft.jsonl", "-t", "pipelines/tokenizers/medical-sample-bpe.json", "--rag", dir + "/docs.jsonl"])
        #expect(bad.status == 1)
        #expect(bad.err.contains("not a readable retrieval index") || bad.err.contains("not a retrieval index"))
    }
}
