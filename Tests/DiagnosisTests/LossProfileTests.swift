import Diagnosis
import Foundation
import Testing
import Tokenization
import Trainer

@Suite struct LossProfileTests {
    /// A model whose weights are all zero: every logit is 0, so every target costs exactly log(vocab size).
    func flatModel(vocab: Int) throws -> LlamaModel {
        let m = try LlamaModel(config: LlamaConfig(vocabSize: vocab, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2,
                                                   maxPositions: 16, tieEmbeddings: true))
        m.initialize(seed: 1, std: 0)
        return m
    }

    @Test func flatModelScoresLogVocabOnEveryTargetInWindows() throws {
        let tok = try byteTokenizer()
        let model = try flatModel(vocab: tok.vocabSize)
        // 14 bytes = 14 tokens = 13 targets, cut into windows of 4 targets (4 + 4 + 4 + 1)
        let p = try LossProfile.measure(model: model, tokenizer: tok, texts: ["a cardiology b"], terms: ["cardiology"], seqLen: 4, maxTokens: 100)
        let logV = log(Double(tok.vocabSize))
        #expect(p.tokens == 13)
        #expect(p.termTokens == 10)
        #expect(abs(p.meanLoss! - logV) < 1e-9)
        #expect(abs(p.termLoss! - logV) < 1e-9)
        #expect(p.histogram[Int(logV / LossProfile.binWidth)] == 13)
        #expect(p.histogram.reduce(0, +) == 13)
        let capped = try LossProfile.measure(model: model, tokenizer: tok, texts: ["a cardiology b", "more"], terms: [], seqLen: 4, maxTokens: 6)
        #expect(capped.tokens == 6)
        #expect(capped.termTokens == 0)
    }

    @Test func badSequenceLengthAndForeignTokensAreErrors() throws {
        let tok = try byteTokenizer()
        let model = try flatModel(vocab: tok.vocabSize)
        #expect(throws: DiagnosisError.model("sequence length 17 must be between 1 and the model's max_positions 16")) {
            try LossProfile.measure(model: model, tokenizer: tok, texts: ["ab"], terms: [], seqLen: 17, maxTokens: 10)
        }
        let small = try flatModel(vocab: 100)
        #expect(throws: DiagnosisError.self) {
            try LossProfile.measure(model: small, tokenizer: tok, texts: ["a b"], terms: [], seqLen: 4, maxTokens: 10)
        }
    }
}
