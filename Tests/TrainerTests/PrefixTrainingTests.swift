import Foundation
import Testing
@testable import Trainer
import TestSupport

/// Prefix-tuning runs: the base stays frozen, checkpoints are PEFT prefix folders that load with the prefix attached,
/// resuming is bitwise, and TRAIN.yaml's `prefix:` section is read and checked.
@Suite struct PrefixTrainingTests {
    func setup(_ d: TmpDir, steps: Int = 6) throws -> TrainConfig { try adapterRunConfig(d, steps: steps, lr: 3e-2) }

    @Test(arguments: [false, true]) func trainingLeavesTheBaseUnchanged(projection: Bool) throws {
        let d = TmpDir()
        var c = try setup(d, steps: 10)
        c.prefix = PrefixConfig(numVirtualTokens: 4, projection: projection, encoderHiddenSize: projection ? 8 : nil)
        let base = try Checkpoint.loadModel(from: d.path + "/base")
        let run = try TrainingRun(config: c)
        var lines: [String] = []
        run.log = { lines.append($0) }
        let prefix = try #require(run.model.prefix)
        // P·(L·2·D) = 4·32 without projection (D = 1 key/value head of 8); with it the embedding [4, 8], Linear(8, 8)
        // and Linear(8, 32), biases included
        let expected = projection ? 4 * 8 + 8 * 8 + 8 + 32 * 8 + 32 : 4 * 32
        #expect(prefix.parameterCount == expected && run.optimizer.m.count == expected)
        #expect(lines.isEmpty)
        let losses = try run.run()
        #expect(lines.first { $0.hasPrefix("prefix P=4") && $0.contains("\(expected) trainable of") } != nil, "\(lines)")
        #expect(losses.last! < losses.first!, "\(losses)")
        #expect(Array(run.model.params) == Array(base.params))
        let ck = try #require(TrainingRun.latestCheckpoint(outputDir: c.outputDir))
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: ck))
        var want: Set<String> = ["adapter_config.json", "adapter_model.safetensors", "optimizer.safetensors", "domainforge_state.json",
                                 CheckpointManifest.fileName]
        if projection { want.insert(PrefixAdapter.encoderFile) }
        #expect(files == want)
        let cfg = try #require(try PrefixAdapter.loadConfig(from: ck))
        #expect(cfg.baseModel == "../../base" && cfg.tokenDim == 8 && cfg.layers == 2 && cfg.heads == 1)
        // the folder loads as the base with the finished prefix attached: the run's logits
        let loaded = try Checkpoint.loadModel(from: ck)
        #expect(loaded.prefix?.config.projection == false && loaded.prefix?.parameterCount == 4 * 32)
        let toks: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8]
        let a = Generator(model: loaded).logits(toks), b = Generator(model: run.model).logits(toks)
        #expect(zip(a, b).map { abs($0 - $1) }.max()! < 1e-4)
        #expect(throws: TrainerError.self) { try GGUFExporter.export(checkpoint: ck, type: .f16, to: d.path + "/m.gguf") }
    }

    /// A prefix run (with the MLP) interrupted and resumed gives bitwise the losses and parameters of one run; a
    /// resumed run with another prefix section is refused.
    @Test(arguments: [false, true]) func resumeIsBitwiseIdentical(projection: Bool) throws {
        let d = TmpDir()
        var c = try setup(d)
        c.prefix = PrefixConfig(numVirtualTokens: 3, projection: projection)
        let r = try wholeAndResumed(c, wholeDir: d.path + "/full")
        #expect(r.resumed == r.whole)
        #expect(Array(r.resumedRun.model.prefix!.params) == Array(r.wholeRun.model.prefix!.params))
        var other = c
        other.prefix!.numVirtualTokens = 5
        #expect(throws: TrainerError.self) { try TrainingRun(config: other, resumeFrom: TrainingRun.latestCheckpoint(outputDir: c.outputDir)) }
    }

    /// `prefix:` in TRAIN.yaml: defaults, values, and the combinations refused with the reason.
    @Test func yamlSection() throws {
        let head = "data: a\noutput_dir: o\ninit_from: base\n"
        let c = try TrainConfig.parse(yaml: head + "prefix: {}\n")
        #expect(c.prefix == PrefixConfig(numVirtualTokens: 16, projection: false, encoderHiddenSize: nil))
        let p = try TrainConfig.parse(yaml: head + "prefix: {num_virtual_tokens: 8, projection: true, encoder_hidden_size: 32}\n")
        #expect(p.prefix == PrefixConfig(numVirtualTokens: 8, projection: true, encoderHiddenSize: 32))
        func problem(_ yaml: String) -> String {
            do { _ = try TrainConfig.parse(yaml: yaml); return "" } catch { return "\(error)" }
        }
        #expect(problem(head + "prefix: {}\nlora: {rank: 4}\n").contains("prefix: cannot be combined with lora: one adapter per run"))
        #expect(problem(head + "prefix: {}\newc: {lambda: 1, fisher: f}\n").contains("cannot be combined with ewc"))
        #expect(problem("data: a\noutput_dir: o\nprefix: {}\nmodel: {vocab_size: 32, hidden_size: 16, intermediate_size: 24, num_layers: 1, num_heads: 2}\n").contains("prefix: needs init_from"))
        #expect(problem(head + "prefix: {encoder_hidden_size: 8}\n").contains("prefix.encoder_hidden_size: only used with projection: true"))
        #expect(problem(head + "prefix: {num_virtual_tokens: 0}\n").contains("num_virtual_tokens"))
        #expect(problem(head + "prefix: {tokens: 4}\n").contains("tokens"))
    }
}
