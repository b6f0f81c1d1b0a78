import Foundation
import Shards
import Trainer

// Fixtures of the evaluation and experiment tests: small shard folders and tiny models.

/// Writes a shard folder with a manifest.
public func writeShards(_ dir: String, _ samples: [ShardSample], mask: Bool = false, vocab: Int = 32) throws {
    try ShardFixtures.write(dir, samples, sizeLimit: 1 << 12, mask: mask, vocab: vocab, fingerprint: "test")
}

/// A model with every parameter zero: all logits are 0, so every target costs exactly ln(V) and argmax is id 0.
public func zeroModel(vocab: Int = 32, maxPositions: Int = 64) throws -> LlamaModel {
    try LlamaModel(config: LlamaConfig(vocabSize: vocab, hiddenSize: 16, intermediateSize: 24, numLayers: 1, numHeads: 2, numKVHeads: 1,
                                       maxPositions: maxPositions))
}

/// A randomly initialised model.
public func randomModel(vocab: Int = 32, seed: UInt64 = 7) throws -> LlamaModel {
    let m = try LlamaModel(config: LlamaConfig(vocabSize: vocab, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 2, numKVHeads: 1,
                                               maxPositions: 64))
    m.initialize(seed: seed, std: 0.5)
    return m
}

/// The repository root (for the bundled tokenizer).
public let repoRoot: String = {
    var u = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { u.deleteLastPathComponent() }
    return u.path
}()

public let sampleTokenizer = repoRoot + "/pipelines/tokenizers/medical-sample-bpe.json"
