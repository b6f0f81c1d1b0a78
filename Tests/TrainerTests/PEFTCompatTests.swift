import Foundation
import Testing
@testable import Trainer
import TestSupport

/// The Python named by DOMAINFORGE_PYTHON when it can import torch, transformers and peft; nil otherwise (tests skip).
let peftPython = python(hfPython, importing: "peft, safetensors")

@Suite struct PEFTCompatTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/compat/check_peft_lora.py").path

    /// PeftModel.from_pretrained on our base checkpoint and adapter gives our logits (adapter not merged) within 1e-4.
    @Test(.enabled(if: peftPython != nil, "set DOMAINFORGE_PYTHON to a Python with torch, transformers and peft"),
          arguments: [(false, [LoRAConfig.Module.q, .v]), (true, LoRAConfig.Module.allCases)])
    func peftGivesTheSameLogits(_ arg: (Bool, [LoRAConfig.Module])) throws {
        let d = TmpDir()
        let cfg = LlamaConfig(vocabSize: 96, hiddenSize: 64, intermediateSize: 160, numLayers: 2, numHeads: 4, numKVHeads: 2,
                              maxPositions: 64, ropeTheta: 10_000)
        let m = try LlamaModel(config: cfg)
        m.initialize(seed: 11, std: 0.1)
        try Checkpoint.saveModel(m, to: d.path + "/base")
        let a = try LoRAAdapter(config: LoRAConfig(rank: 4, alpha: 8, dropout: 0.05, rslora: arg.0, modules: arg.1), model: cfg, seed: 3)
        let b = randomArray(a.parameterCount, seed: 4, scale: 0.2)
        for sl in a.slots { for j in 0..<(sl.outDim * a.rank) { a.params[sl.b + j] = b[sl.b + j] } }
        try a.save(to: d.path + "/adapter", baseModel: d.path + "/base")
        try m.attach(lora: a)
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
        print("peft-compat rslora=\(arg.0) modules=\(arg.1.map(\.hfName)): \(out)")
        #expect(p.terminationStatus == 0, "\(out)")
    }
}
