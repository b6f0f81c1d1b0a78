import Foundation
import Testing
@testable import Trainer
import TestSupport

@Suite struct LoRATrainingTests {
    /// A base checkpoint in `dir/base` and data in `dir/a`; a config starting from it.
    func setup(_ d: TmpDir, steps: Int = 6) throws -> TrainConfig { try adapterRunConfig(d, steps: steps, lr: 1e-2) }

    @Test(arguments: [LoRAConfig.BaseQuantization.none, .nf4]) func trainingLeavesTheBaseUnchanged(_ q: LoRAConfig.BaseQuantization) throws {
        let d = TmpDir()
        var c = try setup(d)
        c.lora = LoRAConfig(rank: 4, alpha: 8, modules: LoRAConfig.Module.allCases, baseQuantization: q)
        let baseFile = FileManager.default.contents(atPath: d.path + "/base/model.safetensors")!
        let base = try Checkpoint.loadModel(from: d.path + "/base")
        let run = try TrainingRun(config: c)
        run.log = { _ in }
        #expect(run.optimizer.m.count == run.model.lora!.parameterCount)
        let losses = try run.run()
        #expect(losses.last! < losses.first!, "\(losses)")
        #expect(FileManager.default.contents(atPath: d.path + "/base/model.safetensors")! == baseFile)
        let adapter = try #require(run.model.lora)
        #expect(adapter.slots.contains { s in (0..<(s.outDim * adapter.rank)).contains { adapter.params[s.b + $0] != 0 } })
        if q == .none {
            #expect(Array(run.model.params) == Array(base.params))
        } else {
            // everything but the (released) projections is untouched, and the codes are those of the base
            let proj = Set(run.model.layout.tensors.filter { $0.name.hasSuffix("proj.weight") }.map(\.name))
            for t in run.model.layout.tensors where !proj.contains(t.name) {
                #expect(Array(run.model.params[t.offset..<(t.offset + t.count)]) == Array(base.params[t.offset..<(t.offset + t.count)]))
            }
            let again = QuantizedMatrix(base.params.baseAddress! + base.projectionOffset(.gate, layer: 1), count: 24 * 16, format: .nf4)
            #expect(adapter.quantized[1][LoRAConfig.Module.gate.order].codes == again.codes)
        }
        let ck = try #require(TrainingRun.latestCheckpoint(outputDir: c.outputDir))
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: ck))
        #expect(files == ["adapter_config.json", "adapter_model.safetensors", "optimizer.safetensors", "domainforge_state.json", CheckpointManifest.fileName])
        if q == .none {
            // the adapter folder loads as the merged model with the run's logits
            let merged = try Checkpoint.loadModel(from: ck)
            let acts = Activations(config: merged.config, batch: 1, seqLen: 8)
            let toks: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8]
            merged.forward(tokens: toks, batch: 1, seqLen: 8, acts)
            let a = Array(UnsafeBufferPointer(start: acts.logits, count: 8 * 32))
            run.model.forward(tokens: toks, batch: 1, seqLen: 8, acts)
            let b = Array(UnsafeBufferPointer(start: acts.logits, count: 8 * 32))
            #expect(zip(a, b).map { abs($0 - $1) }.max()! < 1e-4)
        }
    }

    /// A LoRA run (dropout, NF4 base) interrupted and resumed gives bitwise the losses and adapter of one run.
    @Test func loraResumeIsBitwiseIdentical() throws {
        let d = TmpDir()
        var c = try setup(d)
        c.lora = LoRAConfig(rank: 2, alpha: 4, dropout: 0.2, modules: [.q, .v, .up], baseQuantization: .nf4)
        let r = try wholeAndResumed(c, wholeDir: d.path + "/full")
        #expect(r.resumed == r.whole)
        #expect(Array(r.resumedRun.model.lora!.params) == Array(r.wholeRun.model.lora!.params))
        var other = c
        other.lora!.alpha = 8
        #expect(throws: TrainerError.self) { try TrainingRun(config: other, resumeFrom: TrainingRun.latestCheckpoint(outputDir: c.outputDir)) }
    }

    /// LoRA (with dropout, NF4 base) plus EWC split over two threads: the losses and adapter weights of one thread up
    /// to float rounding (dropout masks follow a row's place in the whole batch, not its thread), bitwise the same
    /// twice, and the base bytes untouched.
    @Test func loraAndEWCWithTwoThreadsMatchOneThread() throws {
        let d = TmpDir()
        var c = try setup(d)
        c.lora = LoRAConfig(rank: 2, alpha: 4, dropout: 0.2, modules: [.q, .v, .up, .down], baseQuantization: .nf4)
        c.ewc = .init(lambda: 10, fisherData: [d.path + "/a"], fisherSamples: 2)
        func run(_ name: String, threads: Int) throws -> (losses: [Double], adapter: [Float]) {
            var x = c
            x.outputDir = d.path + "/" + name
            x.threads = threads
            let r = try TrainingRun(config: x)
            r.log = { _ in }
            let l = try r.run()
            return (l, Array(r.model.lora!.params))
        }
        let one = try run("one", threads: 1), twoA = try run("twoA", threads: 2), twoB = try run("twoB", threads: 2)
        #expect(twoA.losses == twoB.losses && twoA.adapter == twoB.adapter)
        for (a, b) in zip(one.losses, twoA.losses) { #expect(abs(a - b) <= 1e-5 * abs(a), "\(a) vs \(b)") }
        var worst: Float = 0
        for (a, b) in zip(one.adapter, twoA.adapter) { worst = max(worst, abs(a - b)) }
        #expect(worst < 1e-4)
    }

    @Test func ewcLambdaZeroLeavesTheRunUnchanged() throws {
        let d = TmpDir()
        let c = try setup(d)
        let plain = try TrainingRun(config: c)
        plain.log = { _ in }
        let reference = try plain.run()
        var e = c
        e.outputDir = d.path + "/ewc0"
        e.ewc = .init(lambda: 0, fisherData: [d.path + "/a"], fisherSamples: 2)
        let zero = try TrainingRun(config: e)
        zero.log = { _ in }
        #expect(try zero.run() == reference)
        #expect(Array(zero.model.params) == Array(plain.model.params))
        #expect(FileManager.default.fileExists(atPath: e.outputDir + "/fisher.safetensors"))
        // λ > 0, with LoRA, from the saved Fisher file: the penalty is reported and pulls towards the base
        var l = c
        l.outputDir = d.path + "/ewc-lora"
        l.lora = LoRAConfig(rank: 2, modules: [.q, .v])
        l.ewc = .init(lambda: 1000, fisher: e.outputDir + "/fisher.safetensors")
        let run = try TrainingRun(config: l)
        run.log = { _ in }
        _ = try run.run()
        let rows = try String(contentsOfFile: l.outputDir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 6 && rows.allSatisfy { $0.contains("\"ewc_penalty\":") })
        #expect((run.lastEWCPenalty ?? 0) > 0)
    }

    @Test func trainYamlKeys() throws {
        let head = "data: [d]\noutput_dir: o\ninit_from: base\n"
        let c = try TrainConfig.parse(yaml: head + """
            lora: {rank: 4, alpha: 8, dropout: 0.1, rslora: true, modules: [down, q, v_proj], base_quantization: nf4}
            ewc: {lambda: 50, fisher_data: [g1, g2], fisher_samples: 8}
            """, baseDir: "/r")
        #expect(c.lora == LoRAConfig(rank: 4, alpha: 8, dropout: 0.1, rslora: true, modules: [.q, .v, .down], baseQuantization: .nf4))
        #expect(c.ewc == .init(lambda: 50, fisherData: ["/r/g1", "/r/g2"], fisherSamples: 8))
        let d = try TrainConfig.parse(yaml: head + "lora: {}\newc: {lambda: 1, fisher: f.safetensors}\n", baseDir: "/r")
        #expect(d.lora == LoRAConfig(rank: 8, alpha: 16, modules: [.q, .v]) && d.ewc?.fisher == "/r/f.safetensors" && d.ewc?.fisherSamples == 64)
        #expect(try TrainConfig.parse(yaml: head).lora == nil)
        for bad in ["lora: {rank: 0}", "lora: {modules: [lm_head]}", "lora: {modules: []}", "lora: {base_quantization: fp8}",
                    "lora: {dropout: 1.0}", "lora: {rsLoRA: true}", "lora: {rslora: 1}", "lora: 8", "ewc: {fisher: f}",
                    "ewc: {lambda: 1}", "ewc: {lambda: 1, fisher: f, fisher_data: [g]}", "ewc: {lambda: -1, fisher: f}",
                    "ewc: {lambda: 1, fisher: f, fisher_samples: 0}", "ewc: {lambda: 1, fisher: f, samples: 3}"] {
            #expect(throws: TrainerError.self, "\(bad)") { try TrainConfig.parse(yaml: head + bad + "\n") }
        }
        for bad in ["lora: {rank: 2}", "ewc: {lambda: 1, fisher: f}"] {
            #expect(throws: TrainerError.self, "\(bad) without init_from") {
                try TrainConfig.parse(yaml: "data: [d]\noutput_dir: o\nmodel: {vocab_size: 8, hidden_size: 8, intermediate_size: 8, num_layers: 1, num_heads: 2}\n" + bad + "\n")
            }
        }
    }
}
