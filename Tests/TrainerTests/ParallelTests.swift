import DomainForgeCore
import Foundation
import Shards
import Testing
import NumericTolerance
@testable import Trainer
import TestSupport

/// Data parallelism inside a step (BatchParallel) and incremental decoding (KVCache).
@Suite struct ParallelTests {
    func config(_ dir: String, data: [TrainConfig.Source], threads: Int, steps: Int = 6) -> TrainConfig {
        var c = TrainConfig(data: data, outputDir: dir + "/out", model: tinyConfig)
        c.steps = steps; c.batchSize = 4; c.seqLen = 8; c.gradAccum = 2; c.lr = 1e-2; c.warmupSteps = 2
        c.shuffleBuffer = 4; c.logEvery = 0; c.threads = threads
        return c
    }

    func train(_ c: TrainConfig) throws -> (losses: [Double], params: [Float]) {
        let r = try TrainingRun(config: c)
        r.log = { _ in }
        let l = try r.run()
        return (l, Array(r.model.params))
    }

    /// Two threads give the losses of one thread up to float rounding, and bitwise the same run twice.
    @Test func twoThreadsMatchOneAndAreDeterministic() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(40, mask: true), mask: true)
        let data: [TrainConfig.Source] = [.init(path: d.path + "/a")]
        let one = try train(config(d.path + "/1", data: data, threads: 1))
        let twoA = try train(config(d.path + "/2a", data: data, threads: 2))
        let twoB = try train(config(d.path + "/2b", data: data, threads: 2))
        #expect(twoA.losses == twoB.losses)
        #expect(twoA.params == twoB.params)
        #expect(one.losses.count == 6 && twoA.losses.count == 6)
        for (a, b) in zip(one.losses, twoA.losses) { #expect(abs(a - b) <= 1e-5 * abs(a), "\(a) vs \(b)") }
        var worst: Float = 0
        for (a, b) in zip(one.params, twoA.params) { worst = max(worst, abs(a - b)) }
        #expect(worst < 1e-4)
    }

    /// A run with two threads interrupted and resumed gives bitwise the losses and weights of an uninterrupted one.
    @Test func resumeWithTwoThreadsIsBitwiseIdentical() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(40, seed: 3))
        let data: [TrainConfig.Source] = [.init(path: d.path + "/a")]
        let full = try train(config(d.path + "/full", data: data, threads: 2))
        let c = config(d.path + "/split", data: data, threads: 2)
        let first = try TrainingRun(config: c)
        first.log = { _ in }
        let head = try first.run(maxSteps: 2)
        let second = try TrainingRun(config: c, resumeFrom: try #require(TrainingRun.latestCheckpoint(outputDir: c.outputDir)))
        second.log = { _ in }
        let tail = try second.run()
        #expect(head + tail == full.losses)
        #expect(Array(second.model.params) == full.params)
    }

    /// metrics.jsonl after a resume lists each step once: lines a killed run logged past its checkpoint are dropped,
    /// and a fresh run into the same folder starts the file again.
    @Test func resumedMetricsListEachStepOnce() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(40, seed: 4))
        let c = config(d.path + "/m", data: [.init(path: d.path + "/a")], threads: 1, steps: 5)
        let first = try TrainingRun(config: c)
        first.log = { _ in }
        _ = try first.run(maxSteps: 2)
        let path = c.outputDir + "/metrics.jsonl"
        // as if the run had gone on logging steps 3 and 4 before being killed
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data("{\"step\":3,\"loss\":9}\n{\"step\":4,\"loss\":9}\n".utf8))
        try h.close()
        let second = try TrainingRun(config: c, resumeFrom: try #require(TrainingRun.latestCheckpoint(outputDir: c.outputDir)))
        second.log = { _ in }
        _ = try second.run()
        func steps() throws -> [Int] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
                try #require(try JSONParser.parse(String(line))["step"]?.intValue)
            }
        }
        #expect(try steps() == [1, 2, 3, 4, 5])
        #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains("\"loss\":9}"))
        let fresh = try TrainingRun(config: c)
        fresh.log = { _ in }
        _ = try fresh.run(maxSteps: 1)
        #expect(try steps() == [1])
    }

    /// The reduced gradient of a batch split over 3 workers (uneven slices 1/1/2... of 5 sequences) equals the
    /// single-worker gradient up to rounding; the loss sums agree.
    @Test func splitBatchGradientEqualsWholeBatch() throws {
        let m = try LlamaModel(config: tinyConfig)
        m.initialize(seed: 9, std: 0.3)
        let B = 5, T = 7, N = B * T
        var r = NormalRandom(seed: 4)
        let x = (0..<N).map { _ in Int32(r.nextU64() % 32) }, y = (0..<N).map { _ in Int32(r.nextU64() % 32) }
        let w = (0..<N).map { Float($0 % 3 == 0 ? 0 : 1) }
        let single = BatchParallel(model: m, batch: B, seqLen: T, workers: 1)
        single.zeroGrad()
        let l1 = single.accumulate(inputs: x, targets: y, weights: w, scale: 0.1)
        let g1 = Array(m.grads)
        let multi = BatchParallel(model: m, batch: B, seqLen: T, workers: 3)
        #expect(multi.workers == 3)
        multi.zeroGrad()
        let l3 = multi.accumulate(inputs: x, targets: y, weights: w, scale: 0.1)
        multi.reduceGradients()
        // Splitting the batch changes the BLAS shapes, so the kernels may round differently: float32 bounds, not bits.
        let lossTol = FloatTolerance.forward(tinyConfig, seqLen: T), gradTol = FloatTolerance.backward(tinyConfig, seqLen: T)
        #expect(abs(l1 - l3) <= lossTol * abs(l1), "loss \(l1) vs \(l3)")
        var worst: Float = 0, largest: Float = 0
        for (a, b) in zip(g1, Array(m.grads)) { worst = max(worst, abs(a - b)); largest = max(largest, abs(a)) }
        #expect(largest > 0 && Double(worst) <= gradTol * Double(largest), "max diff \(worst), largest \(largest)")
        let l3e = multi.lossSum(inputs: x, targets: y, weights: w)
        #expect(abs(l3e - l1) <= lossTol * abs(l1), "loss \(l1) vs \(l3e)")
        #expect(abs(l3e - l3) <= lossTol * abs(l3), "the same split with and without gradients")
    }

    // ------------------------------------------------------------------------
    // KV cache

    func peakedModel(maxPositions: Int = 64) throws -> LlamaModel {
        var c = tinyConfig
        c.maxPositions = maxPositions
        let m = try LlamaModel(config: c)
        m.initialize(seed: 21, std: 0.4)         // large weights: peaked logits, no near-ties in greedy decoding
        return m
    }

    /// Logits of a prefill plus single-token steps equal the full forward's rows.
    @Test func cachedLogitsEqualFullForward() throws {
        let m = try peakedModel()
        let toks: [Int32] = [3, 17, 5, 9, 30, 2, 11, 4, 8, 1]
        let g = Generator(model: m)
        let full = g.logits(toks), V = 32
        let cache = KVCache(model: m)
        var worst: Float = 0
        for (t, piece) in [(4, Array(toks[0..<5])), (5, [toks[5]]), (6, [toks[6]]), (9, Array(toks[7..<10]))] {
            let row = m.forwardCached(piece, cache: cache)
            for j in 0..<V { worst = max(worst, abs(row[j] - full[t * V + j])) }
        }
        #expect(cache.length == 10)
        #expect(worst < 1e-4, "max diff \(worst)")
    }

    /// Greedy decoding with the cache gives the tokens of decoding without it, also past maxPositions (where the
    /// cached decoder falls back to recomputing the window).
    @Test func greedyWithCacheEqualsWithout() throws {
        for (maxPos, prompt, new) in [(64, [Int32](arrayLiteral: 5, 6, 7), 40), (16, [Int32](arrayLiteral: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 12)] {
            let m = try peakedModel(maxPositions: maxPos)
            var o = Generator.Options()
            o.maxNewTokens = new
            let cached = Generator(model: m).generate(prompt: prompt, options: o)
            o.useCache = false
            let plain = Generator(model: m).generate(prompt: prompt, options: o)
            #expect(cached.count == new)
            #expect(cached == plain)
            #expect(Set(cached).count > 1, "a degenerate model repeating one token proves little")
        }
    }
}
