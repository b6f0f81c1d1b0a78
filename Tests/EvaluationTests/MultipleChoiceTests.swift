import TestSupport
import DomainForgeCore
import Foundation
import Testing
import Tokenization
@testable import Evaluation
@testable import Trainer

@Suite struct MultipleChoiceTests {
    static let csv = """
        question,choice0,choice1,choice2,choice3,answer
        What is 2+2?,3,4,5,6,1
        "A ""quoted"", multi-line
        question",alpha,"beta, gamma",delta,epsilon,C

        Too few fields,a,b
        Bad answer,a,b,c,d,7
        ,a,b,c,d,0
        Letter out of range,a,b,c,d,E
        Last good one?,w,x,y,z,0
        "never closed,a,b,c,d,0

        """

    @Test func parsesRowsAndReportsBadOnesWithFileAndLine() throws {
        let d = TmpDir()
        try d.write("mmlu/test.csv", Self.csv)
        let file = d.path + "/mmlu/test.csv"
        let r = try CSVRecordReader(path: file)
        var good = [MultipleChoiceQuestion](), bad = [String]()
        while let rec = try r.next() {
            if let e = rec.error { bad.append("\(file):\(rec.line): \(e)"); continue }
            switch MultipleChoiceQuestion.parse(fields: rec.fields, file: file, line: rec.line) {
            case .none: continue
            case .success(let q): good.append(q)
            case .failure(let p): bad.append(p.description)
            }
        }
        #expect(good.map(\.question) == ["What is 2+2?", "A \"quoted\", multi-line\nquestion", "Last good one?"])
        #expect(good.map(\.answer) == [1, 2, 0])
        #expect(good.map(\.line) == [2, 3, 10])
        #expect(good[1].choices == ["alpha", "beta, gamma", "delta", "epsilon"])
        #expect(bad.count == 5)
        #expect(bad[0].hasPrefix("\(file):6: expected question, at least two choices and answer; found 3"))
        #expect(bad[1].hasPrefix("\(file):7: answer \"7\""))
        #expect(bad[2] == "\(file):8: the question is empty")
        #expect(bad[3].hasPrefix("\(file):9: answer \"E\""))
        #expect(bad[4] == "\(file):11: a quoted field opened here is never closed")
    }

    @Test func crlfAndNoHeader() throws {
        let d = TmpDir()
        try d.write("a.csv", "Q1,a,b,A\r\nQ2,a,b,B\r\n")
        let r = try CSVRecordReader(path: d.path + "/a.csv")
        var qs = [MultipleChoiceQuestion]()
        while let rec = try r.next() {
            if case .success(let q) = MultipleChoiceQuestion.parse(fields: rec.fields, file: "a.csv", line: rec.line) { qs.append(q) }
        }
        #expect(qs.map(\.answer) == [0, 1])
        #expect(qs.map(\.choices) == [["a", "b"], ["a", "b"]])
        #expect(qs.map(\.line) == [1, 2])
    }

    /// With a zero model every token costs ln V, so the choice with the fewest tokens wins by summed log-likelihood.
    @Test func evaluatorScoresAgainstChanceAndSkipsBadRows() throws {
        let d = TmpDir()
        try d.write("mmlu/test.csv", Self.csv)
        let tok = try BPETokenizer.load(path: sampleTokenizer)
        let model = try zeroModel(vocab: tok.vocabSize)
        let ev = MultipleChoiceEvaluator(scorer: try TokenScorer(model: model, batchSize: 1, seqLen: 48), tokenizer: tok)
        let e = try ev.evaluate(path: d.path + "/mmlu", label: "mmlu")
        #expect(e.questions == 3)
        #expect(e.chance == 0.25)
        #expect(e.problemCount == 5)
        #expect(e.problems[0].contains("test.csv:6:"))
        let q = MultipleChoiceQuestion(question: "What is 2+2?", choices: ["3", "4", "5", "6"], answer: 1, file: "f", line: 1)
        let s = try ev.scores(q)
        for (x, c) in zip(s, q.choices) {
            let n = tok.encode(" " + c, addSpecialTokens: false).count
            #expect(abs(x.logLikelihood + Double(n) * log(Double(tok.vocabSize))) < 1e-9)
            #expect(x.bytes == 2)
        }
        // ties go to the first choice: "3" (index 0) for question 1, so it is wrong; expected correct count follows
        var expected = 0
        for (q, ans) in [(["3", "4", "5", "6"], 1), (["alpha", "beta, gamma", "delta", "epsilon"], 2), (["w", "x", "y", "z"], 0)] {
            let lens = q.map { tok.encode(" " + $0, addSpecialTokens: false).count }
            if lens.firstIndex(of: lens.min()!)! == ans { expected += 1 }
        }
        #expect(e.correct == expected)
        let limited = MultipleChoiceEvaluator(scorer: try TokenScorer(model: model, batchSize: 1, seqLen: 48), tokenizer: tok, maxQuestions: 1)
        #expect(try limited.evaluate(path: d.path + "/mmlu/test.csv", label: "m").questions == 1)
    }

    static let sharedMMLU = repoRoot + "/../shared/data/eval-general/mmlu/data/mmlu/dev"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedMMLU), "needs the shared data folder (eval-general/mmlu)"))
    func sharedMMLULayoutParsesWhenPresent() throws {
        let dir = Self.sharedMMLU
        let files = try MultipleChoiceEvaluator.files(dir)
        #expect(files.count > 10)
        let r = try CSVRecordReader(path: files[0])
        var n = 0
        while let rec = try r.next() {
            switch MultipleChoiceQuestion.parse(fields: rec.fields, file: files[0], line: rec.line) {
            case .success: n += 1
            case .failure(let p): Issue.record("\(p)")
            case .none: break
            }
        }
        #expect(n == 5)
    }
}
