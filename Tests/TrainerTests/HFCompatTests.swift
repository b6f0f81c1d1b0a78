import DomainForgeCore
import Foundation
import Testing
@testable import Trainer
import TestSupport
import Tokenization

/// `python` when it can import `modules` (a comma-separated list); nil otherwise, or when `python` is nil or empty.
func python(_ python: String?, importing modules: String) -> String? {
    guard let py = python, !py.isEmpty else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: py)
    p.arguments = ["-c", "import " + modules]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return nil }
    p.waitUntilExit()
    return p.terminationStatus == 0 ? py : nil
}

/// The Python named by DOMAINFORGE_PYTHON when it can import torch and transformers; nil otherwise (tests skip).
let hfPython = python(ProcessInfo.processInfo.environment["DOMAINFORGE_PYTHON"], importing: "torch, transformers")

/// Writes our logits for `ids` as the TOKENS.json that scripts/compat/check_hf_llama.py reads.
func writeLogitsJSON(model: LlamaModel, ids: [[Int32]], path: String) throws {
    let g = Generator(model: model)
    let V = model.config.vocabSize
    let logits: [JSONValue] = ids.map { seq in
        let l = g.logits(seq)
        return .array((0..<seq.count).map { t in .array((0..<V).map { .double(Double(l[t * V + $0])) }) })
    }
    let doc = JSONValue.object(["input_ids": .array(ids.map { .array($0.map { .int(Int64($0)) }) }), "logits": .array(logits)])
    try Data(doc.serialized().utf8).write(to: URL(fileURLWithPath: path))
}

@Suite struct HFCompatTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/compat/check_hf_llama.py").path

    @Test(.enabled(if: hfPython != nil, "set DOMAINFORGE_PYTHON to a Python with torch and transformers"),
          arguments: [false, true])
    func transformersGivesTheSameLogits(tied: Bool) throws {
        let d = TmpDir()
        var cfg = LlamaConfig(vocabSize: 96, hiddenSize: 64, intermediateSize: 160, numLayers: 2, numHeads: 4, numKVHeads: 2,
                              maxPositions: 64, ropeTheta: 10_000)
        cfg.tieEmbeddings = tied
        let m = try LlamaModel(config: cfg)
        m.initialize(seed: 11, std: 0.1)
        for t in m.layout.tensors where t.shape.count == 1 {
            for i in 0..<t.count { m.params[t.offset + i] = 1 + 0.1 * Float(i % 7) }
        }
        try Checkpoint.saveModel(m, to: d.path + "/ck")
        var r = NormalRandom(seed: 2)
        let ids = (0..<2).map { _ in (0..<24).map { _ in Int32(r.nextU64() % 96) } }
        try writeLogitsJSON(model: m, ids: ids, path: d.path + "/tokens.json")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: hfPython!)
        p.arguments = [Self.script, d.path + "/ck", d.path + "/tokens.json", "--tol", "1e-4"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print("hf-compat tied=\(tied): \(out)")
        #expect(p.terminationStatus == 0, "\(out)")
    }
}

@Suite struct HFAutoClassTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/compat/check_hf_folder.py").path

    /// `AutoTokenizer.from_pretrained(ckpt)` and `AutoModelForCausalLM.from_pretrained(ckpt)` with nothing but the
    /// folder: our ids (no `<s>` added) for varied texts, our bos/eos/pad, our logits.
    @Test(.enabled(if: hfPython != nil, "set DOMAINFORGE_PYTHON to a Python with torch and transformers"))
    func autoClassesLoadTheFolderAlone() throws {
        let d = TmpDir()
        let (m, files) = try sampleModelFolder(d.path + "/ck")
        let texts = ["The heart pumps blood through the arteries.", " leading space", "trailing newline\n", "Dosage: 5 mg/kg, twice daily (max 40 mg).",
                     "Naïve café — 心脏 and émigré", "two\n\nparagraphs\n", "<|im_end|> written in text", "1234567 digits", ""]
        let ids = texts.map { files.tokenizer.encode($0).map { JSONValue.int(Int64($0)) } }
        var r = NormalRandom(seed: 3)
        let input = (0..<2).map { _ in (0..<16).map { _ in Int32(r.nextU64() % 3113) } }
        try writeLogitsJSON(model: m, ids: input, path: d.path + "/logits.json")
        var doc = try readJSON(d.path + "/logits.json").objectValue!
        doc["texts"] = .array(texts.map { .string($0) })
        doc["ids"] = .array(ids.map { .array($0) })
        doc["bos"] = .int(0); doc["eos"] = .int(0); doc["pad"] = .int(0)
        try Data(JSONValue.object(doc).serialized().utf8).write(to: URL(fileURLWithPath: d.path + "/cases.json"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: hfPython!)
        p.arguments = [Self.script, d.path + "/ck", d.path + "/cases.json", "--tol", "1e-4"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print("hf-auto-classes: \(out)")
        #expect(p.terminationStatus == 0, "\(out)")
    }
}
