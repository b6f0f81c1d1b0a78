import Foundation
import Testing
@testable import Trainer
import TestSupport

/// The Python named by DOMAINFORGE_PYTHON when it can import torch, transformers and peft; nil otherwise (tests skip).
let peftPython = python(hfPython, importing: "peft, safetensors")

@Suite struct PEFTCompatTests {
    /// PeftModel.from_pretrained on our base checkpoint and adapter gives our logits (adapter not merged) within 1e-4.
    @Test(.enabled(if: peftPython != nil, "set DOMAINFORGE_PYTHON to a Python with torch, transformers and peft"),
          arguments: [(false, [LoRAConfig.Module.q, .v]), (true, LoRAConfig.Module.allCases)])
    func peftGivesTheSameLogits(_ arg: (Bool, [LoRAConfig.Module])) throws {
        let d = TmpDir()
        let m = try PEFTCheck.baseModel(in: d.path)
        let a = try LoRAAdapter(config: LoRAConfig(rank: 4, alpha: 8, dropout: 0.05, rslora: arg.0, modules: arg.1), model: m.config, seed: 3)
        let b = randomArray(a.parameterCount, seed: 4, scale: 0.2)
        for sl in a.slots { for j in 0..<(sl.outDim * a.rank) { a.params[sl.b + j] = b[sl.b + j] } }
        try a.save(to: d.path + "/adapter", baseModel: d.path + "/base")
        try m.attach(lora: a)
        let (status, out) = try PEFTCheck.run(script: PEFTCheck.script("check_peft_lora.py"), model: m, dir: d.path)
        print("peft-compat rslora=\(arg.0) modules=\(arg.1.map(\.hfName)): \(out)")
        #expect(status == 0, "\(out)")
    }
}
