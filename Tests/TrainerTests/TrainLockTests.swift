#if canImport(Glibc)
import Glibc
#endif
import DomainForgeCore
import Foundation
import Testing
import TestSupport

/// `pipeline train` takes `output_dir/train.lock`: a second trainer on the same output_dir refuses at once.
@Suite(.enabled(if: PipelineBinary.path != nil, "pipeline binary not built"))
struct TrainLockTests {
    @Test func trainRefusesAnOutputDirInUse() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/shards", sampleDocs(20))
        let yaml = """
        data: shards
        model: {vocab_size: 32, hidden_size: 16, intermediate_size: 24, num_layers: 1, num_heads: 2, num_kv_heads: 1, max_positions: 32}
        steps: 1
        batch_size: 2
        seq_len: 8
        threads: 1
        output_dir: run
        """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: d.path + "/train.yaml"))
        let held = try OutputLock(directory: d.path + "/run", name: "train.lock")
        let refused = try PipelineBinary.run(["train", d.path + "/train.yaml"])
        #expect(refused.status == 1)
        #expect(refused.out.contains("is in use by another run (process \(getpid())"), "\(refused.out)")
        #expect(!FileManager.default.fileExists(atPath: d.path + "/run/metrics.jsonl"))
        held.release()
        let ran = try PipelineBinary.run(["train", d.path + "/train.yaml"])
        #expect(ran.status == 0, "\(ran.out)")
        #expect(FileManager.default.fileExists(atPath: d.path + "/run/metrics.jsonl"))
    }
}
