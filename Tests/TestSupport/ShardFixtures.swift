import Foundation
import Shards

/// Shard datasets for tests: written with a manifest as the pipeline writes them, and read back.
public enum ShardFixtures {
    /// Writes `samples` into `dir` (MDS shards, index.json and manifest.json) and returns the index.
    @discardableResult
    public static func write(_ dir: String, _ samples: [ShardSample], sizeLimit: Int = 1 << 14, dtype: TokenDType = .uint16,
                             mask: Bool = false, vocab: Int = 1000, level: Int32? = MDSShardWriter.Options().zstdLevel,
                             fingerprint: String = "test-fp") throws -> MDSIndex {
        var o = MDSShardWriter.Options()
        o.sizeLimit = sizeLimit
        o.dtype = dtype
        o.lossMask = mask
        o.zstdLevel = level
        let w = try MDSShardWriter(directory: dir, options: o)
        for s in samples { try w.write(s) }
        let index = try w.finish()
        let m = ShardManifest(writerShards: w.shards, shardTokens: w.shardTokens, stats: w.stats, index: index.serialized(),
                              tokenizer: .init(fingerprint: fingerprint, vocabSize: vocab, eosID: 0), configHash: "cfg",
                              dtype: dtype, lossMask: mask)
        try m.write(directory: dir)
        return index
    }

    /// Every sample of the shard folder `dir`, in order.
    public static func readAll(_ dir: String) throws -> [ShardSample] {
        var out = [ShardSample]()
        try ShardReader(directory: dir).forEach { out.append($0); return true }
        return out
    }
}
