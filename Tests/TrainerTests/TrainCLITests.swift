import Foundation
import Testing
@testable import Trainer
import TestSupport

/// The built `pipeline` binary: next to this test executable (whatever the build folder), else `.build/debug` or
/// `.build/release` of the package. Nil when it has not been built (`swift build` builds it; a filtered build may not).
enum PipelineBinary {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var path: String? {
        var candidates: [String] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent().appendingPathComponent("pipeline").path) }
        candidates += [".build/debug/pipeline", ".build/release/pipeline"].map { root.appendingPathComponent($0).path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ args: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path!)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// `pipeline train` and `pipeline generate` end to end on tiny shards written here.
@Suite(.enabled(if: PipelineBinary.path != nil, "pipeline binary not built"))
struct TrainCLITests {
    @Test func trainResumeAndGenerate() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/shards", sampleDocs(40))
        let yaml = """
        data: shards
        model: {vocab_size: 32, hidden_size: 16, intermediate_size: 24, num_layers: 2, num_heads: 2, num_kv_heads: 1, max_positions: 32}
        steps: 4
        batch_size: 2
        seq_len: 8
        shuffle_buffer: 4
        optimizer: {lr: 0.01}
        schedule: {warmup_steps: 1}
        checkpoint_every: 2
        log_every: 1
        threads: 2
        output_dir: run
        """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: d.path + "/train.yaml"))
        let out = d.path + "/run"

        let first = try PipelineBinary.run(["train", d.path + "/train.yaml"])
        #expect(first.status == 0, "\(first.out)")
        #expect(first.out.contains("steps 0..<4"))
        for s in ["checkpoint-000002", "checkpoint-000004"] {
            for f in ["model.safetensors", "config.json", "optimizer.safetensors"] {
                #expect(FileManager.default.fileExists(atPath: "\(out)/\(s)/\(f)"), "\(s)/\(f)")
            }
        }
        #expect(TrainingRun.latestCheckpoint(outputDir: out) == out + "/checkpoint-000004")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/checkpoint-000004/config.json"))) as? [String: Any]
        #expect(config?["architectures"] as? [String] == ["LlamaForCausalLM"])
        #expect(config?["num_key_value_heads"] as? Int == 1)

        // a second invocation with more steps resumes from the latest checkpoint
        let second = try PipelineBinary.run(["train", d.path + "/train.yaml", "--resume", "--steps", "6", "--threads", "1"])
        #expect(second.status == 0, "\(second.out)")
        #expect(second.out.contains("steps 4..<6"))
        #expect(TrainingRun.latestCheckpoint(outputDir: out) == out + "/checkpoint-000006")

        let lines = try String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
        for (i, line) in lines.enumerated() {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(o["step"] as? Int == i + 1)
            #expect((o["loss"] as? Double).map { $0.isFinite && $0 > 0 } == true)
            #expect(o["lr"] is Double && o["tokens_per_s"] != nil)
            #expect(o["tokens"] as? Int == (i + 1) * 16)
        }

        // generate from the output folder (its latest checkpoint): greedy, 5 ids, twice the same
        let gen = try PipelineBinary.run(["generate", out, "--prompt-ids", "3,4,5", "--max-new-tokens", "5"])
        #expect(gen.status == 0, "\(gen.out)")
        let ids = gen.out.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        #expect(ids.count <= 5 && !ids.isEmpty && ids.allSatisfy { (0..<32).contains($0) }, "\(gen.out)")
        #expect(try PipelineBinary.run(["generate", out, "--prompt-ids", "3,4,5", "--max-new-tokens", "5"]).out == gen.out)
    }
}
