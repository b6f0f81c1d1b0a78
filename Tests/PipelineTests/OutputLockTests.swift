#if canImport(Glibc)
import TestSupport
import Glibc
#endif
import DomainForgeCore
import Foundation
import PipelineConfig
@testable import PipelineRunner
import Testing

/// This machine's host name, as `OutputLock` records it.
func testHostName() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    gethostname(&buf, 255)
    return String(cString: buf)
}

/// One writer per output folder: the rank locks of `pipeline run` and `dedup-global`, and unique temporary names.
@Suite struct OutputLockTests {
    static let yaml = "inputs: [{path: in, format: jsonl}]\noutput: {path: out, compression: none}\nexecution: {chunk_files: 1}"

    static func corpus(_ d: TempDir) {
        for f in 0..<4 { d.write("in/f\(f).jsonl", (0..<20).map { "{\"text\":\"file \(f) line \($0) with enough words\"}" }.joined(separator: "\n") + "\n") }
    }

    @Test func aSecondLockOnTheSameFileIsRefusedNamingTheHolder() throws {
        let d = TempDir()
        let first = try OutputLock(directory: d.path + "/x", name: "a.lock")
        let err = #expect(throws: OutputLockError.self) { try OutputLock(directory: d.path + "/x", name: "a.lock") }
        #expect(err?.holderPID == getpid())
        #expect(err?.holderHost == testHostName())
        #expect(err?.description.contains("wait for that run to finish or stop it") == true)
        first.release()
        #expect(!first.isHeld)
        let again = try OutputLock(directory: d.path + "/x", name: "a.lock")
        #expect(again.isHeld)
        let sibling = try OutputLock(siblingOf: d.path + "/mix-out/")
        #expect(sibling.path == d.path + "/mix-out.lock")
    }

    @Test func aRunOnALockedRankRefusesBeforeWritingAnything() throws {
        let d = TempDir()
        Self.corpus(d)
        let s = try spec(Self.yaml, in: d)
        let held = try PipelineExecutor.lockOutput(s.output.path, rank: 0)
        let err = #expect(throws: OutputLockError.self) { try runPipeline(s) }
        #expect(err?.description.contains("process \(getpid()) on host \(testHostName())") == true)
        #expect(err?.description.contains(s.output.path) == true)
        #expect(d.files("out") == ["state"])
        #expect(d.files("out/state") == ["rank-00000.lock"])
        held.release()
        let st = try runPipeline(s)
        #expect(st.documentsIn == 80)
    }

    @Test func aRunHandedAnotherRanksLockRefuses() throws {
        let d = TempDir()
        Self.corpus(d)
        let s = try spec(Self.yaml, in: d)
        let wrong = try PipelineExecutor.lockOutput(s.output.path, rank: 1)
        let run = try PipelineExecutor(spec: s, plan: StagePlan(stages: []), options: .init(), lock: wrong, log: { _ in })
        let err = #expect(throws: RunError.self) { try run.run() }
        #expect(err?.message.contains("not the held lock of rank 0") == true)
        wrong.release()
    }

    @Test func ranksOfOneRunHaveSeparateLocks() throws {
        let d = TempDir()
        Self.corpus(d)
        let s = try spec(Self.yaml, in: d)
        let rank0 = try PipelineExecutor.lockOutput(s.output.path, rank: 0)
        try runPipeline(s, rank: 1, worldSize: 2)
        #expect(FileManager.default.fileExists(atPath: d.path + "/out/completions/rank-00001"))
        #expect(throws: OutputLockError.self) { try runPipeline(s, rank: 0, worldSize: 2) }
        rank0.release()
        try runPipeline(s, rank: 0, worldSize: 2)
    }

    @Test func dedupGlobalRefusesWhileARankIsLocked() throws {
        let d = TempDir()
        GlobalDedupPipelineTests.corpus(d)
        try GlobalDedupPipelineTests.run(d, rank: 0, worldSize: 2)
        try GlobalDedupPipelineTests.run(d, rank: 1, worldSize: 2)
        let busy = try PipelineExecutor.lockOutput(d.path + "/out", rank: 1)
        let err = #expect(throws: OutputLockError.self) { try GlobalDedupFinisher.run(outputDir: d.path + "/out") }
        #expect(err?.lockPath.hasSuffix("state/rank-00001.lock") == true)
        #expect(!FileManager.default.fileExists(atPath: d.path + "/out/stats/dedup-global.json"))
        // The refusal released the locks it took: rank 0 is free.
        _ = try PipelineExecutor.lockOutput(d.path + "/out", rank: 0)
        busy.release()
        let g = try GlobalDedupFinisher.run(outputDir: d.path + "/out")
        #expect(g.dropped == GlobalDedupPipelineTests.expectedDropped.count)
    }

    @Test func oneRankRunsItsOwnDedupGlobalWithoutDeadlock() throws {
        let d = TempDir()
        GlobalDedupPipelineTests.corpus(d)
        let st = try GlobalDedupPipelineTests.run(d)
        #expect(st.balanceProblem() == nil)
        #expect(FileManager.default.fileExists(atPath: d.path + "/out/stats/dedup-global.json"))
        _ = try PipelineExecutor.lockOutput(d.path + "/out", rank: 0)  // released at the end of the run
    }

    @Test func writersOfOnePathUseDistinctTemporaryFiles() throws {
        let d = TempDir()
        let path = d.path + "/f.json"
        let a = try AtomicOutputFile(path: path)
        let b = try AtomicOutputFile(path: path)
        try a.write(Array("a".utf8))
        try b.write(Array("b".utf8))
        let temps = d.files("")
        #expect(temps.count == 2)
        #expect(temps.allSatisfy { AtomicOutputFile.isTemporary($0) && $0.hasPrefix("f.json.tmp-\(getpid())-") })
        try a.commit()
        try b.commit()
        #expect(d.files("") == ["f.json"])
        #expect(d.read("f.json") == Array("b".utf8))
    }

    @Test func temporaryNamesAndLeftoverCleanup() throws {
        #expect(AtomicOutputFile.isTemporary("r00000-p00001.jsonl.tmp-123-ab12"))
        #expect(AtomicOutputFile.isTemporary("rank-00000.json.tmp"))
        #expect(!AtomicOutputFile.isTemporary("r00000-p00001.jsonl"))
        #expect(!AtomicOutputFile.isTemporary("notes.tmp-draft"))
        #expect(!AtomicOutputFile.isTemporary("a.tmp-1-xyz"))
        let d = TempDir()
        for n in ["r00000-p00000.jsonl", "r00000-p00000.jsonl.tmp-9-ff", "r00001-p00000.jsonl.tmp-9-ff", "r00000-p00001.jsonl.tmp"] { d.write("o/" + n, "x") }
        #expect(AtomicOutputFile.removeLeftovers(in: d.path + "/o", prefix: "r00000-") == 2)
        #expect(d.files("o") == ["r00000-p00000.jsonl", "r00001-p00000.jsonl.tmp-9-ff"])
    }
}

/// Reading another process's run state never fails the reader: `stats` and the report printed after a run list a
/// rank whose state is held busy instead of stopping, and the run that printed it still succeeds.
@Suite struct BusyRunStateTests {
    @Test func aBusyRankIsListedAndTheOthersAreCounted() throws {
        let d = TempDir()
        for f in ["a", "b"] { d.write("in/\(f).jsonl", (0..<10).map { "{\"text\":\"\(f) line \($0) with some words in it\"}" }.joined(separator: "\n") + "\n") }
        d.write("p.yaml", "inputs: [{path: in, format: jsonl}]\noutput: {path: out, compression: none}\n")
        let spec = try PipelineSpec.load(path: d.path + "/p.yaml")
        var opts = PipelineExecutor.Options()
        opts.rank = 1
        opts.worldSize = 2
        _ = try PipelineExecutor(spec: spec, plan: try StageFactory.make(spec, rank: 1, worldSize: 2), options: opts).run()
        // Rank 0 "in progress": its state is held by a writer that keeps an exclusive lock.
        let holder = try RunStateDB(path: d.path + "/out/state/rank-00000.sqlite")
        try holder.exec("PRAGMA locking_mode=EXCLUSIVE")
        try holder.exec("BEGIN IMMEDIATE; INSERT OR REPLACE INTO meta(key, value) VALUES('x', 'y'); COMMIT")
        let report = try StatsReport.load(outputDir: d.path + "/out")
        #expect(report.unreadable.map(\.rank) == [0])
        #expect(report.ranks.map(\.rank) == [0, 1])
        #expect(report.total.documentsIn == 10)
        #expect(report.table().contains("rank 0: in progress, its state is busy and not counted here"))
        _ = holder
    }
}
