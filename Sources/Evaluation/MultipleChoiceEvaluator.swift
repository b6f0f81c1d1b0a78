import DomainForgeCore
import Foundation
import Tokenization
import Trainer

/// Multiple choice by log-likelihood (as lm-evaluation-harness scores MMLU without few-shot): for each choice the
/// model reads `Question: {question}\nAnswer:` and is scored on ` {choice}`; the prediction is the choice with the
/// highest summed log-probability (`accuracy`) and with the highest log-probability per UTF-8 byte
/// (`accuracy_normalized`). Files are read row by row; unusable rows are reported with file:line and skipped.
public struct MultipleChoiceEvaluator {
    /// Scores each choice.
    public let scorer: TokenScorer
    /// Encodes questions and choices.
    public let tokenizer: BPETokenizer
    /// Stop after this many questions in all (nil: every question).
    public var maxQuestions: Int?
    /// With RAG-augmented evaluation: retrieved chunks are prepended to each question.
    public var context: RetrievalContext?

    /// `scorer` should have batch size 1 (each choice is its own window).
    public init(scorer: TokenScorer, tokenizer: BPETokenizer, maxQuestions: Int? = nil) {
        self.scorer = scorer; self.tokenizer = tokenizer; self.maxQuestions = maxQuestions
    }

    /// The CSV files of `path`: the file itself, or every `*.csv` under the folder in byte order of their paths.
    public static func files(_ path: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw EvaluationError.io("\(path) does not exist") }
        guard isDir.boolValue else { return [path] }
        guard let e = FileManager.default.enumerator(atPath: path) else { throw EvaluationError.io("cannot list \(path)") }
        var out = [String]()
        while let rel = e.nextObject() as? String {
            if rel.hasSuffix(".csv") || rel.hasSuffix(".csv.gz") { out.append(path + "/" + rel) }
        }
        return out.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Log-likelihood of each choice of `q` (summed over the choice's tokens) and the choice's UTF-8 byte count.
    public func scores(_ q: MultipleChoiceQuestion) throws -> [(logLikelihood: Double, bytes: Int)] {
        let context = tokenizer.encode("Question: \(q.question.trimmingCharacters(in: .whitespacesAndNewlines))\nAnswer:", addSpecialTokens: false)
        return try q.choices.map { choice in
            let text = " " + choice.trimmingCharacters(in: .whitespacesAndNewlines)
            var cont = tokenizer.encode(text, addSpecialTokens: false)
            if cont.isEmpty { cont = tokenizer.encode(" ", addSpecialTokens: false) }
            cont = Array(cont.prefix(scorer.seqLen))
            // keep the end of the context when the whole does not fit seq_len + 1 tokens
            let ctx = Array(context.suffix(max(1, scorer.seqLen + 1 - cont.count)))
            let toks = ctx + cont
            let weights = (1..<toks.count).map { $0 >= ctx.count ? UInt8(1) : 0 }
            let ll = try scorer.score([(toks, weights)])[0]
            return (ll, text.utf8.count)
        }
    }

    /// Scores every question of `path` (a CSV file or a folder of them).
    public func evaluate(path: String, label: String) throws -> DatasetEval {
        var d = DatasetEval(label: label, path: path, kind: .multipleChoice)
        var n = 0, correct = 0, correctNorm = 0, chance = 0.0
        outer: for file in try Self.files(path) {
            let reader: CSVRecordReader
            do { reader = try CSVRecordReader(path: file) } catch { throw EvaluationError.io("cannot open \(file): \(error)") }
            while let r = try reader.next() {
                if let m = maxQuestions, n >= m { break outer }
                if let e = r.error { d.addProblem("\(file):\(r.line): \(e)"); continue }
                guard let parsed = MultipleChoiceQuestion.parse(fields: r.fields, file: file, line: r.line) else { continue }
                switch parsed {
                case .failure(let p): d.addProblem(p.description)
                case .success(var q):
                    if let context { q.question = try context.augment(q.question) }
                    let s = try scores(q)
                    let best = s.indices.max { s[$0].logLikelihood < s[$1].logLikelihood || (s[$0].logLikelihood == s[$1].logLikelihood && $0 > $1) }!
                    let norm = s.indices.max {
                        let a = s[$0].logLikelihood / Double(s[$0].bytes), b = s[$1].logLikelihood / Double(s[$1].bytes)
                        return a < b || (a == b && $0 > $1)
                    }!
                    n += 1
                    if best == q.answer { correct += 1 }
                    if norm == q.answer { correctNorm += 1 }
                    chance += 1 / Double(q.choices.count)
                }
            }
        }
        d.questions = n; d.correct = correct; d.correctNormalized = correctNorm
        d.chance = n > 0 ? chance / Double(n) : nil
        d.windows = n
        return d
    }
}
