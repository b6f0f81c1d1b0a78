#if canImport(Glibc)
import Glibc
#endif
import DomainForgeCore
import Foundation

/// Joins the MDS folders that a run wrote part by part into one dataset: shard files are hard-linked (copied when
/// linking fails) under consecutive global names, then `index.json` and `manifest.json` are written. Idempotent, so a
/// run killed while assembling simply assembles again.
public enum ShardAssembler {
    @discardableResult
    public static func assemble(parts: [String], into dir: String, tokenizer: ShardManifest.Tokenizer, configHash: String, dtype: TokenDType) throws -> ShardManifest {
        var infos = [MDSShardInfo]()
        var tokens = [Int]()
        var stats = ShardDatasetStats()
        var lossMask = false
        for part in parts {
            let (index, _) = try MDSIndex.load(directory: part)
            guard let m = try ShardManifest.load(directory: part) else { throw ShardError(file: part, message: "part has no manifest.json") }
            lossMask = lossMask || m.lossMask
            stats.merge(m.stats)
            for (k, var s) in index.shards.enumerated() {
                let number = String(format: "%05d", infos.count)
                let src = part + "/" + s.fileBasename
                s.rawBasename = "shard.\(number).mds"
                if s.zipBasename != nil { s.zipBasename = s.rawBasename + ".zstd" }
                let dst = dir + "/" + s.fileBasename
                unlink(dst)
                if link(src, dst) != 0 {
                    guard let bytes = readFile(src) else { throw ShardError(file: src, message: "cannot read part shard") }
                    let f = try AtomicOutputFile(path: dst)
                    try f.write(bytes)
                    try f.commit()
                }
                infos.append(s)
                tokens.append(k < m.shards.count ? m.shards[k].tokens : 0)
            }
        }
        let index = MDSIndex(shards: infos)
        let bytes = index.serialized()
        let f = try AtomicOutputFile(path: dir + "/" + MDSFormat.indexName)
        try f.write(bytes)
        try f.commit()
        let manifest = ShardManifest(writerShards: infos, shardTokens: tokens, stats: stats, index: bytes,
                                     tokenizer: tokenizer, configHash: configHash, dtype: dtype, lossMask: lossMask)
        try manifest.write(directory: dir)
        return manifest
    }
}
