import Foundation
import Shards
import Testing
import NumericTolerance
@testable import Trainer
import TestSupport

@Suite struct TrainingTests {
    func config(_ dir: String, data: [TrainConfig.Source], steps: Int = 8) -> TrainConfig {
        var c = TrainConfig(data: data, outputDir: dir + "/out", model: tinyConfig)
        c.steps = steps; c.batchSize = 2; c.seqLen = 8; c.gradAccum = 2; c.lr = 1e-2; c.warmupSteps = 2
        c.shuffleBuffer = 4; c.logEvery = 0
        return c
    }

    @Test func lossDecreasesOnLearnableData() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(60))
        var c = config(d.path, data: [.init(path: d.path + "/a")], steps: 40)
        c.evalData = [.init(path: d.path + "/a")]
        let run = try TrainingRun(config: c)
        run.log = { _ in }
        let before = try #require(try run.evaluate())
        let losses = try run.run()
        let after = try #require(try run.evaluate())
        #expect(losses.count == 40)
        #expect(after < before - 0.5, "eval loss \(before) → \(after)")
        let metrics = try String(contentsOfFile: c.outputDir + "/metrics.jsonl", encoding: .utf8)
        #expect(metrics.split(separator: "\n").count == 40)
    }

    /// An interrupted and resumed run gives bitwise the same losses as an uninterrupted one (one BLAS thread),
    /// mixing two sources by weight, with gradient accumulation, SFT masks and a resume mid-sample.
    @Test func resumeIsBitwiseIdentical() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(30, seed: 1, mask: true), mask: true)
        try writeDataset(d.path + "/b", sampleDocs(30, seed: 2, mask: true), mask: true)
        let data: [TrainConfig.Source] = [.init(path: d.path + "/a", weight: 2), .init(path: d.path + "/b", weight: 1)]
        let full = try TrainingRun(config: config(d.path + "/full", data: data))
        full.log = { _ in }
        let reference = try full.run()
        #expect(full.maskedLoss)

        let c = config(d.path + "/split", data: data)
        let first = try TrainingRun(config: c)
        first.log = { _ in }
        let head = try first.run(maxSteps: 3)
        let latest = try #require(TrainingRun.latestCheckpoint(outputDir: c.outputDir))
        let second = try TrainingRun(config: c, resumeFrom: latest)
        second.log = { _ in }
        #expect(second.step == 3)
        let tail = try second.run()
        #expect(head + tail == reference)
        let a = Array(full.model.params), b = Array(second.model.params)
        #expect(a == b)
    }

    @Test func accumulationEqualsOneLargeBatch() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(40))
        var c1 = config(d.path + "/1", data: [.init(path: d.path + "/a")], steps: 1)
        c1.batchSize = 4; c1.gradAccum = 1
        var c2 = c1
        c2.outputDir = d.path + "/2"; c2.batchSize = 2; c2.gradAccum = 2
        let r1 = try TrainingRun(config: c1), r2 = try TrainingRun(config: c2)
        let l1 = try r1.trainStep(), l2 = try r2.trainStep()
        // One batch of 4 against two of 2: other BLAS shapes, so a float32 bound rather than bits.
        #expect(abs(l1.loss - l2.loss) <= FloatTolerance.forward(tinyConfig, seqLen: 8) * abs(l1.loss), "\(l1.loss) vs \(l2.loss)")
        var worst: Float = 0
        for i in 0..<r1.model.parameterCount { worst = max(worst, abs(r1.model.params[i] - r2.model.params[i])) }
        #expect(worst < 1e-5)
    }

    @Test func scheduleWarmsUpThenAnnealsToTheFloor() {
        let s = LRSchedule(maxLR: 1, warmupSteps: 4, totalSteps: 14, minLRRatio: 0.1)
        #expect(s.lr(at: 0) == 0.25)
        #expect(s.lr(at: 3) == 1)
        #expect(abs(s.lr(at: 4) - 1) < 1e-12)
        #expect(abs(s.lr(at: 9) - 0.55) < 1e-12)
        #expect(abs(s.lr(at: 14) - 0.1) < 1e-12)
        #expect(abs(s.lr(at: 100) - 0.1) < 1e-12)
    }

    @Test func adamWDecaysMatricesButNotNorms() throws {
        let m = try LlamaModel(config: tinyConfig)
        m.initialize(seed: 1)
        m.zeroGrad()
        let opt = AdamW(parameterCount: m.parameterCount, weightDecay: 0.5)
        let before = Array(m.params)
        opt.step(model: m, lr: 0.1)
        let norm = m.layout.tensor(named: "model.norm.weight")!, q = m.layout.tensor(named: "model.layers.0.self_attn.q_proj.weight")!
        #expect(m.params[norm.offset] == before[norm.offset])
        #expect(abs(m.params[q.offset] - before[q.offset] * (1 - 0.05)) < 1e-7)
    }

    @Test func clippingScalesToTheMaximumNorm() throws {
        let m = try LlamaModel(config: tinyConfig)
        for i in m.grads.indices { m.grads[i] = 1 }
        let n = clipGradients(m, maxNorm: 1)
        #expect(abs(n - Float(m.parameterCount).squareRoot()) < 1e-2)
        var ss: Float = 0
        for g in m.grads { ss += g * g }
        #expect(abs(ss.squareRoot() - 1) < 1e-3)
    }

    @Test func yamlConfigParsesAndRejectsUnknownKeys() throws {
        let y = """
        data:
          - {path: shards/a, weight: 3}
          - shards/b
        model: {vocab_size: 32, hidden_size: 16, intermediate_size: 24, num_layers: 2, num_heads: 2, num_kv_heads: 1}
        optimizer: {lr: 0.001, grad_clip: 0.5}
        schedule: {warmup_steps: 5, min_lr_ratio: 0.2}
        steps: 10
        seq_len: 16
        output_dir: runs/x
        """
        let c = try TrainConfig.parse(yaml: y, baseDir: "/base")
        #expect(c.data == [.init(path: "/base/shards/a", weight: 3), .init(path: "/base/shards/b", weight: 1)])
        #expect(c.model?.numKVHeads == 1 && c.lr == 0.001 && c.gradClip == 0.5 && c.warmupSteps == 5 && c.minLRRatio == 0.2)
        #expect(c.outputDir == "/base/runs/x")
        #expect(throws: TrainerError.self) { try TrainConfig.parse(yaml: y + "\nbogus: 1") }
    }
    /// Continual pre-training: start from a checkpoint, with a grown vocabulary whose new rows are piece means.
    @Test func continuesFromACheckpointWithAnExtendedVocabulary() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(30))
        let first = try TrainingRun(config: config(d.path + "/1", data: [.init(path: d.path + "/a")], steps: 2))
        first.log = { _ in }
        try first.run()
        let ck = try #require(TrainingRun.latestCheckpoint(outputDir: d.path + "/1/out"))
        try Data(#"{"32": [4, 6], "33": [9]}"#.utf8).write(to: URL(fileURLWithPath: d.path + "/pieces.json"))
        var c = config(d.path + "/2", data: [.init(path: d.path + "/a")], steps: 2)
        c.model = nil; c.initFrom = ck; c.extendVocabSize = 34; c.vocabPieces = d.path + "/pieces.json"
        let second = try TrainingRun(config: c)
        second.log = { _ in }
        #expect(second.model.config.vocabSize == 34 && second.step == 0)
        let e = second.model.layout.embed, C = 16
        for j in 0..<C {
            #expect(second.model.params[e + 32 * C + j] == (first.model.params[e + 4 * C + j] + first.model.params[e + 6 * C + j]) * 0.5)
        }
        try second.run()
    }
    /// The example TRAIN.yaml files in pipelines/ parse.
    @Test func examplePipelinesParse() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("pipelines/train").path
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("train-") && $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for f in files {
            let c = try TrainConfig.load(path: dir + "/" + f)
            #expect(c.model != nil || c.initFrom != nil, "\(f)")
        }
    }
}
