import Testing
import Foundation
import DomainForgeCore
@testable import Tokenization

/// Deterministic generator of adversarial Unicode text for pre-tokenizer parity.
struct FuzzText {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
    mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }
    static let pieces: [String] = [
        "a", "Z", "hello", "World", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", " \n", "\u{0B}", "\u{0C}",
        "'s", "'S", "'t", "'re", "'RE", "'ve", "'m", "'ll", "'LL", "'d", "'", "'x", "'ſ", "ſ",
        "0", "7", "42", "1234567", "٣", "²", "Ⅻ", "½", "１２", ".", ",", "!?", "...", "--", "(", ")", "[x]", "_", "@", "#",
        "é", "e\u{301}", "Ж", "Жук", "中文", "日本語", "한국어", "ﬁ", "Å", "①", "ǅ", "ʰ", "ـ", "\u{300}", "\u{20DD}",
        "\u{A0}", "\u{2003}", "\u{2028}", "\u{2029}", "\u{85}", "\u{3000}", "\u{200B}", "\u{FEFF}", "\u{1680}", "\u{180E}",
        "😀", "👍🏽", "🇫🇷", "𝔘𝔫𝔦", "𐍈", "\u{E000}", "\u{10FFFD}", "\u{7F}", "\u{1}", "\u{0}", "<", ">", "|",
        "<|endoftext|>", "<EOT>", "<|begin_of_text|>", "Ġ", "Ċ", "ĠĠ",
    ]
    mutating func text(maxPieces: Int) -> String {
        var s = ""
        let n = Int(next() % UInt64(maxPieces)) + 1
        for _ in 0..<n { s += pick(FuzzText.pieces) }
        return s
    }
}

/// Compares our ids with HF's for texts; records the first mismatches.
func expectParity(_ tok: BPETokenizer, _ tokPath: String, _ texts: [String], label: String,
                  sourceLocation: SourceLocation = #_sourceLocation) throws {
    let ref = try #require(try TestEnv.hfEncode(tokenizer: tokPath, texts: texts), "the Python reference did not run", sourceLocation: sourceLocation)
    #expect(ref.count == texts.count, sourceLocation: sourceLocation)
    var bad = 0
    for (k, t) in texts.enumerated() where k < ref.count {
        let ours = tok.encode(t)
        if ours != ref[k] {
            bad += 1
            if bad <= 3 {
                Issue.record("\(label): doc \(k) differs: \(t.debugDescription.prefix(300))\n ours \(ours.prefix(60))\n   hf \(ref[k].prefix(60))", sourceLocation: sourceLocation)
            }
        }
    }
    #expect(bad == 0, "\(label): \(bad)/\(texts.count) documents differ", sourceLocation: sourceLocation)
}

/// Live parity with Hugging Face `tokenizers` on fuzzed and real text. Without Python these skip visibly; the
/// checked-in ids of HFReferenceIdsTests still check parity then.
@Suite(.enabled(if: TestEnv.hasHFTokenizers, "needs Python with the tokenizers package (pip install tokenizers)"))
struct ParityTests {
    static func fuzzTexts(seed: UInt64, count: Int) -> [String] {
        var g = FuzzText(seed: seed)
        return (0..<count).map { _ in g.text(maxPieces: 40) }
    }

    @Test(.enabled(if: TestEnv.gpt2Dir != nil, TestEnv.needsSharedData)) func gpt2FuzzParity() throws {
        let dir = try #require(TestEnv.gpt2Dir)
        let tok = try BPETokenizer.load(path: dir)
        try expectParity(tok, dir, Self.fuzzTexts(seed: 1, count: 3000), label: "gpt2 fuzz")
    }

    @Test(.enabled(if: TestEnv.anthropicPath != nil, TestEnv.needsSharedData)) func anthropicFuzzParity() throws {
        let p = try #require(TestEnv.anthropicPath)
        let tok = try BPETokenizer.load(path: p)
        try expectParity(tok, p, Self.fuzzTexts(seed: 2, count: 3000), label: "anthropic fuzz")
    }

    @Test func llama3StyleFixtureParity() throws {
        let p = TestEnv.fixtures.appendingPathComponent("llama3-style-small.json").path
        let tok = try BPETokenizer.load(path: p)
        #expect(tok.pattern == .cl100k)
        #expect(tok.prefixIds == [0])
        #expect(tok.encode("It's")[0] == 0)
        var texts = Self.fuzzTexts(seed: 3, count: 3000)
        texts += ["the patient was given 250 mg of metformin", "It's NOT a cure, we'll see.\r\n\r\n  x", "(see ref. [12])"]
        try expectParity(tok, p, texts, label: "llama3-style fuzz")
    }

    @Test func qwen2PatternParity() throws {
        let src = TestEnv.fixtures.appendingPathComponent("llama3-style-small.json").path
        let json = String(decoding: FileManager.default.contents(atPath: src)!, as: UTF8.self)
            .replacingOccurrences(of: #"\\p{N}{1,3}"#, with: #"\\p{N}"#)
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("qwen2-style.json").path
        try json.write(toFile: p, atomically: true, encoding: .utf8)
        let tok = try BPETokenizer.load(path: p)
        #expect(tok.pattern == .qwen2)
        try expectParity(tok, p, Self.fuzzTexts(seed: 5, count: 1500), label: "qwen2-style fuzz")
    }

    /// A Split regex without a built-in state machine (GPT-4o's o200k pattern) runs through the ICU fallback.
    @Test func o200kPatternFallbackParity() throws {
        let src = TestEnv.fixtures.appendingPathComponent("llama3-style-small.json").path
        let o200k = #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        var root = try JSONParser.parse(bytes: [UInt8](FileManager.default.contents(atPath: src)!)).objectValue!
        root["pre_tokenizer"] = .object(["type": .string("Sequence"), "pretokenizers": .array([
            .object(["type": .string("Split"), "pattern": .object(["Regex": .string(o200k)]), "behavior": .string("Isolated"), "invert": .bool(false)]),
            .object(["type": .string("ByteLevel"), "add_prefix_space": .bool(false), "trim_offsets": .bool(false), "use_regex": .bool(false)]),
        ])])
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("o200k-style.json").path
        try JSONValue.object(root).serialized().write(toFile: p, atomically: true, encoding: .utf8)
        let tok = try BPETokenizer.load(path: p)
        #expect(tok.pattern == nil && tok.customRegexes == [o200k])
        let reloaded = try BPETokenizer(tokenizerJSON: tok.tokenizerJSON())
        #expect(reloaded.fingerprint == tok.fingerprint)
        var texts = Self.fuzzTexts(seed: 6, count: 1500)
        texts += ["HelloWorld It'S a CamelCase test/path\n", "don't STOP 12345 ÄÖÜäöü"]
        for t in texts { #expect(tok.decode(tok.encode(t, addSpecialTokens: false)) == t) }
        try expectParity(tok, p, texts, label: "o200k-style fallback")
    }

    /// Added tokens with lstrip / rstrip / single_word / normalized flags, special and not.
    @Test func addedTokenOptionsParity() throws {
        let src = TestEnv.fixtures.appendingPathComponent("llama3-style-small.json").path
        var root = try JSONParser.parse(bytes: [UInt8](FileManager.default.contents(atPath: src)!)).objectValue!
        var added = root["added_tokens"]!.arrayValue!
        func tok(_ id: Int, _ c: String, special: Bool, lstrip: Bool = false, rstrip: Bool = false, single: Bool = false) -> JSONValue {
            .object(["id": .int(Int64(id)), "content": .string(c), "special": .bool(special), "lstrip": .bool(lstrip),
                     "rstrip": .bool(rstrip), "single_word": .bool(single), "normalized": .bool(!special)])
        }
        added += [tok(700, "<mask>", special: true, lstrip: true), tok(701, "[SEP]", special: true, rstrip: true),
                  tok(702, "patient", special: false, single: true), tok(703, "Ж", special: false, lstrip: true, rstrip: true)]
        root["added_tokens"] = .array(added)
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("added.json").path
        try JSONValue.object(root).serialized().write(toFile: p, atomically: true, encoding: .utf8)
        let t = try BPETokenizer.load(path: p)
        // HF assigns ids itself (model id when the content is in the vocabulary, else the next free id)
        #expect(t.tokenId("<mask>") == UInt32(t.mergeCount > 0 ? t.vocabSize - 3 : 0))
        var texts = Self.fuzzTexts(seed: 8, count: 800)
        var g = FuzzText(seed: 12)
        for _ in 0..<800 {
            var s = ""
            for _ in 0..<12 { s += g.pick(["<mask>", " <mask>", "[SEP]", "[SEP]  ", "patient", " patient", "patients", "outpatient",
                                           "Ж", " Ж ", "\t", " ", "x", "1", "é", "_", "\n"]) }
            texts.append(s)
        }
        try expectParity(t, p, texts, label: "added token options")
    }

    /// DeepSeek-style sequence of several Split regexes (digits, CJK runs, then the main pattern) via the fallback.
    @Test func multiSplitFallbackParity() throws {
        let src = TestEnv.fixtures.appendingPathComponent("llama3-style-small.json").path
        var root = try JSONParser.parse(bytes: [UInt8](FileManager.default.contents(atPath: src)!)).objectValue!
        let regexes = [#"\p{N}{1,3}"#, #"[一-龥\u3040-ゟ゠-ヿ]+"#, SplitPattern.cl100k.regex]
        var items: [JSONValue] = regexes.map { rx in
            .object(["type": .string("Split"), "pattern": .object(["Regex": .string(rx)]), "behavior": .string("Isolated"), "invert": .bool(false)])
        }
        items.append(.object(["type": .string("ByteLevel"), "add_prefix_space": .bool(false), "trim_offsets": .bool(false), "use_regex": .bool(false)]))
        root["pre_tokenizer"] = .object(["type": .string("Sequence"), "pretokenizers": .array(items)])
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("multi-split.json").path
        try JSONValue.object(root).serialized().write(toFile: p, atomically: true, encoding: .utf8)
        let tok = try BPETokenizer.load(path: p)
        #expect(tok.customRegexes == regexes)
        #expect(try BPETokenizer(tokenizerJSON: tok.tokenizerJSON()).fingerprint == tok.fingerprint)
        var texts = Self.fuzzTexts(seed: 14, count: 1000)
        texts += ["abc12345def 中文日本語テスト 1234567 x"]
        try expectParity(tok, p, texts, label: "multi-split fallback")
    }

    /// Real documents (sampled so the suite stays fast in debug builds); the benchmark runs all of the data.
    @Test(.enabled(if: TestEnv.gpt2Dir != nil && TestEnv.anthropicPath != nil, TestEnv.needsSharedData), arguments: [
        "plain-text/gutenberg-gitenberg", "plain-text/debian-policy", "eval-general/wiki-c4-samples",
        "sft-domain/medquad/medquad_qa.jsonl", "plain-text/near-duplicates",
    ])
    func realDataParity(source: String) throws {
        let docs = TestEnv.sampleDocs(source, maxBytes: 300_000, allFiles: source == "plain-text/near-duplicates")
        #expect(!docs.isEmpty, "no documents read from \(source)")
        let dir = try #require(TestEnv.gpt2Dir), p = try #require(TestEnv.anthropicPath)
        try expectParity(try BPETokenizer.load(path: dir), dir, docs, label: "gpt2 \(source)")
        try expectParity(try BPETokenizer.load(path: p), p, docs, label: "anthropic \(source)")
    }

    /// Decoding arbitrary id sequences (partial UTF-8 included) gives HF's text (lossy U+FFFD replacement alike).
    @Test(.enabled(if: TestEnv.anthropicPath != nil, TestEnv.needsSharedData)) func decodeRandomIdsParity() throws {
        let p = try #require(TestEnv.anthropicPath)
        let tok = try BPETokenizer.load(path: p)
        var g = FuzzText(seed: 77)
        let rows: [[UInt32]] = (0..<500).map { _ in (0..<Int(g.next() % 30)).map { _ in UInt32(g.next() % UInt64(tok.vocabSize)) } }
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines = ""
        for r in rows { lines += "{\"ids\": [\(r.map(String.init).joined(separator: ","))]}\n" }
        let inp = dir.appendingPathComponent("ids.jsonl"), outp = dir.appendingPathComponent("text.jsonl")
        try lines.write(to: inp, atomically: true, encoding: .utf8)
        let (st, log) = TestEnv.runPython([TestEnv.fixtures.appendingPathComponent("hf_reference.py").path, "decode", p, inp.path, outp.path])
        #expect(st == 0, "\(log)")
        let texts = try String(contentsOf: outp, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0))["text"]!.stringValue! }
        #expect(texts.count == rows.count)
        var bad = 0
        for (k, r) in rows.enumerated() where k < texts.count && tok.decode(r) != texts[k] {
            bad += 1
            if bad <= 3 { Issue.record("ids \(r): ours \(tok.decode(r).debugDescription) hf \(texts[k].debugDescription)") }
        }
        #expect(bad == 0)
    }

}

/// Round trips that need no reference.
@Suite struct RoundTripTests {
    @Test func fixtureDecodeRoundTripFuzz() throws {
        let fixture = try BPETokenizer.load(path: TestEnv.fixtures.appendingPathComponent("llama3-style-small.json").path)
        for t in ParityTests.fuzzTexts(seed: 4, count: 2000) {
            #expect(fixture.decode(fixture.encode(t, addSpecialTokens: false)) == t)
        }
    }

    @Test(.enabled(if: TestEnv.gpt2Dir != nil, TestEnv.needsSharedData)) func gpt2DecodeRoundTripFuzz() throws {
        let tok = try BPETokenizer.load(path: try #require(TestEnv.gpt2Dir))
        for t in ParityTests.fuzzTexts(seed: 4, count: 2000) {
            #expect(tok.decode(tok.encode(t)) == t)
        }
    }
}

@Suite struct ReferenceAvailabilityTests {
    /// Set DOMAINFORGE_REQUIRE_HF=1 (CI sets it) to fail when the reference or the shared data is missing.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DOMAINFORGE_REQUIRE_HF"] == "1", "DOMAINFORGE_REQUIRE_HF=1 is not set"))
    func referenceAvailableWhenRequired() throws {
        #expect(TestEnv.hasHFTokenizers, "python3 -c 'import tokenizers' failed (set DOMAINFORGE_PYTHON)")
        #expect(TestEnv.sharedData != nil, "../shared/data is missing")
        let ref = try TestEnv.hfEncode(tokenizer: TestEnv.fixtures.appendingPathComponent("llama3-style-small.json").path, texts: ["It's"])
        #expect(ref?.first?.first == 0)
    }
}
