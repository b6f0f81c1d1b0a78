import ArgumentParser
import DomainForgeCore
import Foundation
import Retrieval

/// `pipeline rag query INDEX "question"`.
struct RagQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "The best chunks for a question, by BM25, with scores and sources.")

    @Argument(help: "The index file.")
    var index: String

    @Argument(help: "The question.")
    var question: String

    @Option(name: .short, help: "How many chunks.")
    var k = 5

    @Option(name: .customLong("max-terms"), help: "Distinct words of the question searched; a longer question is cut (and says so).")
    var maxTerms = RAGIndex.defaultMaxTerms

    @Flag(help: "Print JSON: {terms, dropped_terms, hits: [{rank, score, doc, chunk, source, metadata, text}]}.")
    var json = false

    func validate() throws {
        if k < 1 { throw ValidationError("-k must be at least 1") }
        if maxTerms < 1 { throw ValidationError("--max-terms must be at least 1") }
    }

    func run() throws {
        try orExit {
            let r = try RAGIndex(openExisting: index).search(question, k: k, maxTerms: maxTerms)
            if r.droppedTerms > 0 {
                printError("note: the question has \(r.terms.count + r.droppedTerms) distinct words; only the first \(r.terms.count) were searched (--max-terms)")
            }
            if json {
                let hits: [JSONValue] = r.hits.map { h in
                    let meta = (try? JSONParser.parse(h.metadata)) ?? .object([:])
                    return .object(["rank": .int(Int64(h.rank)), "score": .double((h.score * 1e6).rounded() / 1e6), "doc": .string(h.document),
                                    "chunk": .int(Int64(h.ordinal)), "source": .string(h.source), "metadata": meta, "text": .string(h.text)])
                }
                print(JSONValue.object(["terms": .array(r.terms.map { .string($0) }), "dropped_terms": .int(Int64(r.droppedTerms)),
                                        "hits": .array(hits)]).serialized())
                return
            }
            if r.terms.isEmpty { print("the question has no searchable words") }
            else if r.hits.isEmpty { print("no chunk holds any of: \(r.terms.joined(separator: " "))") }
            for h in r.hits {
                print("\(h.rank). score \(String(format: "%.4f", h.score))  \(h.document) #\(h.ordinal)  (\(h.source))")
                let t = h.text.count > 300 ? String(h.text.prefix(300)) + "…" : h.text
                print("   " + t.replacingOccurrences(of: "\n", with: " "))
            }
        }
    }
}

/// `pipeline rag eval INDEX QA.jsonl`.
struct RagEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Recall@k and MRR@k of an index on questions with gold document ids or answer strings.",
        discussion: """
            QA.jsonl lines: {"question": "...", "doc_ids": ["..."]} (a hit is a chunk of a gold document) or \
            {"question": "...", "answers": ["..."]} (a hit is a chunk containing an answer, case-insensitive). \
            MRR@k is the mean of 1/rank of the first hit among the first k chunks (0 when none).
            """)

    @Argument(help: "The index file.")
    var index: String

    @Argument(help: "Questions (JSONL).")
    var questions: String

    @Option(name: .short, help: "Chunks retrieved per question.")
    var k = 5

    @Option(name: .customLong("max-terms"), help: "Distinct words of a question searched.")
    var maxTerms = RAGIndex.defaultMaxTerms

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if k < 1 { throw ValidationError("-k must be at least 1") }
    }

    func run() throws {
        try orExit {
            let idx = try RAGIndex(openExisting: index)
            let (qs, rejected) = try RetrievalEvaluator.load(path: questions)
            for e in rejected.prefix(20) { printError("rejected: \(e)") }
            let s = try RetrievalEvaluator.evaluate(idx, questions: qs, k: k, maxTerms: maxTerms)
            if json {
                print(JSONValue.object(["questions": .int(Int64(s.questions)), "rejected": .int(Int64(rejected.count)), "k": .int(Int64(k)),
                                        "recall_at_k": .double((s.recallAtK * 1e6).rounded() / 1e6), "mrr": .double((s.mrr * 1e6).rounded() / 1e6),
                                        "truncated_questions": .int(Int64(s.truncatedQuestions))]).serialized())
            } else {
                print("\(s.questions) questions (\(rejected.count) rejected): recall@\(k) \(String(format: "%.4f", s.recallAtK)), "
                      + "MRR@\(k) \(String(format: "%.4f", s.mrr))"
                      + (s.truncatedQuestions > 0 ? "; \(s.truncatedQuestions) question(s) cut to \(maxTerms) words" : ""))
            }
        }
    }
}
