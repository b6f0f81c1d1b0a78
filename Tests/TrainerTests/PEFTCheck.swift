import Foundation
import Testing
@testable import Trainer
import TestSupport

/// The shared half of the PEFT compatibility tests (LoRA and prefix): a small grouped-query model saved as the base,
/// and the run of a `scripts/compat/check_peft_*.py` script over our logits.
enum PEFTCheck {
    /// `scripts/compat/NAME` in this repository.
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/compat/" + name).path
    }

    /// A 2-layer model (vocab 96, 4 heads over 2 key/value heads) with seeded weights, saved to `dir/base`.
    static func baseModel(in dir: String) throws -> LlamaModel {
        let cfg = LlamaConfig(vocabSize: 96, hiddenSize: 64, intermediateSize: 160, numLayers: 2, numHeads: 4, numKVHeads: 2,
                              maxPositions: 64, ropeTheta: 10_000)
        let m = try LlamaModel(config: cfg)
        m.initialize(seed: 11, std: 0.1)
        try Checkpoint.saveModel(m, to: dir + "/base")
        return m
    }

    /// Writes `model`'s logits (adapter attached) for two seeded sequences of 24 tokens, runs `script` on `dir/base`,
    /// `dir/adapter` and them with a tolerance of 1e-4, and returns the exit status and what it printed.
    static func run(script: String, model: LlamaModel, dir: String) throws -> (status: Int32, output: String) {
        var r = NormalRandom(seed: 2)
        let ids = (0..<2).map { _ in (0..<24).map { _ in Int32(r.nextU64() % 96) } }
        try writeLogitsJSON(model: model, ids: ids, path: dir + "/tokens.json")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: peftPython!)
        p.arguments = [script, dir + "/base", dir + "/adapter", dir + "/tokens.json", "--tol", "1e-4"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, out)
    }
}
