import DomainForgeCore
import Foundation
import Testing
import Trainer

/// `pipeline diagnose` end to end on a flat model (all weights zero: every target costs log V, greedy answers never
/// stop), and its usage errors.
@Suite(.enabled(if: Binary.path != nil, "pipeline binary not built"))
struct DiagnoseCLITests {
    static let tokenizer = "pipelines/tokenizers/medical-sample-bpe.json"

    /// A folder with a flat checkpoint and small domain, general and SFT files.
    func fixture() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("diagnose-" + UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let m = try LlamaModel(config: LlamaConfig(vocabSize: 3113, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2,
                                                   maxPositions: 64, tieEmbeddings: true))
        m.initialize(seed: 1, std: 0)
        try Checkpoint.saveModel(m, to: dir + "/ckpt")
        let domain = (0..<6).map { "{\"text\": \"Hypertension and tachycardia raise the risk of stroke, note \($0).\"}" }
        try (domain.joined(separator: "\n") + "\n").write(toFile: dir + "/domain.jsonl", atomically: true, encoding: .utf8)
        try "The river runs past the old mill.\n\nA second paragraph about the town.\n".write(toFile: dir + "/general.txt", atomically: true, encoding: .utf8)
        let sft = #"{"instruction": "Define bradycardia.", "response": "A resting heart rate below 60 beats per minute."}"# + "\n"
        try sft.write(toFile: dir + "/sft.jsonl", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func flatModelNeedsSFTNotCPT() throws {
        let dir = try fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Binary.run(["diagnose", "--base", dir + "/ckpt", "-t", Self.tokenizer, "--domain", dir + "/domain.jsonl",
                                "--general", dir + "/general.txt", "--sft", dir + "/sft.jsonl", "--json", "--html", dir + "/r.html"])
        #expect(r.status == 0, "\(r.err)")
        let j = try JSONParser.parse(r.out)
        #expect(j["recommendation"]?["action"]?.stringValue == "SFT")
        #expect(j["knowledge"]?["loss_gap"]?.doubleValue.map { abs($0) < 1e-9 } == true)
        #expect(j["behaviour"]?["stopped"]?.intValue == 0)
        #expect(j["behaviour"]?["generated"]?.intValue == 1)
        #expect(j["data"]?["domain_documents"]?.intValue == 6)
        #expect(j["data"]?["general_documents"]?.intValue == 2)
        let html = try String(contentsOfFile: dir + "/r.html", encoding: .utf8)
        #expect(html.contains("<h1>Recommendation: SFT</h1>"))
        #expect(html.contains("<svg"))
    }

    @Test func missingInputsAndBadOptionsAreUsageErrors() throws {
        let dir = try fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = ["diagnose", "-t", Self.tokenizer, "--domain", dir + "/domain.jsonl", "--general", dir + "/general.txt"]
        let missing = try Binary.run(common + ["--base", dir + "/nothing"])
        #expect(missing.status == 2)
        #expect(missing.err == "error: \(dir)/nothing does not exist or cannot be read; check the path\n")
        let zero = try Binary.run(common + ["--base", dir + "/ckpt", "--max-docs", "0"])
        #expect(zero.status == 2)
        #expect(zero.err.contains("--max-docs must be positive"))
        try "\n".write(toFile: dir + "/empty.jsonl", atomically: true, encoding: .utf8)
        let empty = try Binary.run(["diagnose", "-t", Self.tokenizer, "--base", dir + "/ckpt", "--domain", dir + "/empty.jsonl",
                                    "--general", dir + "/general.txt"])
        #expect(empty.status == 1)
        #expect(empty.err.contains("domain data \(dir)/empty.jsonl holds no text documents"))
    }
}
