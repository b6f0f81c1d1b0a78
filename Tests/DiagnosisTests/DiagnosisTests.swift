import Diagnosis
import DomainForgeCore
import Foundation
import TestSupport
import Testing
import Tokenization

/// A byte-level tokenizer with no merges: every UTF-8 byte is one token, so token counts are byte counts.
func byteTokenizer() throws -> BPETokenizer {
    let t = BPETrainer(options: BPETrainerOptions(vocabSize: 257, minFrequency: 2, specialTokens: ["<|endoftext|>"]))
    t.feed("a b")
    return try t.train()
}

@Suite struct VocabularyFitTests {
    @Test func fertilityCountsTokensPerWordAndPerCharacter() throws {
        let tok = try byteTokenizer()
        var o = VocabularyFit.Options()
        o.extensionTokens = 0
        let fit = VocabularyFit.measure(tok, domain: ["aaaa bb"], general: ["a b"], options: o)
        #expect(fit.domain == Fertility(words: 2, characters: 0, tokens: 7))
        #expect(fit.general == Fertility(words: 2, characters: 0, tokens: 3))
        #expect(fit.domain.value == 3.5)
        #expect(abs(fit.fertilityRatio - 7.0 / 3.0) < 1e-12)
        let zh = VocabularyFit.measure(tok, domain: ["北京"], general: ["a"], options: o)
        #expect(zh.domain == Fertility(words: 0, characters: 2, tokens: 6))
        #expect(zh.domain.unit == "character")
    }

    @Test func domainTermsAndFragmentation() throws {
        let tok = try byteTokenizer()
        var o = VocabularyFit.Options()
        o.extensionTokens = 0
        o.minRatio = 2
        let domain = ["cardiology cardiology cardiology cardiology cardiology is fun"]
        let fit = VocabularyFit.measure(tok, domain: domain, general: ["fun is fun"], options: o)
        #expect(fit.terms == [VocabularyFit.Term(text: "cardiology", domainCount: 5, generalCount: 0, pieces: 11)])
        #expect(fit.fragmentedShare == 1)
        #expect(fit.mostFragmented(3).map(\.text) == ["cardiology"])
        o.minRatio = 5  // (5/7) / (1/3) = 2.14 < 5: not a term
        #expect(VocabularyFit.measure(tok, domain: domain, general: ["fun is fun"], options: o).terms.isEmpty)
    }

    @Test func termTokensAreMarkedByByteOverlap() throws {
        let tok = try byteTokenizer()
        let text = "a cardiology b"
        let ids = tok.encode(text, addSpecialTokens: false)
        let flags = LossProfile.termTokenFlags(tok, text: text, ids: ids, terms: ["cardiology"])
        #expect(flags == [false, false] + [Bool](repeating: true, count: 10) + [false, false])
    }
}

@Suite struct RecommendationTests {
    let t = DiagnosisThresholds()

    @Test func knowledgeGapWithDataAndBadVocabularyMeansExtensionAndCPT() {
        let s = DiagnosisSignals(lossGap: 1.5, fertilityRatio: 1.4, fragmentedShare: 0.1, domainTokens: 2e6)
        let r = Recommendation.decide(s, t)
        #expect(r.action == .vocabularyExtensionCPT)
        #expect(r.headline == "vocabulary extension + CPT")
        #expect(r.reasons == [
            "knowledge gap: domain loss − general loss = 1.5 nats ≥ loss_gap 0.5",
            "vocabulary: fertility ratio domain/general = 1.4 ≥ fertility_ratio 1.2",
            "vocabulary: 10% of domain terms split into ≥3 tokens < fragmented_share 30%",
            "data: 2000000 domain tokens ≥ min_cpt_tokens 1000000",
        ])
    }

    @Test func knowledgeGapWithLittleDataMeansRAG() {
        let base = DiagnosisSignals(lossGap: 0.8, fertilityRatio: 1.0, domainTokens: 5000)
        #expect(Recommendation.decide(base, t).action == .rag)
        var s = base
        s.stopCompliance = 0.5
        #expect(Recommendation.decide(s, t).headline == "RAG + SFT")
        s.domainTokens = 1e6
        #expect(Recommendation.decide(s, t).headline == "CPT, then SFT")
    }

    @Test func behaviourGapOnlyMeansSFTOrMixedSFT() {
        var s = DiagnosisSignals(lossGap: 0.1, fertilityRatio: 1.0, domainTokens: 1e7, responseLoss: 3.0, sftTokens: 1e5)
        var r = Recommendation.decide(s, t)
        #expect(r.action == .sft)
        #expect(r.reasons.last == "data: 100000 SFT tokens < replay_sft_tokens 5000000")
        s.sftTokens = 6e6
        r = Recommendation.decide(s, t)
        #expect(r.headline == "mixed SFT with replay (20% general replay)")
        s.responseLoss = 1.0
        s.jsonCompliance = 0.95
        #expect(Recommendation.decide(s, t).action == .none)
        s.jsonCompliance = 0.5
        #expect(Recommendation.decide(s, t).reasons.contains("behaviour: 50% valid JSON answers < json_compliance 90%"))
    }

    @Test func costIsSixNDAtTheStatedThroughput() {
        let c = CostEstimate(parameters: 1000, cptTokens: 1e6, sftTokens: 2e3, trainTokensPerSecond: 100, gpuTFLOPS: 100)
        #expect(c.cptFLOPs == 6e9)
        #expect(c.sftFLOPs == 1.2e7)
        #expect(c.cptCPUHours == 1e6 / 100 / 3600)
        #expect(c.cptGPUHours == 6e9 / 1e14 / 3600)
        #expect(formatNumber(6e9) == "6e+09")
        #expect(formatNumber(2e6) == "2000000")
        #expect(formatNumber(0.12345) == "0.123")
        #expect(formatNumber(1.5e-5) == "1.5e-05")
    }
}

@Suite struct DiagnosisInputTests {
    @Test func thresholdsParseOverridesAndRejectsBadLines() throws {
        let t = try DiagnosisThresholds.parse("# overrides\nloss_gap: 0.8   # nats\nmin_cpt_tokens: 5_000_000\n\n")
        #expect(t.lossGap == 0.8)
        #expect(t.minCPTTokens == 5e6)
        #expect(t.fertilityRatio == 1.2)
        #expect(throws: DiagnosisError.self) { try DiagnosisThresholds.parse("loss_gapp: 1") }
        #expect(throws: DiagnosisError.thresholds("line 2: 'loss_gap' needs a non-negative number, got 'high'")) {
            try DiagnosisThresholds.parse("\nloss_gap: high")
        }
        #expect(throws: DiagnosisError.thresholds("line 1: expected 'key: value'")) { try DiagnosisThresholds.parse("loss_gap 1") }
        #expect(throws: DiagnosisError.missingInput("no/such/thresholds.yaml")) { try DiagnosisThresholds.load(path: "no/such/thresholds.yaml") }
    }

    @Test func samplesCountDuplicatesAndRejects() throws {
        let d = TempDir()
        d.write("docs/a.jsonl", "{\"text\": \"one\"}\nnot json\n{\"text\": \"one\"}\n{\"id\": 3}\n{\"text\": \"two words\"}\n")
        d.write("docs/b.txt", "first block\nstill first\n\nsecond block\n")
        let s = try TextSample.load(path: d.path + "/docs", label: "domain", maxDocs: 3, maxBytes: 1000)
        #expect(s.texts == ["one", "two words", "first block\nstill first"])
        #expect(s.documents == 4)
        #expect(s.duplicates == 1)
        #expect(s.rejected == 2)
        #expect(s.totalBytes == 3 + 9 + 23 + 13)
    }

    @Test func missingAndEmptyDataAreClearErrors() throws {
        let d = TempDir()
        d.write("empty.jsonl", "\n")
        #expect(throws: DiagnosisError.missingInput(d.path + "/none.jsonl")) {
            try TextSample.load(path: d.path + "/none.jsonl", label: "domain", maxDocs: 5, maxBytes: 100)
        }
        #expect(throws: DiagnosisError.emptyData(label: "general", path: d.path + "/empty.jsonl")) {
            try TextSample.load(path: d.path + "/empty.jsonl", label: "general", maxDocs: 5, maxBytes: 100)
        }
        let o = Diagnoser.Options(base: d.path + "/no-model", tokenizer: d.path + "/tok.json", domain: d.path, general: d.path)
        #expect(throws: DiagnosisError.missingInput(d.path + "/no-model")) { try Diagnoser(options: o).run() }
    }
}
