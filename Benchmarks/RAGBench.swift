// Retrieval benchmark: builds BM25 indexes (SQLite FTS5) over MedQuAD answers and PubMedQA contexts and measures
// recall@5 and MRR@5 (question -> its document; at most 2,000 questions, evenly spaced), index build documents/s, query latency p50/p99 and index size.
// Usage: bench rag [DATA] [OUTDIR]   (DATA defaults to ../shared/data; OUTDIR keeps the indexes and QA files for the
// Python reference, scripts/rag-bm25-reference.py; default a temporary folder, removed at the end).
import DomainForgeCore
import Foundation
import Retrieval

func runRAGBench(_ args: [String]) throws {
    let data = args.first ?? "../shared/data"
    let keep = args.count > 1
    let out = keep ? args[1] : NSTemporaryDirectory() + "ragbench-\(getpid())"
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    defer { if !keep { try? FileManager.default.removeItem(atPath: out) } }
    let medquad = data + "/sft-domain/medquad/medquad_qa.jsonl"
    let pubmedqa = data + "/sft-domain/pubmedqa/data/ori_pqal.json"
    if FileManager.default.fileExists(atPath: medquad) {
        try ragBenchCorpus("medquad", out: out) { try medquadCorpus(medquad) }
    } else { print("skipped medquad: \(medquad) not found") }
    if FileManager.default.fileExists(atPath: pubmedqa) {
        try ragBenchCorpus("pubmedqa", out: out) { try pubmedqaCorpus(pubmedqa) }
    } else { print("skipped pubmedqa: \(pubmedqa) not found") }
}

/// Documents (id, text) and questions of one corpus.
typealias RAGCorpus = (docs: [(String, String)], questions: [RetrievalQuestion])

/// MedQuAD: one document per QA pair with a non-empty answer; gold = every pair with the same answer text.
func medquadCorpus(_ path: String) throws -> RAGCorpus {
    let reader = LineReader(source: try openByteSource(path: path, displayName: path), maxLineBytes: 16 << 20)
    var docs = [(String, String)]()
    var asked = [(String, String)]()
    var byAnswer = [String: [String]]()
    while let rec = try reader.next() {
        guard let v = try? JSONParser.parse(bytes: rec.bytes), let id = v["id"]?.stringValue, let q = v["instruction"]?.stringValue,
              let a = v["output"]?.stringValue, !a.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
        docs.append((id, a))
        asked.append((q, a))
        byAnswer[a, default: []].append(id)
    }
    return (docs, asked.map { RetrievalQuestion(question: $0.0, documentIDs: byAnswer[$0.1]!) })
}

/// PubMedQA (labelled 1,000): one document per PMID (its contexts joined by newlines); gold = that PMID.
func pubmedqaCorpus(_ path: String) throws -> RAGCorpus {
    let v = try JSONParser.parse(bytes: readWholeFile(path: path, displayName: path, limit: 1 << 30))
    var docs = [(String, String)]()
    var qs = [RetrievalQuestion]()
    for (pmid, item) in (v.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
        guard let q = item["QUESTION"]?.stringValue, let ctx = item["CONTEXTS"]?.arrayValue else { continue }
        docs.append((pmid, ctx.compactMap(\.stringValue).joined(separator: "\n")))
        qs.append(RetrievalQuestion(question: q, documentIDs: [pmid]))
    }
    return (docs, qs)
}

func ragBenchCorpus(_ name: String, out: String, load: () throws -> RAGCorpus) throws {
    let (docs, all) = try load()
    // At most 2,000 questions, evenly spaced (every n-th), so the run stays within a few minutes.
    let step = max(1, all.count / 2000)
    let questions = stride(from: 0, to: all.count, by: step).map { all[$0] }
    let docsPath = out + "/\(name)-docs.jsonl", qaPath = out + "/\(name)-qa.jsonl", indexPath = out + "/\(name).sqlite"
    try writeLines(docsPath, docs.map { JSONValue.object(["id": .string($0.0), "text": .string($0.1)]).serialized() })
    try writeLines(qaPath, questions.map {
        JSONValue.object(["question": .string($0.question), "doc_ids": .array($0.documentIDs.map { .string($0) })]).serialized()
    })
    try? FileManager.default.removeItem(atPath: indexPath)
    let settings = ChunkSettings(unit: .words, size: 200, overlap: 40)
    let t0 = Date()
    let idx = try RAGIndex(path: indexPath, settings: settings)
    let report = try RAGIndexBuilder(index: idx, chunker: Chunker(settings: settings)).build(files: [docsPath])
    let build = Date().timeIntervalSince(t0)
    let c = try idx.counts()
    var latencies = [Double]()
    var ranks = [Int?]()
    for q in questions {
        let s = Date()
        let r = try idx.search(q.question, k: 5)
        latencies.append(Date().timeIntervalSince(s) * 1000)
        ranks.append(RetrievalEvaluator.firstHit(r.hits, for: q))
    }
    latencies.sort()
    let score = RetrievalEvaluator.score(ranks: ranks, k: 5)
    let p = { (q: Double) in latencies[min(latencies.count - 1, Int(Double(latencies.count) * q))] }
    print("\(name): \(report.indexed) documents, \(c.chunks) chunks (\(settings.signature)), \(c.textBytes) bytes of text")
    print(String(format: "  build %.1f s = %.0f documents/s; index %.1f MB = %.2f x the text (%.1f GB of index per GB of text)",
                 build, Double(report.indexed) / build, Double(c.fileBytes) / 1e6, Double(c.fileBytes) / Double(c.textBytes),
                 Double(c.fileBytes) / Double(c.textBytes)))
    print(String(format: "  %d questions (every %d-th of %d): recall@5 %.4f, MRR@5 %.4f", score.questions, step, all.count,
                 score.recallAtK, score.mrr))
    print(String(format: "  query latency p50 %.2f ms, p99 %.2f ms (k = 5, one thread)", p(0.5), p(0.99)))
}

func writeLines(_ path: String, _ lines: [String]) throws {
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
}
