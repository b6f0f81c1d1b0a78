import Testing
import Foundation
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
}

