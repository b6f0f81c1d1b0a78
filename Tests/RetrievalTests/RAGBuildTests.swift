import DomainForgeCore
import Foundation
import Testing
@testable import Retrieval

@Suite("RAG build: resume, rejects, recall@k and MRR, the rag_index stage")
struct RAGBuildTests {
    static let settings = ChunkSettings(unit: .words, size: 3, overlap: 1)

    func build(_ path: String, files: [String], stopAfter: Int? = nil) throws -> BuildReport {
        let idx = try RAGIndex(path: path, settings: Self.settings)
        return try RAGIndexBuilder(index: idx, chunker: Chunker(settings: Self.settings), batchSize: 2).build(files: files, stopAfter: stopAfter)
    }

    @Test("A build stopped mid-file and run again ends with the same contents as an uninterrupted one")
    func resume() throws {
        let dir = RetrievalFixtures.tempDir()
        try RetrievalFixtures.writeJSONL(Array(RetrievalFixtures.medical.prefix(5)), to: dir + "/1.jsonl")
        try RetrievalFixtures.writeJSONL(Array(RetrievalFixtures.medical.suffix(3)), to: dir + "/2.jsonl")
        let files = [dir + "/1.jsonl", dir + "/2.jsonl"]
        let full = try build(dir + "/full.sqlite", files: files)
        #expect(full.indexed == 8)
        let first = try build(dir + "/resumed.sqlite", files: files, stopAfter: 3)
        #expect(first.interrupted)
        #expect(try RAGIndex(openExisting: dir + "/resumed.sqlite").counts().documents == 2)  // batch of 2 committed
        let second = try build(dir + "/resumed.sqlite", files: files)
        #expect(second.recordsResumed == 2)
        #expect(second.indexed == 6)
        let third = try build(dir + "/resumed.sqlite", files: files)
        #expect(third.filesAlreadyDone == 2 && third.indexed == 0)
        let a = try RAGIndex(openExisting: dir + "/full.sqlite"), b = try RAGIndex(openExisting: dir + "/resumed.sqlite", readOnly: false)
        #expect(try a.dump() == b.dump())
        #expect(try a.dump().count == 21)
        try b.check()
        #expect(try a.search("heart pain", k: 3).hits == b.search("heart pain", k: 3).hits)
    }

    @Test("Every record is indexed, dropped (empty_text) or rejected with file and line")
    func rejects() throws {
        let dir = RetrievalFixtures.tempDir()
        try RetrievalFixtures.writeJSONL([("x", "insulin lowers blood sugar")], to: dir + "/r.jsonl",
                                         extraLines: ["{not json", "{\"id\": \"y\"}", "{\"id\": 7, \"text\": \"   \"}", "[1]",
                                                      "{\"text\": \"no id here\"}"])
        let r = try build(dir + "/r.sqlite", files: [dir + "/r.jsonl"])
        #expect(r.indexed == 2)
        #expect(r.dropped == ["empty_text": 1])
        #expect(r.rejected.map(\.line) == [2, 3, 5])
        #expect(r.rejected.map(\.code) == ["bad_record", "bad_record", "bad_record"])
        #expect(try RAGIndex(openExisting: dir + "/r.sqlite").search("no id", k: 1).hits.map(\.document) == ["r.jsonl:6"])
    }

    @Test("Recall@k and MRR@k, from ranks and from an index")
    func metrics() throws {
        let s = RetrievalEvaluator.score(ranks: [1, nil, 3, 2], k: 5)
        #expect(s.recallAtK == 0.75)
        #expect(abs(s.mrr - (1 + 1.0 / 3 + 0.5) / 4) < 1e-15)
        let s2 = RetrievalEvaluator.score(ranks: [1, nil, 3, 2], k: 2)
        #expect(s2.recallAtK == 0.5 && s2.mrr == 0.375)
        let dir = RetrievalFixtures.tempDir()
        let idx = try RetrievalFixtures.index(RetrievalFixtures.medical, at: dir + "/m.sqlite")
        let qs = [RetrievalQuestion(question: "heart pain", documentIDs: ["b"]),        // rank 2
                  RetrievalQuestion(question: "kidney", documentIDs: ["d"]),            // rank 1
                  RetrievalQuestion(question: "heart pain", answers: ["Unusual HEART"]), // e: rank 3
                  RetrievalQuestion(question: "bones", documentIDs: ["f"])]             // f says "bone": none
        let r = try RetrievalEvaluator.evaluate(idx, questions: qs, k: 5)
        #expect(r.ranks == [2, 1, 3, nil])
        #expect(r.recallAtK == 0.75)
        #expect(abs(r.mrr - (0.5 + 1 + 1.0 / 3) / 4) < 1e-15)
    }

    @Test("QA JSONL: ids or answers, rejects lines without gold")
    func loadQuestions() throws {
        let dir = RetrievalFixtures.tempDir()
        try "{\"question\":\"q1\",\"doc_ids\":[\"a\",7]}\n{\"question\":\"q2\",\"answer\":\"x\"}\n{\"question\":\"q3\"}\nnope\n"
            .write(toFile: dir + "/qa.jsonl", atomically: true, encoding: .utf8)
        let (qs, rej) = try RetrievalEvaluator.load(path: dir + "/qa.jsonl")
        #expect(qs == [RetrievalQuestion(question: "q1", documentIDs: ["a", "7"]), RetrievalQuestion(question: "q2", answers: ["x"])])
        #expect(rej.map(\.code) == ["no_gold", "bad_question"])
    }

    @Test("The rag_index stage indexes per part and forgets unfinished parts on resume")
    func stage() throws {
        let dir = RetrievalFixtures.tempDir()
        let opts = JSONValue.object(["type": .string("rag_index"), "chunk_size": .int(50), "overlap": .int(5)])
        let stage = try RAGIndexStage.make(options: opts, stateDirectory: dir + "/rag", baseDirectory: dir)
        var counters = StageCounters()
        try stage.beginPart(0)
        for (id, text) in RetrievalFixtures.medical.prefix(4) {
            var d = Document(id: id, text: text, source: "s")
            #expect(try stage.decide(&d, counters: &counters) == .keep)
        }
        try stage.endPart(0)
        try stage.beginPart(1)
        var d = Document(id: "e", text: RetrievalFixtures.medical[4].1, source: "s")
        _ = try stage.decide(&d, counters: &counters)
        try stage.endPart(1)
        #expect(try stage.index.counts().documents == 5)
        let again = try RAGIndexStage.make(options: opts, stateDirectory: dir + "/rag", baseDirectory: dir)
        try again.resume(finishedParts: [0])
        #expect(try again.index.counts().documents == 4)
        #expect(throws: RetrievalError.self) {
            try RAGIndexStage.make(options: .object(["chunk_by": .string("pages")]), stateDirectory: dir + "/x", baseDirectory: dir)
        }
    }
}
