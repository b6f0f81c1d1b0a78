import Foundation
import Testing
@testable import Retrieval

/// A Python that imports rank_bm25 (PyPI rank-bm25): DOMAINFORGE_PYTHON, else python3 on PATH; nil when neither does.
let rankBM25Python: String? = {
    var candidates = [String]()
    if let p = ProcessInfo.processInfo.environment["DOMAINFORGE_PYTHON"], !p.isEmpty { candidates.append(p) }
    candidates.append("/usr/bin/env")
    for c in candidates {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: c)
        p.arguments = (c == "/usr/bin/env" ? ["python3"] : []) + ["-c", "import rank_bm25"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { continue }
        p.waitUntilExit()
        if p.terminationStatus == 0 { return c }
    }
    return nil
}()

@Suite("BM25 against rank-bm25 (Python reference)")
struct BM25ReferenceTests {
    @Test(.enabled(if: rankBM25Python != nil, "needs a Python with rank-bm25 (pip install rank-bm25; DOMAINFORGE_PYTHON or python3)"))
    func sameOrderAndScores() throws {
        let dir = RetrievalFixtures.tempDir()
        let idx = try RetrievalFixtures.index(RetrievalFixtures.medical, at: dir + "/ref.sqlite")
        let queries = ["heart pain", "blood sugar insulin", "chest heart lungs", "kidney blood"]
        let corpus = RetrievalFixtures.medical.map { "\"\($0.1)\"" }.joined(separator: ",")
        let qs = queries.map { "\"\($0)\"" }.joined(separator: ",")
        // BM25Okapi with FTS5's k1 and b; on this corpus every query term is in fewer than half the documents, so
        // its IDF equals FTS5's.
        let script = """
            from rank_bm25 import BM25Okapi
            docs = [\(corpus)]
            bm = BM25Okapi([d.split() for d in docs], k1=1.2, b=0.75)
            for q in [\(qs)]:
                s = bm.get_scores(q.split())
                order = sorted((i for i in range(len(docs)) if s[i] > 0), key=lambda i: (-s[i], i))
                print(" ".join("%d:%.12f" % (i, s[i]) for i in order))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: rankBM25Python!)
        p.arguments = (rankBM25Python! == "/usr/bin/env" ? ["python3"] : []) + ["-c", script]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == queries.count)
        for (q, line) in zip(queries, lines) {
            let ref = line.split(separator: " ").map { $0.split(separator: ":") }
            let hits = try idx.search(q, k: 8).hits
            #expect(hits.map(\.document) == ref.map { RetrievalFixtures.medical[Int($0[0])!].0 }, "order for '\(q)'")
            for (h, r) in zip(hits, ref) { #expect(abs(h.score - Double(r[1])!) < 1e-9, "score for '\(q)'") }
        }
    }
}
