import Foundation
import Shards
import Trainer

/// A temporary folder removed when the value goes away.
final class TmpDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "experiments-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func write(_ name: String, _ text: String) throws {
        let p = path + "/" + name
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
    }
}

/// Writes a shard folder with a manifest.
func writeShards(_ dir: String, _ samples: [ShardSample], mask: Bool = false, vocab: Int = 32) throws {
    var o = MDSShardWriter.Options()
    o.sizeLimit = 1 << 12
    o.lossMask = mask
    let w = try MDSShardWriter(directory: dir, options: o)
    for s in samples { try w.write(s) }
    let index = try w.finish()
    let m = ShardManifest(writerShards: w.shards, shardTokens: w.shardTokens, stats: w.stats, index: index.serialized(),
                          tokenizer: .init(fingerprint: "test", vocabSize: vocab, eosID: 0), configHash: "cfg", dtype: .uint16, lossMask: mask)
    try m.write(directory: dir)
}

/// A model with every parameter zero: all logits are 0, so every target costs exactly ln(V) and argmax is id 0.
func zeroModel(vocab: Int = 32, maxPositions: Int = 64) throws -> LlamaModel {
    try LlamaModel(config: LlamaConfig(vocabSize: vocab, hiddenSize: 16, intermediateSize: 24, numLayers: 1, numHeads: 2, numKVHeads: 1,
                                       maxPositions: maxPositions))
}

/// A randomly initialised model.
func randomModel(vocab: Int = 32, seed: UInt64 = 7) throws -> LlamaModel {
    let m = try LlamaModel(config: LlamaConfig(vocabSize: vocab, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 2, numKVHeads: 1,
                                               maxPositions: 64))
    m.initialize(seed: seed, std: 0.5)
    return m
}

/// The repository root (for the bundled tokenizer).
let repoRoot: String = {
    var u = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { u.deleteLastPathComponent() }
    return u.path
}()

let sampleTokenizer = repoRoot + "/pipelines/tokenizers/medical-sample-bpe.json"
