import TestSupport
import DomainForgeCore
import Foundation
import PipelineConfig
@testable import PipelineRunner
import Testing

/// An ordered stage whose index fails while deciding (full disk, I/O error, damaged file) fails the part and the
/// run with a message naming the stage and the index; no document is kept unchecked and the part is not recorded,
/// so the run resumes once the cause is fixed.
@Suite struct IndexFailureTests {
    /// A trigger makes every insert into the index fail, as a full disk would.
    static func breakIndex(_ path: String, table: String) throws {
        let db = try RunStateDB(path: path)
        try db.exec("CREATE TRIGGER fail_inserts BEFORE INSERT ON \(table) BEGIN SELECT RAISE(FAIL, 'disk full (simulated)'); END")
    }

    static func repairIndex(_ path: String) throws {
        try RunStateDB(path: path).exec("DROP TRIGGER fail_inserts")
    }

    @Test(arguments: [("exact_dedup", "exact"), ("minhash_dedup", "docs")])
    func aFailingIndexFailsTheRunNamingIt(type: String, table: String) throws {
        let d = TempDir()
        let texts = ["alpha beta gamma delta epsilon zeta eta theta", "iota kappa lambda mu nu xi omicron pi",
                     "alpha beta gamma delta epsilon zeta eta theta"]
        d.write("in/a.jsonl", texts.map { "{\"text\":\"\($0)\"}" }.joined(separator: "\n") + "\n")
        let s = try spec("inputs: [{path: in, format: jsonl}]\noutput: {path: out, compression: none}\n"
                         + "stages: [{type: \(type), index_path: idx/\(type).sqlite}]", in: d)
        let index = d.path + "/idx/\(type).sqlite"
        var o = PipelineExecutor.Options()
        o.workers = 2
        do {  // the failed run's stages (and their open transaction) end with this scope
            let plan = try StageFactory.make(s)
            try Self.breakIndex(index, table: table)
            try PipelineExecutor(spec: s, plan: plan, options: o, log: { _ in }).run()
            Issue.record("the run succeeded with a failing index")
        } catch {
            let message = "\(error)"
            #expect(message.contains("stage '\(type)'") && message.contains(index) && message.contains("disk full (simulated)"),
                    "\(message)")
        }
        #expect(d.files("out/documents").filter { !AtomicOutputFile.isTemporary($0) }.isEmpty)
        #expect(try RunStateDB(path: d.path + "/out/state/rank-00000.sqlite", readOnly: true).finishedParts().isEmpty)

        try Self.repairIndex(index)
        let stats = try PipelineExecutor(spec: s, plan: try StageFactory.make(s), options: o, log: { _ in }).run()
        #expect(stats.kept == 2 && stats.stages[0].dropped[type == "exact_dedup" ? "exact_duplicate" : "near_duplicate"] == 1)
    }
}
