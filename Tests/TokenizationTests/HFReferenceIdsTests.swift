import DomainForgeCore
import Foundation
import Testing
@testable import Tokenization

/// Our ids against Hugging Face `tokenizers` ids checked in beside the tests (`Fixtures/hf-ids-*.jsonl`, written by
/// `Fixtures/make_hf_ids.py`), so parity is checked on every run, with or without Python. The bundled tokenizers are
/// always there; the real ones come from the shared data folder and skip visibly without it.
@Suite struct HFReferenceIdsTests {
    /// The lines of a reference file: texts and HF ids.
    static func reference(_ name: String) throws -> [(text: String, ids: [UInt32])] {
        let url = TestEnv.fixtures.appendingPathComponent(name)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        return try lines.map { l in
            let v = try JSONParser.parse(String(l))
            return (try #require(v["text"]?.stringValue), try #require(v["ids"]?.arrayValue).map { UInt32($0.intValue!) })
        }
    }

    /// The references whose ids our tokenizer does not reproduce, with ours.
    static func mismatches(_ tok: BPETokenizer, _ ref: [(text: String, ids: [UInt32])]) -> [(text: String, ours: [UInt32], hf: [UInt32])] {
        ref.compactMap { r in
            let ours = tok.encode(r.text)
            return ours == r.ids ? nil : (r.text, ours, r.ids)
        }
    }

    static func expectSameIds(_ tok: BPETokenizer, _ fixture: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ref = try reference(fixture)
        #expect(ref.count >= 300, sourceLocation: sourceLocation)
        let bad = mismatches(tok, ref)
        for m in bad.prefix(3) {
            Issue.record("\(fixture): \(m.text.debugDescription.prefix(200))\n ours \(m.ours.prefix(40))\n   hf \(m.hf.prefix(40))", sourceLocation: sourceLocation)
        }
        #expect(bad.isEmpty, "\(fixture): \(bad.count) of \(ref.count) texts differ", sourceLocation: sourceLocation)
    }

    @Test func llama3StyleFixture() throws {
        try Self.expectSameIds(try BPETokenizer.load(path: TestEnv.fixtures.appendingPathComponent("llama3-style-small.json").path),
                               "hf-ids-llama3-style-small.jsonl")
    }

    @Test func byteTokenizerFixture() throws {
        let p = TestEnv.packageRoot.appendingPathComponent("Tests/SFTTests/Fixtures/byte-tokenizer.json").path
        try Self.expectSameIds(try BPETokenizer.load(path: p), "hf-ids-byte-tokenizer.jsonl")
    }

    @Test func medicalSampleTokenizer() throws {
        let p = TestEnv.packageRoot.appendingPathComponent("pipelines/tokenizers/medical-sample-bpe.json").path
        try Self.expectSameIds(try BPETokenizer.load(path: p), "hf-ids-medical-sample-bpe.jsonl")
    }

    @Test(.enabled(if: TestEnv.data("tokenizers/openai-whisper-20230124-gpt2") != nil, "needs the shared data folder (tokenizers/openai-whisper-20230124-gpt2)"))
    func gpt2() throws {
        try Self.expectSameIds(try BPETokenizer.load(path: TestEnv.data("tokenizers/openai-whisper-20230124-gpt2")!), "hf-ids-gpt2.jsonl")
    }

    @Test(.enabled(if: TestEnv.data("tokenizers/anthropic-0.38.0/tokenizer.json") != nil, "needs the shared data folder (tokenizers/anthropic-0.38.0)"))
    func anthropic() throws {
        try Self.expectSameIds(try BPETokenizer.load(path: TestEnv.data("tokenizers/anthropic-0.38.0/tokenizer.json")!), "hf-ids-anthropic.jsonl")
    }

    /// The comparison can fail: one changed id in the reference is reported as exactly that text.
    @Test func aWrongReferenceIdIsReported() throws {
        let tok = try BPETokenizer.load(path: TestEnv.fixtures.appendingPathComponent("llama3-style-small.json").path)
        var ref = try Self.reference("hf-ids-llama3-style-small.jsonl")
        #expect(Self.mismatches(tok, ref).isEmpty)
        ref[7].ids[ref[7].ids.count - 1] ^= 1
        let bad = Self.mismatches(tok, ref)
        #expect(bad.count == 1 && bad.first?.text == ref[7].text)
    }
}
