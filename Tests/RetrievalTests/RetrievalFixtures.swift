import DomainForgeCore
import Foundation
@testable import Retrieval

/// Small corpora and temporary folders for the retrieval tests.
enum RetrievalFixtures {
    /// Eight one-chunk documents; "heart" is in 3, "pain" in 2, so both have a positive IDF.
    static let medical: [(String, String)] = [
        ("a", "heart attack symptoms include chest pain"),
        ("b", "chest pain can come from the heart or the lungs"),
        ("c", "insulin lowers blood sugar"),
        ("d", "the kidney filters blood"),
        ("e", "a heart murmur is an unusual heart sound"),
        ("f", "vitamin d supports bone health"),
        ("g", "sleep improves memory"),
        ("h", "exercise strengthens muscles and bones"),
    ]

    static func tempDir() -> String {
        let d = NSTemporaryDirectory() + "retrieval-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Writes documents as pipeline JSONL.
    static func writeJSONL(_ docs: [(String, String)], to path: String, extraLines: [String] = []) throws {
        var lines = docs.map { JSONValue.object(["id": .string($0.0), "text": .string($0.1),
                                                 "metadata": .object(["source": .string("fixture.txt")])]).serialized() }
        lines += extraLines
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// An index of `docs` with one chunk per document (chunks of 1,000 words).
    static func index(_ docs: [(String, String)], at path: String, settings: ChunkSettings = ChunkSettings(unit: .words, size: 1000, overlap: 0)) throws -> RAGIndex {
        let idx = try RAGIndex(path: path, settings: settings)
        let chunker = Chunker(settings: settings)
        try idx.begin()
        for (id, text) in docs {
            try idx.add(id: id, source: "fixture", metadata: "{}", chunks: chunker.chunks(of: text), bytes: text.utf8.count)
        }
        try idx.commit()
        return idx
    }

    /// FTS5's BM25 written out by hand: IDF ln((N − n + 0.5)/(n + 0.5)) (1e-6 when not positive), k1 = 1.2, b = 0.75,
    /// over lowercase words.
    static func bm25(query: [String], docs: [[String]]) -> [Double] {
        let n = Double(docs.count)
        let avg = Double(docs.map(\.count).reduce(0, +)) / n
        return docs.map { d in
            query.reduce(0.0) { acc, q in
                let df = Double(docs.filter { $0.contains(q) }.count)
                var idf = log((n - df + 0.5) / (df + 0.5))
                if idf <= 0 { idf = 1e-6 }
                let f = Double(d.filter { $0 == q }.count)
                return acc + idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * Double(d.count) / avg))
            }
        }
    }
}
