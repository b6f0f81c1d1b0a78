import DomainForgeCore
import Foundation
import Testing
@testable import Retrieval

@Suite("RAG index: BM25 ranks, delete, bad input")
struct RAGIndexTests {
    @Test("BM25 scores and rank order match the formula computed by hand")
    func bm25Order() throws {
        let dir = RetrievalFixtures.tempDir()
        let idx = try RetrievalFixtures.index(RetrievalFixtures.medical, at: dir + "/i.sqlite")
        let r = try idx.search("Heart pain?", k: 5)
        #expect(r.terms == ["heart", "pain"])
        #expect(r.hits.map(\.document) == ["a", "b", "e"])
        #expect(r.hits.map { ($0.score * 1e4).rounded() / 1e4 } == [1.3701, 1.0678, 0.5555])
        let docs = RetrievalFixtures.medical.map { $0.1.split(separator: " ").map(String.init) }
        let expected = RetrievalFixtures.bm25(query: ["heart", "pain"], docs: docs)
        for h in r.hits {
            let i = RetrievalFixtures.medical.firstIndex { $0.0 == h.document }!
            #expect(abs(h.score - expected[i]) < 1e-12)
        }
        #expect(r.hits.map(\.rank) == [1, 2, 3])
        #expect(try idx.search("Heart pain?", k: 2).hits.map(\.document) == ["a", "b"])
    }

    @Test("Chinese is segmented into ICU words: a two-character word finds its chunk")
    func chinese() throws {
        let dir = RetrievalFixtures.tempDir()
        #expect(IndexText.body("我们去北京。") == "我们 去 北京")
        let idx = try RetrievalFixtures.index([("zh1", "我们去北京。"), ("zh2", "糖尿病患者需要控制血糖。"), ("en", "blood sugar")],
                                              at: dir + "/zh.sqlite")
        #expect(try idx.search("北京", k: 5).hits.map(\.document) == ["zh1"])
        #expect(try idx.search("怎样控制血糖", k: 5).hits.map(\.document) == ["zh2"])
        #expect(try idx.search("BLOOD", k: 5).hits.map(\.document) == ["en"])
    }

    @Test("Delete by id: removed from search, unknown id deletes nothing, FTS stays consistent")
    func delete() throws {
        let dir = RetrievalFixtures.tempDir()
        let idx = try RetrievalFixtures.index(RetrievalFixtures.medical, at: dir + "/d.sqlite")
        try idx.begin()
        #expect(throws: RetrievalError.unknownDocument(id: "zzz", path: dir + "/d.sqlite")) { try idx.delete(ids: ["a", "zzz"]) }
        idx.rollback()
        #expect(try idx.counts().documents == 8)
        try idx.begin()
        try idx.delete(ids: ["a"])
        try idx.commit()
        try idx.check()
        #expect(try idx.counts().documents == 7)
        #expect(try idx.search("heart pain", k: 5).hits.map(\.document) == ["b", "e"])
    }

    @Test("Empty index, question without words, question cut to the term limit")
    func emptyAndLong() throws {
        let dir = RetrievalFixtures.tempDir()
        let empty = try RAGIndex(path: dir + "/e.sqlite", settings: ChunkSettings())
        #expect(throws: RetrievalError.emptyIndex(path: dir + "/e.sqlite")) { try empty.search("heart", k: 5) }
        let idx = try RetrievalFixtures.index(RetrievalFixtures.medical, at: dir + "/l.sqlite")
        #expect(try idx.search("?!", k: 5).hits.isEmpty)
        let long = try idx.search("sleep memory heart pain chest", k: 5, maxTerms: 2)
        #expect(long.terms == ["sleep", "memory"])
        #expect(long.droppedTerms == 3)
        #expect(long.hits.map(\.document) == ["g"])
    }

    @Test("A file that is not SQLite, and a SQLite file that is not an index, fail with clear errors")
    func corrupt() throws {
        let dir = RetrievalFixtures.tempDir()
        let bad = dir + "/bad.sqlite"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: bad))
        #expect(throws: RetrievalError.corruptIndex(path: bad, detail: "file is not a database")) { try RAGIndex(openExisting: bad) }
        #expect(throws: RetrievalError.corruptIndex(path: bad, detail: "file is not a database")) {
            try RAGIndex(path: bad, settings: ChunkSettings())
        }
        let other = dir + "/other.sqlite"
        _ = try RetrievalDatabase(path: other, create: true)
        let db = try RetrievalDatabase(path: other, create: false)
        try db.exec("CREATE TABLE t(x)")
        #expect(throws: RetrievalError.notAnIndex(path: other)) { try RAGIndex(openExisting: other) }
        #expect(throws: RetrievalError.notAnIndex(path: other)) { try RAGIndex(path: other, settings: ChunkSettings()) }
    }

    @Test("An index is only extended with its own chunking settings")
    func settingsMismatch() throws {
        let dir = RetrievalFixtures.tempDir()
        _ = try RAGIndex(path: dir + "/s.sqlite", settings: ChunkSettings(unit: .words, size: 100, overlap: 10))
        #expect(throws: RetrievalError.settingsMismatch(path: dir + "/s.sqlite", stored: "chunk_by=words size=100 overlap=10",
                                                        requested: "chunk_by=sentences size=3 overlap=1")) {
            try RAGIndex(path: dir + "/s.sqlite", settings: ChunkSettings(unit: .sentences, size: 3, overlap: 1))
        }
        #expect(throws: RetrievalError.invalidSettings("overlap must be at least 0 and less than the chunk size 5 (got 5)")) {
            try ChunkSettings(unit: .words, size: 5, overlap: 5).validate()
        }
        #expect(try RAGIndex(openExisting: dir + "/s.sqlite").settings == ChunkSettings(unit: .words, size: 100, overlap: 10))
    }
}
