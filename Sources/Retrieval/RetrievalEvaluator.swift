import DomainForgeCore
import Foundation

/// One question of a retrieval test set: what is asked, and what counts as finding it.
public struct RetrievalQuestion: Sendable, Equatable {
    public var question: String
    /// Gold document ids: a hit is a chunk of one of them.
    public var documentIDs: [String]
    /// Answer strings: a hit is a chunk containing one of them (case-insensitive). Used when no ids are given.
    public var answers: [String]

    public init(question: String, documentIDs: [String] = [], answers: [String] = []) {
        self.question = question
        self.documentIDs = documentIDs
        self.answers = answers
    }
}

/// Recall@k and MRR of an index on a question set.
public struct RetrievalScore: Sendable, Equatable {
    public var k: Int
    public var questions: Int
    /// Share of questions with a hit among the first k chunks.
    public var recallAtK: Double
    /// Mean of 1/rank of the first hit among the first k chunks (0 when none): MRR@k.
    public var mrr: Double
    /// Rank of the first hit per question (nil: none in the first k), in input order.
    public var ranks: [Int?]
    /// Questions whose words were cut to the term limit.
    public var truncatedQuestions: Int
}

/// Reads QA JSONL and scores retrieval.
///
/// A line is `{"question": "...", "doc_ids": ["..."]}` (or `"doc_id": "..."`) for gold documents, or
/// `{"question": "...", "answers": ["..."]}` (or `"answer": "..."`) for answer-string containment.
public enum RetrievalEvaluator {
    /// The first-hit rank in `hits` (1-based), or nil.
    public static func firstHit(_ hits: [SearchHit], for q: RetrievalQuestion) -> Int? {
        if !q.documentIDs.isEmpty {
            let gold = Set(q.documentIDs)
            return hits.first { gold.contains($0.document) }?.rank
        }
        let answers = q.answers.map { $0.lowercased() }.filter { !$0.isEmpty }
        return hits.first { h in let t = h.text.lowercased(); return answers.contains { t.contains($0) } }?.rank
    }

    /// Recall@k and MRR@k from first-hit ranks.
    public static func score(ranks: [Int?], k: Int, truncated: Int = 0) -> RetrievalScore {
        let n = ranks.count
        let found = ranks.filter { $0 != nil && $0! <= k }.count
        let rr = ranks.reduce(0.0) { acc, r in if let r, r <= k { return acc + 1.0 / Double(r) } else { return acc } }
        return RetrievalScore(k: k, questions: n, recallAtK: n == 0 ? 0 : Double(found) / Double(n),
                              mrr: n == 0 ? 0 : rr / Double(n), ranks: ranks, truncatedQuestions: truncated)
    }

    /// Runs every question against `index`.
    public static func evaluate(_ index: RAGIndex, questions: [RetrievalQuestion], k: Int,
                                maxTerms: Int = RAGIndex.defaultMaxTerms) throws(RetrievalError) -> RetrievalScore {
        var ranks = [Int?]()
        var truncated = 0
        for q in questions {
            let r = try index.search(q.question, k: k, maxTerms: maxTerms)
            if r.droppedTerms > 0 { truncated += 1 }
            ranks.append(firstHit(r.hits, for: q))
        }
        return score(ranks: ranks, k: k, truncated: truncated)
    }

    /// Parses a QA JSONL file. Lines without a question or without gold ids/answers are returned as rejects.
    public static func load(path: String) throws -> (questions: [RetrievalQuestion], rejected: [InputError]) {
        let reader = LineReader(source: try openByteSource(path: path, displayName: path), maxLineBytes: 16 << 20)
        var qs = [RetrievalQuestion]()
        var rejected = [InputError]()
        while let rec = try reader.next() {
            if rec.bytes.allSatisfy({ Chunker.isSpace($0) }) { continue }
            guard let v = try? JSONParser.parse(bytes: rec.bytes), let question = v["question"]?.stringValue else {
                rejected.append(InputError(code: "bad_question", file: path, line: rec.line, offset: rec.offset,
                                           message: "expected a JSON object with a string \"question\""))
                continue
            }
            let ids = strings(v["doc_ids"]) + strings(v["doc_id"])
            let answers = strings(v["answers"]) + strings(v["answer"])
            guard !ids.isEmpty || !answers.isEmpty else {
                rejected.append(InputError(code: "no_gold", file: path, line: rec.line, offset: rec.offset,
                                           message: "give \"doc_ids\" (or \"doc_id\") or \"answers\" (or \"answer\")"))
                continue
            }
            qs.append(RetrievalQuestion(question: question, documentIDs: ids, answers: answers))
        }
        return (qs, rejected)
    }

    static func strings(_ v: JSONValue?) -> [String] {
        guard let v else { return [] }
        if let s = v.stringValue { return [s] }
        if let i = v.intValue { return [String(i)] }
        return (v.arrayValue ?? []).compactMap { $0.stringValue ?? $0.intValue.map(String.init) }
    }
}
