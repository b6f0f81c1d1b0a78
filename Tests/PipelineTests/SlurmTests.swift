import TestSupport
import DomainForgeCore
import Foundation
import PipelineConfig
import PipelineRunner
import Testing

/// `pipeline slurm` and `pipeline status` on a real one-node Slurm (`scripts/start-slurm.sh`, which `.ci/run`
/// runs). Skips visibly when no Slurm node is idle here.
enum SlurmProbe {
    static let nodeIdle: Bool = {
        guard SlurmClient.available, let sinfo = SlurmClient.which("sinfo") else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sinfo)
        p.arguments = ["-h", "-N", "-o", "%t"]
        let o = Pipe()
        p.standardOutput = o
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        let out = String(decoding: o.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return ["idle", "mix", "alloc"].contains { out.contains($0) }
    }()
}

@Suite(.serialized, .enabled(if: CLI.binary != nil, "pipeline binary not built"),
       .enabled(if: SlurmProbe.nodeIdle, "no idle Slurm node here (bash scripts/start-slurm.sh starts one)"))
struct SlurmTests {
    /// The bundled global-dedup example and its tokenize phase, reading the bundled corpora, writing under `d`
    /// (plain JSONL so the test can read the documents).
    static func writeExample(_ d: TempDir, out: String, tokensOut: String, prefix: String) throws {
        let root = CLI.root.path
        var phase1 = try String(contentsOfFile: root + "/pipelines/medical-dedup-global.yaml", encoding: .utf8)
        phase1 = phase1.replacingOccurrences(of: "../corpora/", with: root + "/corpora/")
            .replacingOccurrences(of: "../out/medical-dedup-global", with: d.path + "/" + out)
            .replacingOccurrences(of: "compression: zstd", with: "compression: none")
            .replacingOccurrences(of: "next: medical-dedup-global-tokens.yaml", with: "next: \(prefix)-tokens.yaml")
        var phase2 = try String(contentsOfFile: root + "/pipelines/medical-dedup-global-tokens.yaml", encoding: .utf8)
        phase2 = phase2.replacingOccurrences(of: "../out/medical-dedup-global/documents", with: d.path + "/" + out + "/documents")
            .replacingOccurrences(of: "../out/medical-dedup-global-tokens", with: d.path + "/" + tokensOut)
            .replacingOccurrences(of: "tokenizers/", with: root + "/pipelines/tokenizers/")
            .replacingOccurrences(of: "compression: zstd", with: "compression: none")
        d.write("\(prefix).yaml", phase1)
        d.write("\(prefix)-tokens.yaml", phase2)
    }

    static func ids(_ d: TempDir, _ folder: String) throws -> [String] {
        try d.files(folder).filter { $0.hasSuffix(".jsonl") }.flatMap { f in
            try d.lines("\(folder)/\(f)").map { try #require(JSONParser.parse($0)["id"]?.stringValue) }
        }.sorted()
    }

    static func status(_ out: String) throws -> JSONValue {
        let r = try CLI.run(["status", out, "--json"])
        #expect(r.status == 0, "\(r.err)")
        return try JSONParser.parse(r.out)
    }

    @Test func twoTasksDedupAndNextPhaseMatchALocalRun() throws {
        let d = TempDir()
        try Self.writeExample(d, out: "out/slurm", tokensOut: "out/slurm-tokens", prefix: "slurm")
        try Self.writeExample(d, out: "out/local", tokensOut: "out/local-tokens", prefix: "local")
        let local = try CLI.run(["run", d.path + "/local.yaml", "--no-progress"])
        #expect(local.status == 0, "\(local.err)")
        // the global step split over 2 jobs, then merged
        let r = try CLI.run(["slurm", d.path + "/slurm.yaml", "--tasks", "2", "--max-parallel", "2", "--time", "00:10:00",
                             "--dedup-tasks", "2", "--wait"])
        #expect(r.status == 0, "\(r.out)\n\(r.err)")
        #expect(r.out.components(separatedBy: "submitted job").count - 1 == 4, "ranks, dedup splits, dedup merge, next phase: \(r.out)")
        #expect(FileManager.default.fileExists(atPath: d.path + "/out/slurm/dedup/minhash_dedup_global/links/links-0001-of-0002.bin"))
        let kept = try Self.ids(d, "out/slurm/documents")
        let localKept = try Self.ids(d, "out/local/documents")
        #expect(!kept.isEmpty && kept == localKept)
        let tokens = try Self.ids(d, "out/slurm-tokens/documents"), localTokens = try Self.ids(d, "out/local-tokens/documents")
        #expect(!tokens.isEmpty && tokens == localTokens)
        let s = try Self.status(d.path + "/out/slurm")
        #expect(s["world_size"]?.intValue == 2)
        #expect(s["ranks"]?.arrayValue?.map { $0["state"]?.stringValue } == ["complete", "complete"])
        #expect(s["dedup_global"]?["state"]?.stringValue == "complete")
        // submitting again finds nothing to do
        let again = try CLI.run(["slurm", d.path + "/slurm.yaml", "--tasks", "2"])
        #expect(again.status == 0 && again.out.contains("nothing to submit"), "\(again.out)")
    }

    /// Many small parts so a rank runs long enough to be cancelled in the middle.
    static func writeSlowCorpus(_ d: TempDir) {
        for f in 0..<240 {
            var text = ""
            for k in 0..<40 { text += "{\"id\":\"f\(f)-\(k)\",\"text\":\"Document \(k) of file \(f): the patient was seen on day \(k * 7 + f) and given \(f % 9 + 1) doses.\"}\n" }
            d.write("in/f\(String(format: "%04d", f)).jsonl", text)
        }
        d.write("slow.yaml", """
            version: 1
            name: slow
            inputs:
              - path: in
                format: jsonl
            stages:
              - type: normalize
              - type: exact_dedup
            output:
              path: out/slurm
              compression: none
            execution:
              workers: 1
              chunk_files: 1
            """)
        d.write("slow-local.yaml", String(decoding: d.read("slow.yaml")!, as: UTF8.self).replacingOccurrences(of: "out/slurm", with: "out/local"))
    }

    @Test func aCancelledTaskResumesOnResubmissionToTheSameBytes() throws {
        let d = TempDir()
        Self.writeSlowCorpus(d)
        for rank in 0..<2 {
            let r = try CLI.run(["run", d.path + "/slow-local.yaml", "--rank", "\(rank)", "--world-size", "2", "--no-progress"])
            #expect(r.status == 0, "\(r.err)")
        }
        let r = try CLI.run(["slurm", d.path + "/slow.yaml", "--tasks", "2"])
        #expect(r.status == 0, "\(r.err)")
        let job = try #require(r.out.split(separator: " ").dropFirst(2).first.map { String($0.dropLast()) }, "\(r.out)")
        // cancel rank 1 once it has finished a part, before it has finished them all
        let state = d.path + "/out/slurm/state/rank-00001.sqlite"
        var cancelled = false
        for _ in 0..<1200 {
            if let s = try? RunStatus.read(outputDir: d.path + "/out/slurm", worldSize: 2, client: nil), s.ranks[1].partsDone >= 2,
               FileManager.default.fileExists(atPath: state) {
                #expect(s.ranks[1].state != .complete, "rank 1 finished before it could be cancelled; make the corpus larger")
                try SlurmClient().cancel(["\(job)_1"])
                cancelled = true
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(cancelled)
        while try !SlurmClient().queued([job]).isEmpty { Thread.sleep(forTimeInterval: 0.2) }
        let s = try Self.status(d.path + "/out/slurm")
        #expect(s["ranks"]?.arrayValue?[1]["state"]?.stringValue == "failed", "\(s.serialized())")
        let again = try CLI.run(["slurm", d.path + "/slow.yaml", "--tasks", "2", "--wait"])
        #expect(again.status == 0, "\(again.out)\n\(again.err)")
        #expect(again.out.contains("ranks 1 ("), "only the cancelled rank is submitted again: \(again.out)")
        for folder in ["documents", "rejects", "errors", "stats"] {
            #expect(folderBytes(d, "out/slurm/\(folder)") == folderBytes(d, "out/local/\(folder)"), "\(folder)")
        }
    }

    @Test func statusNamesAFailedTaskAndWaitExitsNonZero() throws {
        let d = TempDir()
        try Self.writeExample(d, out: "out/slurm", tokensOut: "out/slurm-tokens", prefix: "slurm")
        // rank 1's run state is not a database: that task fails
        d.write("out/slurm/state/rank-00001.sqlite", String(repeating: "not a database ", count: 100))
        let r = try CLI.run(["slurm", d.path + "/slurm.yaml", "--tasks", "2", "--wait"])
        #expect(r.status == 1)
        #expect(r.err.contains("rank 1: failed"), "\(r.err)")
        let s = try Self.status(d.path + "/out/slurm")
        let ranks = try #require(s["ranks"]?.arrayValue)
        #expect(ranks[0]["state"]?.stringValue == "complete")
        #expect(ranks[1]["state"]?.stringValue == "failed")
        #expect((ranks[1]["exit_code"]?.intValue ?? 0) != 0)
        let log = try #require(ranks[1]["log"]?.stringValue)
        #expect(FileManager.default.fileExists(atPath: log))
        #expect(ranks[1]["last_error"]?.stringValue?.lowercased().contains("error") == true, "\(s.serialized())")
        let table = try CLI.run(["status", d.path + "/out/slurm"])
        #expect(table.out.contains("1 failed") && table.out.contains("failed: rank 1: failed (exit"), "\(table.out)")
    }
}

/// `next:` chains without a scheduler: loading, checks, and local runs of every phase.
@Suite struct PhaseChainTests {
    static func write(_ d: TempDir, nextReads: String) {
        d.write("in/a.jsonl", "{\"id\":\"a\",\"text\":\"alpha beta gamma\"}\n{\"id\":\"b\",\"text\":\"delta epsilon\"}\n")
        d.write("one.yaml", "inputs: [{path: in, format: jsonl}]\noutput: {path: out/one, compression: none}\nnext: two.yaml\n")
        d.write("two.yaml", "inputs: [{path: \(nextReads), format: jsonl}]\noutput: {path: out/two, compression: none}\n")
    }

    @Test func aChainLoadsInOrderAndNextIsNotPartOfTheConfigHash() throws {
        let d = TempDir()
        Self.write(d, nextReads: "out/one/documents")
        let chain = try PhaseChain.load(path: d.path + "/one.yaml")
        #expect(chain.phases.map { ($0.configPath as NSString).lastPathComponent } == ["one.yaml", "two.yaml"])
        d.write("alone.yaml", "inputs: [{path: in, format: jsonl}]\noutput: {path: out/one, compression: none}\n")
        #expect(try PipelineSpec.load(path: d.path + "/alone.yaml").configHash == chain.phases[0].spec.configHash)
    }

    @Test func aPhaseThatDoesNotReadThePreviousOutputIsRefusedWithThePathToAdd() throws {
        let d = TempDir()
        Self.write(d, nextReads: "in")
        #expect {
            try PhaseChain.load(path: d.path + "/one.yaml")
        } throws: { e in
            "\(e)".contains("does not read this phase's output") && "\(e)".contains("out/one/documents")
        }
    }

    @Test func aLoopIsRefused() throws {
        let d = TempDir()
        Self.write(d, nextReads: "out/one/documents")
        d.write("two.yaml", "inputs: [{path: out/one/documents, format: jsonl}]\noutput: {path: out/two, compression: none}\nnext: one.yaml\n")
        #expect { try PhaseChain.load(path: d.path + "/one.yaml") } throws: { "\($0)".contains("a loop") }
    }

    @Test(.enabled(if: CLI.binary != nil, "pipeline binary not built"))
    func runRunsEveryPhaseAndNoNextRunsOne() throws {
        let d = TempDir()
        Self.write(d, nextReads: "out/one/documents")
        let r = try CLI.run(["run", d.path + "/one.yaml", "--no-progress"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("== phase 2 of 2"))
        #expect(FileManager.default.fileExists(atPath: d.path + "/out/two/completions/rank-00000"))
        let other = TempDir()
        Self.write(other, nextReads: "out/one/documents")
        let single = try CLI.run(["run", other.path + "/one.yaml", "--no-progress", "--no-next"])
        #expect(single.status == 0)
        #expect(!FileManager.default.fileExists(atPath: other.path + "/out/two"))
        let v = try CLI.run(["validate", other.path + "/one.yaml"])
        #expect(v.status == 0 && v.out.contains("2 phases"), "\(v.out)")
    }

    @Test func ranksComeFromTheSchedulerWhenNotGiven() throws {
        #expect(try RankEnvironment.resolve(rank: nil, worldSize: nil, env: [:]) == (0, 1))
        #expect(try RankEnvironment.resolve(rank: nil, worldSize: nil, env: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"]) == (3, 4))
        #expect(try RankEnvironment.resolve(rank: nil, worldSize: 8, env: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "2"]) == (5, 8))
        #expect(try RankEnvironment.resolve(rank: 1, worldSize: 2, env: ["SLURM_ARRAY_TASK_ID": "0"]) == (1, 2))
        #expect(try RankEnvironment.resolve(rank: nil, worldSize: 3, env: ["JOB_COMPLETION_INDEX": "2"]) == (2, 3))
        #expect(throws: RunError.self) { try RankEnvironment.resolve(rank: nil, worldSize: nil, env: ["JOB_COMPLETION_INDEX": "2"]) }
        #expect(throws: RunError.self) { try RankEnvironment.resolve(rank: nil, worldSize: nil, env: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"]) }
    }

    @Test func arraySpecsCompressRanks() {
        #expect(SlurmScript.arraySpec([0, 1, 2, 3], maxParallel: 2) == "0-3%2")
        #expect(SlurmScript.arraySpec([5, 1, 3, 2], maxParallel: nil) == "1-3,5")
    }
}

/// `pipeline status` of runs started by hand (no scheduler).
@Suite struct LocalStatusTests {
    @Test func localRanksAreCompleteRunningInterruptedOrNotStarted() throws {
        let d = TempDir()
        for f in 0..<6 { d.write("in/f\(f).jsonl", "{\"id\":\"f\(f)\",\"text\":\"file \(f) text\"}\n") }
        d.write("p.yaml", "inputs: [{path: in, format: jsonl}]\noutput: {path: out, compression: none}\nexecution: {chunk_files: 1}\n")
        let s = try spec(String(decoding: d.read("p.yaml")!, as: UTF8.self), in: d)
        _ = try runPipeline(s, rank: 0, worldSize: 3)                // rank 0 complete
        _ = try runPipeline(s, rank: 1, worldSize: 3, maxParts: 1)   // rank 1 stopped after one of its two parts
        let before = try RunStatus.read(outputDir: d.path + "/out", worldSize: 3, config: d.path + "/p.yaml", client: nil)
        #expect(before.ranks.map(\.state) == [.complete, .failed, .notStarted])
        #expect(before.ranks[1].partsDone == 1 && before.ranks[1].partsTotal == 2)
        let lock = try PipelineExecutor.lockOutput(d.path + "/out", rank: 2)   // a live process holds rank 2
        let during = try RunStatus.read(outputDir: d.path + "/out", worldSize: 3, client: nil)
        #expect(during.ranks[2].state == .running)
        lock.release()
        #expect(before.table().contains("3 ranks: 1 complete, 0 running, 0 queued, 1 failed, 1 not started"), "\(before.table())")
    }
}
