import TestSupport
import Foundation
import Shards
@testable import Trainer

/// Fills a buffer with deterministic values in [-scale, scale].
func randomArray(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var r = NormalRandom(seed: seed)
    return (0..<n).map { _ in Float(r.uniform() * 2 - 1) * scale }
}

/// Largest relative error between analytic gradients and central differences of `f` over the entries `indices`
/// of `x`: |a − n| / max(|a| + |n|, floor).
func maxRelativeError(_ x: UnsafeMutablePointer<Float>, indices: [Int], analytic: (Int) -> Float, h: Float = 1e-2,
                      floor: Float = 1e-3, f: () -> Double) -> Float {
    var worst: Float = 0
    for i in indices {
        let old = x[i]
        x[i] = old + h; let fp = f()
        x[i] = old - h; let fm = f()
        x[i] = old
        let num = Float((fp - fm) / Double(2 * h))
        let a = analytic(i)
        let err = abs(a - num) / max(abs(a) + abs(num), floor)
        worst = max(worst, err)
    }
    return worst
}

/// The shared temporary folder (TestSupport).
typealias TmpDir = TempDir

/// Writes a small shard dataset (as the Shards tests do).
func writeDataset(_ dir: String, _ samples: [ShardSample], mask: Bool = false, vocab: Int = 32) throws {
    try ShardFixtures.write(dir, samples, sizeLimit: 1 << 12, mask: mask, vocab: vocab)
}

/// Random documents over a vocabulary of `vocab` ids with a repeating structure a model can learn.
func sampleDocs(_ n: Int, vocab: Int = 32, seed: UInt64 = 1, mask: Bool = false) -> [ShardSample] {
    var r = NormalRandom(seed: seed)
    return (0..<n).map { i in
        let len = 5 + Int(r.nextU64() % 20)
        let start = Int(r.nextU64() % UInt64(vocab - 1)) + 1
        let toks = (0..<len).map { UInt32(1 + (start + $0) % (vocab - 1)) } + [0]
        let m: [UInt8]? = mask ? toks.indices.map { $0 >= len / 2 ? 1 : 0 } : nil
        return ShardSample(id: "d\(i)", source: "test", tokens: toks, lossMask: m)
    }
}

let tinyConfig = LlamaConfig(vocabSize: 32, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 2, numKVHeads: 1,
                             maxPositions: 64)

/// A heap copy of `a` that test closures can read while the checker perturbs it (no exclusivity conflicts).
/// Leaked on purpose: tests are short-lived.
func buf(_ a: [Float]) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: a.count)
    p.initialize(from: a, count: a.count)
    return p
}

/// A fixed batch for whole-model gradient checks: 2 rows of 8 tokens (ids below 32, seed 9), every third target
/// weighted 0. `loss()` is the weighted mean loss without gradients; `backward()` leaves its gradient in the model's
/// trainable gradients (the weights', or the adapter's).
struct GradientProbe {
    let model: LlamaModel
    let batch = 2, seqLen = 8
    let tokens: [Int32], targets: [Int32], weights: [Float]
    private let acts: Activations

    init(model: LlamaModel) {
        self.model = model
        acts = Activations(config: model.config, batch: batch, seqLen: seqLen)
        var r = NormalRandom(seed: 9)
        let n = batch * seqLen
        tokens = (0..<n).map { _ in Int32(r.nextU64() % 32) }
        targets = (0..<n).map { _ in Int32(r.nextU64() % 32) }
        weights = (0..<n).map { $0 % 3 == 1 ? 0 : 1 }
    }

    private var scale: Float { 1 / Float(weights.reduce(0, +)) }

    func loss() -> Double {
        model.forward(tokens: tokens, batch: batch, seqLen: seqLen, acts)
        return model.loss(targets: targets, weights: weights, scale: 1, gradient: false, acts) * Double(scale)
    }

    func backward() {
        model.zeroGrad()
        model.forward(tokens: tokens, batch: batch, seqLen: seqLen, acts)
        _ = model.loss(targets: targets, weights: weights, scale: scale, gradient: true, acts)
        model.backward(acts)
    }
}

/// Trains `c` once into `wholeDir`, and again into `c.outputDir` stopped after 2 steps and resumed from its latest
/// checkpoint; returns the losses of both and the two finished runs, to compare bitwise.
func wholeAndResumed(_ c: TrainConfig, wholeDir: String) throws -> (whole: [Double], resumed: [Double], wholeRun: TrainingRun, resumedRun: TrainingRun) {
    var cf = c
    cf.outputDir = wholeDir
    let full = try TrainingRun(config: cf)
    full.log = { _ in }
    let reference = try full.run()
    let first = try TrainingRun(config: c)
    first.log = { _ in }
    let head = try first.run(maxSteps: 2)
    guard let ck = TrainingRun.latestCheckpoint(outputDir: c.outputDir) else {
        throw TrainerError.checkpoint(file: c.outputDir, message: "no checkpoint after 2 steps")
    }
    let second = try TrainingRun(config: c, resumeFrom: ck)
    second.log = { _ in }
    let tail = try second.run()
    return (reference, head + tail, full, second)
}

/// A base checkpoint (`loraBase()`) in `dir/base` and 40 sample documents in `dir/a`; a short adapter-run config
/// starting from that base (batch 2, 8 tokens, accumulation 2, 2 warm-up steps) at learning rate `lr`.
func adapterRunConfig(_ d: TmpDir, steps: Int, lr: Double) throws -> TrainConfig {
    try writeDataset(d.path + "/a", sampleDocs(40))
    try Checkpoint.saveModel(try loraBase(), to: d.path + "/base")
    var c = TrainConfig(data: [.init(path: d.path + "/a")], outputDir: d.path + "/out")
    c.initFrom = d.path + "/base"
    c.steps = steps; c.batchSize = 2; c.seqLen = 8; c.gradAccum = 2; c.lr = lr; c.warmupSteps = 2
    c.shuffleBuffer = 4; c.logEvery = 0
    return c
}

/// The reference the importance-estimate tests compare with, written out by hand: for each of the first `windows`
/// 8-token windows of `data` (unshuffled, `seed`), the gradient of the window's mean token loss is left in
/// `model.grads` and `body` runs.
func byHandWindowGradients(model m: LlamaModel, data: String, windows: Int, seed: UInt64, _ body: () -> Void) throws {
    let mixer = try TrainingRun.mixer([.init(path: data)], readers: [try .init(directory: data)], seqLen: 8, seed: seed,
                                      shuffle: 1, state: nil)
    let acts = Activations(config: m.config, batch: 1, seqLen: 8)
    for _ in 0..<windows {
        let w = try mixer.next().window
        m.zeroGrad()
        m.forward(tokens: (0..<8).map { Int32(w.tokens[$0]) }, batch: 1, seqLen: 8, acts)
        _ = m.loss(targets: (1...8).map { Int32(w.tokens[$0]) }, weights: [Float](repeating: 1, count: 8), scale: 1.0 / 8, gradient: true, acts)
        m.backward(acts)
        body()
    }
}
