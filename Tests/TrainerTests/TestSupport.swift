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
