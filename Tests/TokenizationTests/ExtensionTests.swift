import Testing
import Foundation
import Segmentation
import DomainForgeCore
@testable import Tokenization

@Suite struct ExtensionTests {
    static let domain: [String] = (0..<60).map { k in
        "The patient with hypertrophic cardiomyopathy received metformin and levothyroxine; " +
        "echocardiography showed cardiomyopathy progression (case \(k)). Pharmacokinetics of metformin matter."
    }
    static let general = ["The weather was nice and the children played in the park.", "Stocks rose on Tuesday."]

    @Test(.enabled(if: TestEnv.gpt2Dir != nil, TestEnv.needsSharedData)) func addsTermsAsSingleTokensKeepingBaseIds() throws {
        let dir = try #require(TestEnv.gpt2Dir)
        let base = try BPETokenizer.load(path: dir)
        let (ext, report) = try VocabularyExtender.extend(base: base, domain: Self.domain, general: Self.general,
            options: VocabularyExtensionOptions(maxNewTokens: 40, minFrequency: 20, minPieces: 3))
        #expect(!report.terms.isEmpty)
        #expect(report.newTokens.count <= 40)
        #expect(ext.vocabSize == base.vocabSize + report.newTokens.count)
        #expect(report.domainAfter.tokens < report.domainBefore.tokens)
        #expect(report.generalAfter.tokens <= report.generalBefore.tokens)
        // every selected term is one token now
        for t in report.terms { #expect(ext.encode(t.text).count == 1, "\(t.text)") }
        // new ids follow base ids, and their pieces decode to the same text
        for n in report.newTokens {
            #expect(n.id >= UInt32(base.vocabSize))
            #expect(base.decode(n.pieces) == n.text)
            #expect(ext.decode([n.id]) == n.text)
        }
        // base ids unchanged; general text round-trips
        #expect(ext.encode("Hello world") == [15496, 995])
        for d in Self.domain + Self.general { #expect(ext.decode(ext.encode(d)) == d) }
        // the map is valid JSON
        let json = report.newTokenMapJSON(baseVocabSize: base.vocabSize)
        let v = try JSONParser.parse(bytes: json)
        #expect(v["new_tokens"]?.arrayValue?.count == report.newTokens.count)
        #expect(v["base_vocab_size"]?.intValue == base.vocabSize)
        // HF loads the extended tokenizer and encodes identically
        let tmp = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let p = tmp.appendingPathComponent("ext.json").path
        try ext.save(path: p)
        try expectParity(ext, p, Self.domain + Self.general + ParityTests.fuzzTexts(seed: 31, count: 200), label: "extended")
    }

    static let chineseDomain: [String] = (0..<40).map { k in
        "手册页计划提供中文翻译。患者服用二甲双胍治疗糖尿病，并接受超声心动图检查（病例\(k)）。" +
        "医生建议患者继续服用二甲双胍，定期复查血糖和糖化血红蛋白。糖尿病患者应注意饮食。"
    }

    @Test(.enabled(if: TestEnv.gpt2Dir != nil, TestEnv.needsSharedData)) func chineseTermsAreWholeWords() throws {
        let base = try BPETokenizer.load(path: try #require(TestEnv.gpt2Dir))
        let (ext, report) = try VocabularyExtender.extend(base: base, domain: Self.chineseDomain, general: Self.general,
            options: VocabularyExtensionOptions(maxNewTokens: 200, minFrequency: 20, minPieces: 3))
        #expect(!report.terms.isEmpty)
        let joined = Self.chineseDomain.joined()
        for t in report.terms {
            // whole UTF-8 characters that occur in the text, and one ICU word, not a phrase run like 手册页计划提供
            #expect(!t.text.contains("\u{FFFD}") && joined.contains(t.text), "\(t.text)")
            #expect(WordSegmenter.words(of: t.text) == [t.text], "\(t.text) is not one word")
            #expect(ext.encode(t.text, addSpecialTokens: false).count == 1, "\(t.text)")
        }
        #expect(!report.terms.contains { $0.text == "手册页计划提供" || $0.text.hasPrefix("患者服用") })
        #expect(report.terms.contains { $0.text == "糖尿病" }, "\(report.terms.map(\.text))")
        // fertility of Chinese is per character
        #expect(report.domainBefore.unit == "character")
        let chars = Self.chineseDomain.reduce(0) { $0 + $1.unicodeScalars.filter { WordSegmenter.isSpaceless($0.value) }.count }
        #expect(report.domainBefore.characters == chars)
        #expect(report.domainAfter.tokens < report.domainBefore.tokens)
        #expect(report.generalBefore.unit == "word")
        for d in Self.chineseDomain { #expect(ext.decode(ext.encode(d)) == d) }
    }

    @Test func wordSegmenterSplitsChineseIntoWords() {
        let words = WordSegmenter.words(of: "患者服用二甲双胍治疗糖尿病。Hello world")
        #expect(words.count >= 5 && words.contains("糖尿病") && words.contains("Hello") && !words.contains("。"), "\(words)")
        #expect(WordSegmenter.words(of: "").isEmpty)
        #expect(WordSegmenter.isSpaceless(0x4E2D) && WordSegmenter.isSpaceless(0x31350) && !WordSegmenter.isSpaceless(0xAC00))
    }
}
