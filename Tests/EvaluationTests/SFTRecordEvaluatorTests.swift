import TestSupport
import Foundation
import SFT
import Testing
import Tokenization
@testable import Evaluation

@Suite struct SFTRecordEvaluatorTests {
    @Test func jsonCheck() {
        #expect(SFTRecordEvaluator.isJSON(#"{"a": [1, 2]}"#))
        #expect(SFTRecordEvaluator.isJSON("```json\n{\"a\": 1}\n```"))
        #expect(SFTRecordEvaluator.isJSON(" [1] "))
        #expect(!SFTRecordEvaluator.isJSON("{\"a\": }"))
        #expect(!SFTRecordEvaluator.isJSON(""))
        #expect(!SFTRecordEvaluator.isJSON("The answer is {\"a\": 1}"))
    }

    /// A zero model: every response token costs ln V; its greedy answer is `<|endoftext|>` at once, so the JSON check fails.
    @Test func responseLossFormatChecksAndBadRecords() throws {
        let d = TmpDir()
        try d.write("sft.jsonl", """
            {"instruction": "List two symptoms of anaemia as JSON.", "input": "", "output": "{\\"symptoms\\": [\\"fatigue\\", \\"pallor\\"]}"}
            {"instruction": "What is sepsis?", "input": "", "output": "A life-threatening response to infection."}
            {"instruction": "broken
            {"text": "a pretraining record"}

            """)
        let tok = try BPETokenizer.load(path: sampleTokenizer)
        let renderer = try SFTRenderer(template: .chatml, tokenizer: tok)
        let scorer = try TokenScorer(model: try zeroModel(vocab: tok.vocabSize), batchSize: 1, seqLen: 64)
        let e = try SFTRecordEvaluator(scorer: scorer, renderer: renderer).evaluate(path: d.path + "/sft.jsonl", label: "sft")
        #expect(e.kind == .sftRecords)
        #expect(e.windows == 2)
        #expect(e.formatChecked == 1 && e.formatPassed == 0)
        #expect(e.problemCount == 2)
        #expect(e.problems[0].hasPrefix(d.path + "/sft.jsonl:3:"))
        #expect(e.problems[1].hasPrefix(d.path + "/sft.jsonl:4:"))
        // counted tokens: the response tokens of both records (content + <|im_end|>), minus none (both fit in 64)
        var expected = 0
        for (q, a) in [("List two symptoms of anaemia as JSON.", "{\"symptoms\": [\"fatigue\", \"pallor\"]}"), ("What is sepsis?", "A life-threatening response to infection.")] {
            let r = try renderer.render(SFTRecord(id: "x", source: "s", messages: [SFTMessage(role: "user", content: q), SFTMessage(role: "assistant", content: a)]))
            expected += r.trainedTokens
        }
        #expect(e.tokens == expected)
        #expect(abs(e.loss! - log(Double(tok.vocabSize))) < 1e-12)
    }
}
