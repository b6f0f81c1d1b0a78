import Foundation
import Shards
import Testing
@testable import Trainer
import TestSupport

/// `pipeline train --overwrite` / `--resume` over an output_dir with checkpoints, and `--no-verify` on the CLI.
@Suite(.enabled(if: PipelineBinary.path != nil, "pipeline binary not built"))
struct IntegrityCLITests {
    func writeConfig(_ d: TmpDir, seqLen: Int = 8) throws -> String {
        let yaml = """
        data: shards
        model: {vocab_size: 32, hidden_size: 16, intermediate_size: 24, num_layers: 1, num_heads: 2, num_kv_heads: 1, max_positions: 32}
        steps: 2
        batch_size: 2
        seq_len: \(seqLen)
        shuffle_buffer: 4
        log_every: 1
        output_dir: run
        """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: d.path + "/train.yaml"))
        return d.path + "/train.yaml"
    }

    @Test func trainOverExistingCheckpointsNeedsResumeOrOverwrite() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/shards", sampleDocs(30))
        let yaml = try writeConfig(d)
        let out = d.path + "/run"
        let first = try PipelineBinary.run(["train", yaml, "--steps", "3"])
        #expect(first.status == 0, "\(first.out)")
        #expect(FileManager.default.fileExists(atPath: out + "/checkpoint-000003/" + CheckpointManifest.fileName))

        let again = try PipelineBinary.run(["train", yaml])
        #expect(again.status != 0)
        #expect(again.out.contains("--resume") && again.out.contains("--overwrite"), "\(again.out)")
        #expect(TrainingRun.latestCheckpoint(outputDir: out) == out + "/checkpoint-000003")

        let both = try PipelineBinary.run(["train", yaml, "--resume", "--overwrite"])
        #expect(both.status != 0)

        let fresh = try PipelineBinary.run(["train", yaml, "--overwrite"])
        #expect(fresh.status == 0, "\(fresh.out)")
        #expect(fresh.out.contains("steps 0..<2"))
        #expect(!FileManager.default.fileExists(atPath: out + "/checkpoint-000003"))
        #expect(TrainingRun.latestCheckpoint(outputDir: out) == out + "/checkpoint-000002")
        #expect(TrainingOutput.checkpoints(in: out) == ["checkpoint-000002"])
    }

    /// A flipped weight byte: `--resume` exits non-zero naming the file. A diverging run (absurd learning rate)
    /// exits non-zero at the first non-finite loss or gradient norm and writes no checkpoint.
    @Test func corruptCheckpointAndDivergenceExitNonZero() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/shards", sampleDocs(30))
        let yaml = try writeConfig(d)
        #expect(try PipelineBinary.run(["train", yaml]).status == 0)
        let weights = d.path + "/run/checkpoint-000002/model.safetensors"
        var b = try #require(FileManager.default.contents(atPath: weights))
        b[b.count - 5] ^= 0x08
        try b.write(to: URL(fileURLWithPath: weights))
        let resumed = try PipelineBinary.run(["train", yaml, "--resume", "--steps", "3"])
        #expect(resumed.status != 0)
        #expect(resumed.out.contains("checkpoint-000002/model.safetensors") && resumed.out.contains("sha256"), "\(resumed.out)")

        let wild = try String(contentsOfFile: yaml, encoding: .utf8) + "\noptimizer: {lr: 1.0e+30, grad_clip: 0}\n"
        try wild.replacingOccurrences(of: "output_dir: run", with: "output_dir: wild").write(toFile: yaml, atomically: true, encoding: .utf8)
        let diverged = try PipelineBinary.run(["train", yaml, "--steps", "6"])
        #expect(diverged.status != 0)
        #expect(diverged.out.contains("stopped without updating or saving"), "\(diverged.out)")
        #expect(TrainingOutput.checkpoints(in: d.path + "/wild").isEmpty)
    }

    @Test func seqLenAboveMaxPositionsExitsWithAConfigError() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/shards", sampleDocs(10))
        let r = try PipelineBinary.run(["train", try writeConfig(d, seqLen: 64)])
        #expect(r.status == 2)
        #expect(r.out.contains("seq_len 64") && r.out.contains("model.max_positions 32"), "\(r.out)")
    }

    /// An edited id in an uncompressed shard: export refuses it, `--no-verify` exports it.
    @Test func exportRefusesAModifiedShardUnlessNoVerify() throws {
        let d = TmpDir()
        var o = MDSShardWriter.Options()
        o.zstdLevel = nil
        let w = try MDSShardWriter(directory: d.path + "/s", options: o)
        for (k, var s) in sampleDocs(5).enumerated() {
            s.id = "sample-number-\(k)"
            try w.write(s)
        }
        try w.finish()
        let path = d.path + "/s/shard.00000.mds"
        var data = try #require(FileManager.default.contents(atPath: path))
        let at = try #require(data.range(of: Data("sample-number-3".utf8)))
        data[at.lowerBound] = UInt8(ascii: "x")
        try data.write(to: URL(fileURLWithPath: path))
        let refused = try PipelineBinary.run(["export", d.path + "/s", "--format", "jsonl", "-o", d.path + "/x.jsonl"])
        #expect(refused.status != 0)
        #expect(refused.out.contains("shard.00000.mds") && refused.out.contains("sha256"), "\(refused.out)")
        let skipped = try PipelineBinary.run(["export", d.path + "/s", "--format", "jsonl", "-o", d.path + "/x.jsonl", "--no-verify"])
        #expect(skipped.status == 0, "\(skipped.out)")
        #expect(try String(contentsOfFile: d.path + "/x.jsonl", encoding: .utf8).contains("\"xample-number-3\""))
    }
}
