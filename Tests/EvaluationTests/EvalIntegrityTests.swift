import TestSupport
import Foundation
import Shards
import Testing
@testable import Evaluation
@testable import Trainer

/// `pipeline eval` refuses damaged shard files and checkpoints, naming the file.
@Suite struct EvalIntegrityTests {
    /// XORs one byte of a file in place.
    func flip(_ path: String, at i: Int, mask: UInt8) throws {
        let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seek(toOffset: UInt64(i))
        let b = try #require(try h.read(upToCount: 1)?.first)
        try h.seek(toOffset: UInt64(i))
        try h.write(contentsOf: Data([b ^ mask]))
    }

    /// 24 seeded single-bit flips in a compressed shard: scoring the folder refuses each, naming the shard.
    @Test func flippedShardBytesAreRefused() throws {
        let d = TmpDir()
        let samples = (0..<40).map { i in ShardSample(id: "s\(i)", source: "s", tokens: (0..<(5 + i % 9)).map { UInt32(($0 * 7 + i) % 31) }) }
        try writeShards(d.path + "/cpt", samples)
        let shard = d.path + "/cpt/shard.00000.mds.zstd"
        let size = try #require(FileManager.default.attributesOfItem(atPath: shard)[.size] as? Int)
        let scorer = try TokenScorer(model: try zeroModel(), batchSize: 2, seqLen: 8)
        let clean = try ShardEvaluator(scorer: scorer).evaluate(directory: d.path + "/cpt", label: "x")
        for k in 0..<24 {
            let i = CounterRandom.below(size, seed: 21, stream: 0, counter: UInt64(k))
            try flip(shard, at: i, mask: 0x01 << UInt8(k % 8))
            #expect(performing: { try ShardEvaluator(scorer: scorer).evaluate(directory: d.path + "/cpt", label: "x") },
                    throws: { "\($0)".contains("shard.00000.mds.zstd") })
            try flip(shard, at: i, mask: 0x01 << UInt8(k % 8))
        }
        #expect(try ShardEvaluator(scorer: scorer).evaluate(directory: d.path + "/cpt", label: "x").tokens == clean.tokens)
    }

    /// A changed byte in model.safetensors of a checkpoint with a manifest is refused by the Evaluator.
    @Test func modifiedCheckpointIsRefused() throws {
        let d = TmpDir()
        try Checkpoint.saveModel(try randomModel(), to: d.path + "/ckpt")
        let path = d.path + "/ckpt/model.safetensors"
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        try flip(path, at: size - 3, mask: 0x02)
        #expect(performing: { try Evaluator(checkpoint: d.path + "/ckpt", options: .init()) },
                throws: { "\($0)".contains("model.safetensors") && "\($0)".contains("sha256") })
        try flip(path, at: size - 3, mask: 0x02)
        _ = try Evaluator(checkpoint: d.path + "/ckpt", options: .init())
    }
}
