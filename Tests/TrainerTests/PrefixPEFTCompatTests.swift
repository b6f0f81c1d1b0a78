import Foundation
import Testing
@testable import Trainer
import TestSupport

@Suite struct PrefixPEFTCompatTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/compat/check_peft_prefix.py").path

    /// PeftModel.from_pretrained on our base checkpoint and prefix adapter gives our logits within 1e-4 (grouped-query
    /// attention, so the prefix has the key/value heads' width), without and with the projection MLP; with it PEFT's
    /// PrefixEncoder, given our MLP weights, computes the prompt_embeddings we saved.
    @Test(.enabled(if: peftPython != nil, "set DOMAINFORGE_PYTHON to a Python with torch, transformers and peft"),
          arguments: [PrefixConfig(numVirtualTokens: 5), PrefixConfig(numVirtualTokens: 4, projection: true, encoderHiddenSize: 24)])
    func peftGivesTheSameLogits(_ pc: PrefixConfig) throws {
        let d = TmpDir()
        let cfg = LlamaConfig(vocabSize: 96, hiddenSize: 64, intermediateSize: 160, numLayers: 2, numHeads: 4, numKVHeads: 2,
                              maxPositions: 64, ropeTheta: 10_000)
        let m = try LlamaModel(config: cfg)
        m.initialize(seed: 11, std: 0.1)
        try Checkpoint.saveModel(m, to: d.path + "/base")
        let a = try PrefixAdapter(config: pc, model: cfg, seed: 3)
        try a.save(to: d.path + "/adapter", baseModel: d.path + "/base")
        try m.attach(prefix: a)
        var r = NormalRandom(seed: 2)
        let ids = (0..<2).map { _ in (0..<24).map { _ in Int32(r.nextU64() % 96) } }
        try writeLogitsJSON(model: m, ids: ids, path: d.path + "/tokens.json")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: peftPython!)
        p.arguments = [Self.script, d.path + "/base", d.path + "/adapter", d.path + "/tokens.json", "--tol", "1e-4"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print("peft-prefix-compat projection=\(pc.projection): \(out)")
        #expect(p.terminationStatus == 0, "\(out)")
    }
}
