import TestSupport
import DomainForgeCore
import Foundation
import PipelineConfig
import Testing
@testable import PipelineRunner

/// `mode: global` dedup through the executor: world-size independence, keep longest across ranks, stats balance,
/// idempotent and resumable rewriting of the parts.
@Suite struct GlobalDedupPipelineTests {
    /// Deterministic prose of `n` words.
    static func prose(_ seed: UInt64, _ n: Int) -> String {
        let vocab = ["patient", "dose", "renal", "blood", "pressure", "daily", "review", "clinic", "therapy", "risk", "acute",
                     "chronic", "monitor", "weekly", "signs", "infection", "fluid", "oral", "tablet", "nurse", "ward", "heart",
                     "lung", "sleep", "pain", "fever", "cough", "scan", "result", "plan", "follow", "referral"]
        var s = seed &* 0x9E3779B97F4A7C15 | 1
        return (0..<n).map { i -> String in
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            return vocab[Int(s % UInt64(vocab.count))] + String(i % 5 == 0 ? "\(s % 97)" : "")
        }.joined(separator: " ")
    }

    /// Six files. Base texts 0-5 each appear twice in different files (so, with two ranks, in different ranks):
    /// a short copy first and a copy with 6 more words later, or the reverse for odd bases. Base 6 has three copies.
    static func corpus(_ d: TempDir) {
        var files = [[String]](repeating: [], count: 6)
        func add(_ f: Int, _ id: String, _ text: String) {
            files[f].append(#"{"id": "\#(id)", "text": "\#(text)"}"#)
        }
        for b in 0..<6 {
            let base = prose(UInt64(100 + b), 80)
            let long = base + " extra words at the end"
            add(b, "b\(b)-first", b % 2 == 0 ? base : long)
            add((b + 3) % 6, "b\(b)-second", b % 2 == 0 ? long : base)
        }
        add(1, "b6-a", prose(106, 90)); add(2, "b6-b", prose(106, 90) + " tail"); add(5, "b6-c", prose(106, 90))
        for f in 0..<6 { for u in 0..<4 { add(f, "u\(f)-\(u)", prose(UInt64(1000 + f * 10 + u), 70)) } }
        for f in 0..<6 { d.write("in/f\(f).jsonl", files[f].joined(separator: "\n") + "\n") }
    }

    static let yaml = """
        inputs: [{path: in, format: jsonl}]
        stages:
          - {type: length, min_chars: 10}
          - {type: minhash_dedup, mode: global, keep: longest, bands: 20, rows: 5, verify_jaccard: true, jaccard_threshold: 0.7}
        output: {path: out, compression: none}
        execution: {chunk_bytes: 4000, batch_bytes: 2048}
        """

    @discardableResult
    static func run(_ d: TempDir, rank: Int = 0, worldSize: Int = 1, yaml: String = yaml) throws -> RunStats {
        let s = try spec(yaml, in: d)
        var o = PipelineExecutor.Options()
        o.workers = 2
        o.rank = rank
        o.worldSize = worldSize
        let plan = try StageFactory.make(s, rank: rank, worldSize: worldSize)
        return try PipelineExecutor(spec: s, plan: plan, options: o, log: { _ in }).run()
    }

    static func ids(_ d: TempDir, _ folder: String) throws -> [String] {
        try d.files("out/\(folder)").filter { $0.hasSuffix(".jsonl") }.flatMap { f in
            try d.lines("out/\(folder)/\(f)").map { try #require(JSONParser.parse($0)["id"]?.stringValue) }
        }.sorted()
    }

    static let expectedDropped = ["b0-first", "b1-second", "b2-first", "b3-second", "b4-first", "b5-second", "b6-a", "b6-c"]

    @Test func worldSizeDoesNotChangeTheKeptDocuments() throws {
        let one = TempDir(), two = TempDir()
        Self.corpus(one); Self.corpus(two)
        let s1 = try Self.run(one)
        try Self.run(two, rank: 0, worldSize: 2)
        try Self.run(two, rank: 1, worldSize: 2)
        #expect(try Self.ids(two, "rejects").isEmpty) // nothing removed before dedup-global
        let g = try GlobalDedupFinisher.run(outputDir: two.path + "/out", worldSize: 2)
        #expect(g.dropped == 8)
        #expect(g.clusters == 7)
        #expect(try Self.ids(one, "documents") == Self.ids(two, "documents"))
        #expect(try Self.ids(one, "rejects") == Self.expectedDropped)
        #expect(try Self.ids(two, "rejects") == Self.expectedDropped)
        #expect(try Self.ids(one, "documents").count == 24 + 7)
        // The run's own stats include the global step; so do the merged stats of both folders.
        #expect(s1.stages.map(\.name) == ["length", "minhash_dedup", "minhash_dedup_global"])
        #expect(s1.stages[2].dropped == ["near_duplicate": 8])
        #expect(s1.kept == 31 && s1.balanceProblem() == nil)
        for d in [one, two] {
            let t = try StatsReport.load(outputDir: d.path + "/out").total
            #expect(t.balanceProblem() == nil)
            #expect(t.kept == 31)
            #expect(t.stages.last?.name == "minhash_dedup_global")
            #expect(t.stages.last?.total == 39)
            #expect(t.stages.last?.dropped == ["near_duplicate": 8])
        }
        // A reject names its keeper (the longer copy) and the similarity.
        let rejects = try one.files("out/rejects").flatMap { f in try one.lines("out/rejects/\(f)").map { try JSONParser.parse($0) } }
        let r = try #require(rejects.first { $0["id"]?.stringValue == "b0-first" })
        #expect(r["duplicate_of"]?.stringValue == "b0-second")
        #expect(r["stage"]?.stringValue == "minhash_dedup_global")
        #expect(r["reason"]?.stringValue == "near_duplicate")
        #expect(r["similarity"]?.doubleValue == 0.9383) // 76 shared 5-word shingles of 81 (5 more words)
        let b6 = try #require(rejects.first { $0["id"]?.stringValue == "b6-c" })
        #expect(b6["duplicate_of"]?.stringValue == "b6-b")
        #expect(b6["similarity"]?.doubleValue == 0.9885) // 86 of 87 shingles
        // The cluster report lists keeper and members.
        let clusters = one.lines("out/dedup/minhash_dedup_global/clusters.jsonl").map { try? JSONParser.parse($0) }
        #expect(clusters.count == 7)
        #expect(clusters.first??["size"]?.intValue == 3)
        #expect(clusters.first??["keeper"]?.stringValue == "b6-b")
    }

    @Test func dedupGlobalIsIdempotentAndFinishesAfterAKill() throws {
        let a = TempDir(), b = TempDir()
        for d in [a, b] {
            Self.corpus(d)
            try Self.run(d, rank: 0, worldSize: 2)
            try Self.run(d, rank: 1, worldSize: 2)
        }
        let before = Dictionary(uniqueKeysWithValues: b.files("out/documents").map { ($0, b.read("out/documents/" + $0)!) })
        try GlobalDedupFinisher.run(outputDir: a.path + "/out")
        let first = (folderBytes(a, "out/documents"), folderBytes(a, "out/rejects"), folderBytes(a, "out/stats"))
        try GlobalDedupFinisher.run(outputDir: a.path + "/out")
        #expect(first == (folderBytes(a, "out/documents"), folderBytes(a, "out/rejects"), folderBytes(a, "out/stats")))
        // Killed after renaming the filtered files but before recording the parts as done: the original is still
        // saved in state/dedup-global/, the documents file already filtered.
        var changed = 0
        for (name, bytes) in before where a.read("out/documents/" + name)! != bytes {
            b.write("out/state/dedup-global/" + name, bytes)
            b.write("out/documents/" + name, a.read("out/documents/" + name)!)
            changed += 1
        }
        #expect(changed >= 2)
        try GlobalDedupFinisher.run(outputDir: b.path + "/out")
        #expect(first == (folderBytes(b, "out/documents"), folderBytes(b, "out/rejects"), folderBytes(b, "out/stats")))
        #expect(b.files("out/state/dedup-global").allSatisfy { $0.hasSuffix(".done") })
        // A second pipeline run of a finished folder changes nothing either.
        try Self.run(a, rank: 0, worldSize: 2)
        #expect(first.0 == folderBytes(a, "out/documents"))
    }

    @Test func dedupGlobalRefusesUnfinishedRanksAndOtherFolders() throws {
        let d = TempDir()
        Self.corpus(d)
        try Self.run(d, rank: 1, worldSize: 2)
        #expect(throws: (any Error).self) { try GlobalDedupFinisher.run(outputDir: d.path + "/out") }
        do {
            try GlobalDedupFinisher.run(outputDir: d.path + "/out")
        } catch {
            #expect("\(error)".hasPrefix("rank(s) 0 of 2 have not finished; run them (pipeline run CONFIG --rank i --world-size 2)"))
        }
        do {
            try GlobalDedupFinisher.run(outputDir: d.path + "/out", worldSize: 3)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("was run with --world-size 2, not 3"))
        }
        do {
            try GlobalDedupFinisher.run(outputDir: d.path + "/in")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("mode: global"))
        }
    }

    @Test func globalStageMustBeLast() throws {
        let d = TempDir()
        let yaml = Self.yaml.replacingOccurrences(of: "jaccard_threshold: 0.7}", with: "jaccard_threshold: 0.7}\n  - {type: normalize}")
        do {
            _ = try StageFactory.make(try spec(yaml, in: d))
            Issue.record("expected an error")
        } catch let e as ConfigErrors {
            #expect(e.errors.map(\.path) == ["stages[1].mode"])
            #expect(e.errors[0].message.contains("must be the last stage"))
            #expect(e.errors[0].message.contains("(normalize)"))
            #expect(e.errors[0].message.contains("second pipeline"))
        }
        let bad = Self.yaml.replacingOccurrences(of: "mode: global, ", with: "")
        do {
            _ = try StageFactory.make(try spec(bad, in: d))
            Issue.record("expected an error")
        } catch let e as ConfigErrors {
            #expect(e.errors.map(\.path) == ["stages[1]"])
            #expect(e.errors[0].message.contains("'keep': 'longest' needs mode: global"))
        }
    }
}

/// The bundled global example through the binary: two ranks, `dedup-global`, stats and report.
@Suite(.enabled(if: CLI.binary != nil, "pipeline binary not built"))
struct GlobalDedupCLITests {
    @Test func twoRanksThenDedupGlobalThenReport() throws {
        let d = TempDir()
        let out = d.path + "/out"
        for r in 0..<2 {
            let run = try CLI.run(["run", "pipelines/medical-dedup-global.yaml", "--rank", "\(r)", "--world-size", "2", "--output", out, "--no-progress"])
            #expect(run.status == 0, "\(run.err)")
        }
        let early = try CLI.run(["dedup-global", out, "--world-size", "3"])
        #expect(early.status == 1)
        #expect(early.err.contains("was run with --world-size 2, not 3"))
        let g = try CLI.run(["dedup-global", out])
        #expect(g.status == 0, "\(g.err)")
        #expect(g.out.contains("minhash_dedup_global: 57 documents recorded, 4 clusters, 4 removed (near_duplicate)"))
        let stats = try CLI.run(["stats", out])
        #expect(stats.out.contains("minhash_dedup_global"))
        #expect(stats.out.contains("balance: 68 in = 53 kept + 13 dropped + 2 rejected (ok)"))
        let report = try CLI.run(["dedup-report", out])
        #expect(report.out.contains("cluster of 2, kept abs-003:"))
        #expect(report.out.contains("dropped 0.789  abs-010 (1129 bytes)"))
        #expect(report.out.contains("keep longest, jaccard >= 0.700, union-find clusters"))
    }

    @Test func sftDedupConfigRefusesGlobalMode() throws {
        let d = TempDir()
        d.write("dedup.yaml", "stages:\n  - {type: exact_dedup, mode: global}\n")
        d.write("sft.jsonl", #"{"instruction": "Say hi.", "output": "Hi there."}"# + "\n")
        let r = try CLI.run(["sft", "validate", d.path + "/sft.jsonl", "--dedup-config", d.path + "/dedup.yaml"])
        #expect(r.status != 0)
        #expect(r.err.contains("stages[0].mode: global works on pipeline output folders (pipeline dedup-global); use mode: online here"))
    }
}

/// The global step split over jobs (`--split I/N`, then `--splits N`) decides exactly what one process decides.
@Suite struct GlobalDedupSplitTests {
    @Test(arguments: [1, 2, 3, 7])
    func splitLinksMergeToTheSameOutputAsOneProcess(splits: Int) throws {
        let one = TempDir(), split = TempDir()
        for d in [one, split] {
            GlobalDedupPipelineTests.corpus(d)
            try GlobalDedupPipelineTests.run(d, rank: 0, worldSize: 2)
            try GlobalDedupPipelineTests.run(d, rank: 1, worldSize: 2)
        }
        let a = try GlobalDedupFinisher.run(outputDir: one.path + "/out", worldSize: 2)
        for i in 0..<splits { try GlobalDedupFinisher.linkSplit(outputDir: split.path + "/out", split: i, of: splits) }
        let b = try GlobalDedupFinisher.run(outputDir: split.path + "/out", splits: splits)
        #expect((a.recorded, a.clusters, a.dropped) == (b.recorded, b.clusters, b.dropped))
        #expect(a.dropped == 8)
        for folder in ["documents", "rejects"] {
            #expect(folderBytes(one, "out/" + folder) == folderBytes(split, "out/" + folder), "\(folder)")
        }
        #expect(one.read("out/dedup/minhash_dedup_global/clusters.jsonl") == split.read("out/dedup/minhash_dedup_global/clusters.jsonl"))
    }

    @Test func aMissingOrDamagedSplitIsRefused() throws {
        let d = TempDir()
        GlobalDedupPipelineTests.corpus(d)
        try GlobalDedupPipelineTests.run(d, rank: 0, worldSize: 2)
        try GlobalDedupPipelineTests.run(d, rank: 1, worldSize: 2)
        try GlobalDedupFinisher.linkSplit(outputDir: d.path + "/out", split: 0, of: 2)
        #expect { try GlobalDedupFinisher.run(outputDir: d.path + "/out", splits: 2) } throws: { "\($0)".contains("links-0001-of-0002.bin is missing") }
        try GlobalDedupFinisher.linkSplit(outputDir: d.path + "/out", split: 1, of: 2)
        let path = d.path + "/out/dedup/minhash_dedup_global/links/links-0001-of-0002.bin"
        var bytes = try #require(d.read("out/dedup/minhash_dedup_global/links/links-0001-of-0002.bin"))
        bytes[bytes.count / 2] ^= 1
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        #expect { try GlobalDedupFinisher.run(outputDir: d.path + "/out", splits: 2) } throws: { "\($0)".contains("is damaged") }
        #expect { try GlobalDedupFinisher.linkSplit(outputDir: d.path + "/out", split: 2, of: 2) } throws: { "\($0)".contains("between 0 and") }
    }
}
