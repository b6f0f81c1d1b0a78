import DomainForgeCore
import Evaluation
import Foundation
import Shards

/// Splits a shard folder into a training and a held-out folder by a hash of each sample's id (FNV-1a 64,
/// mixed with the seed): the same id always lands on the same side, whatever the order or the other samples. Both sides get at
/// least one sample when the folder has two or more. Streaming: one sample at a time; manifests are written.
public enum HeldOutSplit {
    /// Sample counts of the two sides.
    public struct Counts: Sendable, Equatable {
        public var train = 0
        public var heldout = 0
    }

    /// True when `id` belongs to the held-out side for `fraction`.
    public static func isHeldOut(id: String, fraction: Double, seed: UInt64) -> Bool {
        let h = CounterRandom.value(seed: Hashing.fnv1a64(Array(id.utf8)), stream: seed, counter: 0)
        return Double(h % 1_000_000) < fraction * 1_000_000
    }

    /// Writes `train` and `heldout` MDS folders (with manifests) from `source`. Existing folders are replaced.
    @discardableResult
    public static func split(source: String, train: String, heldout: String, fraction: Double, seed: UInt64,
                             shardSizeLimit: Int = 1 << 24) throws -> Counts {
        guard fraction > 0, fraction < 1 else { throw EvaluationError.config("held-out fraction must be in (0, 1), got \(fraction)") }
        let reader: ShardReader
        do { reader = try ShardReader(directory: source) } catch { throw EvaluationError.data("\(error)") }
        guard let manifest = reader.manifest else { throw EvaluationError.data("\(source) has no manifest.json (not written by this project)") }
        let total = reader.sampleCount
        guard total >= 2 else { throw EvaluationError.data("\(source) holds \(total) sample(s); a split needs at least 2") }
        let fm = FileManager.default
        for d in [train, heldout] where fm.fileExists(atPath: d) { try fm.removeItem(atPath: d) }
        var o = MDSShardWriter.Options()
        o.sizeLimit = shardSizeLimit
        o.dtype = reader.dtype
        o.lossMask = reader.hasLossMask
        let wt = try MDSShardWriter(directory: train, options: o), wh = try MDSShardWriter(directory: heldout, options: o)
        var c = Counts(), seen = 0
        try reader.forEach { s in
            seen += 1
            var held = isHeldOut(id: s.id, fraction: fraction, seed: seed)
            // the last sample keeps both sides non-empty
            if seen == total && c.heldout == 0 { held = true }
            if seen == total && c.train == 0 { held = false }
            if held { try wh.write(s); c.heldout += 1 } else { try wt.write(s); c.train += 1 }
            return true
        }
        for w in [wt, wh] {
            let index = try w.finish()
            let m = ShardManifest(writerShards: w.shards, shardTokens: w.shardTokens, stats: w.stats, index: index.serialized(),
                                  tokenizer: manifest.tokenizer, configHash: manifest.configHash, dtype: reader.dtype, lossMask: reader.hasLossMask)
            try m.write(directory: w.directory)
        }
        return c
    }
}
