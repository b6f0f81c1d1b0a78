import Foundation
import Shards
import Testing
@testable import Trainer
import TestSupport

/// Checkpoints carry a sha256 manifest that resuming checks; NaN/Inf in loaded tensors or in a step's loss stops
/// training; safetensors headers are checked against the file; shard hashes are checked by the trainer's reader.
@Suite struct IntegrityTests {
    func config(_ dir: String, steps: Int = 2) -> TrainConfig {
        var c = TrainConfig(data: [.init(path: dir + "/a")], outputDir: dir + "/out", model: tinyConfig)
        c.steps = steps; c.batchSize = 2; c.seqLen = 8; c.lr = 1e-2; c.warmupSteps = 1; c.shuffleBuffer = 4; c.logEvery = 0
        return c
    }

    /// A finished two-step run; returns its config and latest checkpoint folder.
    func trainedRun(_ d: TmpDir) throws -> (TrainConfig, String) {
        try writeDataset(d.path + "/a", sampleDocs(30))
        let c = config(d.path)
        let run = try TrainingRun(config: c)
        run.log = { _ in }
        try run.run()
        return (c, try #require(TrainingRun.latestCheckpoint(outputDir: c.outputDir)))
    }

    /// XORs one byte of a file in place.
    func flip(_ path: String, at i: Int, mask: UInt8 = 0x04) throws {
        var b = [UInt8](FileManager.default.contents(atPath: path)!)
        b[i] ^= mask
        try Data(b).write(to: URL(fileURLWithPath: path))
    }

    /// The first byte of a safetensors file's data section.
    func dataStart(_ path: String) -> Int {
        let b = [UInt8](FileManager.default.contents(atPath: path)!)
        return 8 + (0..<8).reduce(0) { $0 | Int(b[$1]) << (8 * $1) }
    }

    @Test func checkpointsCarryAManifestThatResumeChecks() throws {
        let d = TmpDir()
        let (c, ck) = try trainedRun(d)
        let listed = try #require(try CheckpointManifest.load(directory: ck))
        #expect(Set(listed.keys) == ["config.json", "model.safetensors", "optimizer.safetensors", "domainforge_state.json"])
        #expect(try CheckpointManifest.verify(directory: ck))
        var more = c
        more.steps = 3
        let resumed = try TrainingRun(config: more, resumeFrom: ck)
        #expect(resumed.step == 2)
    }

    @Test(arguments: ["model.safetensors", "optimizer.safetensors", "domainforge_state.json"])
    func aFlippedByteRefusesResumeNamingTheFile(_ file: String) throws {
        let d = TmpDir()
        let (c, ck) = try trainedRun(d)
        let path = ck + "/" + file
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        if file.hasSuffix(".safetensors") {
            // a byte inside the data (a weight, a moment): the file still parses, so only the hash sees it
            try flip(path, at: dataStart(path) + (size - dataStart(path)) / 2 + 1)
        } else {
            // a space after the opening brace: the same JSON, other bytes
            var text = try String(contentsOfFile: path, encoding: .utf8)
            text.insert(" ", at: text.index(after: text.startIndex))
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        var more = c
        more.steps = 3
        #expect(performing: { try TrainingRun(config: more, resumeFrom: ck) }, throws: { e in
            guard case .checkpoint(let f, let m) = e as? TrainerError else { return false }
            return f == path && m.contains("sha256")
        })
        // eval, generate and fisher load through Checkpoint.loadModel, which checks the model files too
        if file == "model.safetensors" {
            #expect(throws: TrainerError.self) { try Checkpoint.loadModel(from: ck) }
        }
    }

    /// A folder without a manifest (older runs, Hugging Face folders) loads unchecked.
    @Test func aCheckpointWithoutManifestLoadsUnchecked() throws {
        let d = TmpDir()
        let (c, ck) = try trainedRun(d)
        try FileManager.default.removeItem(atPath: ck + "/" + CheckpointManifest.fileName)
        #expect(try !CheckpointManifest.verify(directory: ck))
        var more = c
        more.steps = 3
        #expect(try TrainingRun(config: more, resumeFrom: ck).step == 2)
        _ = try Checkpoint.loadModel(from: ck)
    }

    /// NaN in the optimizer moments (manifest rewritten to match, so only the value check can see it) refuses.
    @Test func nanInOptimizerStateRefusesResume() throws {
        let d = TmpDir()
        let (c, ck) = try trainedRun(d)
        let path = ck + "/optimizer.safetensors"
        var b = [UInt8](FileManager.default.contents(atPath: path)!)
        let at = dataStart(path) + 4 * 7
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { for k in 0..<4 { b[at + k] = $0[k] } }
        try Data(b).write(to: URL(fileURLWithPath: path))
        try CheckpointManifest.write(directory: ck, files: Array(try #require(try CheckpointManifest.load(directory: ck)).keys))
        var more = c
        more.steps = 3
        #expect(performing: { try TrainingRun(config: more, resumeFrom: ck) }, throws: { e in
            guard case .checkpoint(let f, let m) = e as? TrainerError else { return false }
            return f == path && m.contains("exp_avg[7]") && m.contains("nan")
        })
    }

    /// A NaN loss stops the run with `diverged`, before any update, and no checkpoint is written.
    @Test func nanLossStopsWithoutWritingACheckpoint() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(30))
        var c = config(d.path, steps: 4)
        c.checkpointEvery = 1
        let run = try TrainingRun(config: c)
        run.log = { _ in }
        try run.run(maxSteps: 1)
        let before = Array(run.model.params)
        run.model.params[run.model.layout.tensors.last!.offset] = .nan
        #expect(performing: { try run.run() }, throws: { e in
            guard case .diverged(let s, let m) = e as? TrainerError else { return false }
            return s == 2 && m.contains("nan")
        })
        #expect(run.step == 1)
        #expect(zip(Array(run.model.params), before).filter { $0.0 != $0.1 }.count == 1)  // only the injected NaN
        #expect(!FileManager.default.fileExists(atPath: c.outputDir + "/checkpoint-000002"))
        #expect(TrainingRun.latestCheckpoint(outputDir: c.outputDir) == c.outputDir + "/checkpoint-000001")
    }

    /// Header entries must lie inside the file, match F32 × shape and cover the data exactly.
    @Test func safetensorsHeaderBoundsAreChecked() throws {
        let d = TmpDir()
        func file(_ header: String, dataBytes: Int) throws -> String {
            var h = Array(header.utf8)
            while h.count % 8 != 0 { h.append(0x20) }
            var b = [UInt8]()
            withUnsafeBytes(of: UInt64(h.count).littleEndian) { b.append(contentsOf: $0) }
            b += h + [UInt8](repeating: 0, count: dataBytes)
            let p = d.path + "/t\(UUID().uuidString).safetensors"
            try Data(b).write(to: URL(fileURLWithPath: p))
            return p
        }
        let ok = try file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, dataBytes: 12)
        #expect(try Safetensors.read(path: ok).count == 2)
        let bad = [
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 8, "overlap"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 12, "cover"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, 8, "outside"),
            (#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 16, "needs 12"),
            (#"{"a":{"dtype":"F32","shape":[-2,-1],"data_offsets":[0,8]}}"#, 8, "non-negative"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, 8, "outside"),
        ]
        for (header, n, word) in bad {
            let p = try file(header, dataBytes: n)
            #expect("\(header)", performing: { try Safetensors.read(path: p) }, throws: { e in
                guard case .checkpoint(let f, let m) = e as? TrainerError else { return false }
                return f == p && m.contains(word)
            })
        }
    }

    /// Seeded flips in a compressed shard stop training with an error naming the shard file.
    @Test func aFlippedShardByteStopsTraining() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(30))
        let shard = d.path + "/a/shard.00000.mds.zstd"
        let orig = try #require(FileManager.default.contents(atPath: shard))
        for k in 0..<8 {
            let i = CounterRandom.below(orig.count, seed: 11, stream: 1, counter: UInt64(k))
            try flip(shard, at: i, mask: 0x01 << UInt8(k))
            let run = try TrainingRun(config: config(d.path))
            run.log = { _ in }
            #expect(performing: { try run.trainStep() }, throws: { "\($0)".contains("shard.00000.mds.zstd") })
            try flip(shard, at: i, mask: 0x01 << UInt8(k))
        }
        #expect(FileManager.default.contents(atPath: shard) == orig)
    }

    @Test func seqLenAboveMaxPositionsIsAConfigError() throws {
        let y = """
        data: shards
        model: {vocab_size: 32, hidden_size: 16, intermediate_size: 24, num_layers: 2, num_heads: 2, max_positions: 128}
        seq_len: 4096
        output_dir: run
        """
        #expect(performing: { try TrainConfig.parse(yaml: y) }, throws: { e in
            guard case .config(let m) = e as? TrainerError else { return false }
            return m.contains("seq_len 4096") && m.contains("model.max_positions 128")
        })
        // without max_positions the default grows to seq_len
        let c = try TrainConfig.parse(yaml: y.replacingOccurrences(of: ", max_positions: 128", with: ""))
        #expect(c.model?.maxPositions == 4096)
    }
}
