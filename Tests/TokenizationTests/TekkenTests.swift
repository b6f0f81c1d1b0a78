import Testing
import Foundation
import DomainForgeCore
@testable import Tokenization

/// Mistral tekken.json, loaded directly, against mistral-common's Tekkenizer.
@Suite struct TekkenTests {
    /// DOMAINFORGE_TEKKEN, else the tekken.json that the mistral-common Python package ships (not in the repository).
    static let tekkenPath: String? = {
        if let p = ProcessInfo.processInfo.environment["DOMAINFORGE_TEKKEN"], FileManager.default.fileExists(atPath: p) { return p }
        let (st, out) = TestEnv.runPython([TestEnv.fixtures.appendingPathComponent("mistral_reference.py").path, "path"])
        let p = out.trimmingCharacters(in: .whitespacesAndNewlines)
        return st == 0 && FileManager.default.fileExists(atPath: p) ? p : nil
    }()
    static let hasMistralCommon = TestEnv.runPython(["-c", "import mistral_common.tokens.tokenizers.tekken"]).0 == 0
    static let needsFile: Comment = "needs a Mistral tekken.json: pip install mistral-common, or set DOMAINFORGE_TEKKEN"

    static let multilingual = [
        "Hello, world! This is a test.", "The patient received 500 mg of metformin twice daily.",
        "中文分词是自然语言处理的基础任务。", "日本語のテキストとカタカナ、ひらがな。", "한국어 문장입니다.",
        "Привет, мир! Это тест.", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีครับ",
        "def f(x):\n    return x ** 2  # square\n", "CamelCaseIdentifier and snake_case_name and HTTPServer",
        "URLs: https://example.org/a/b?c=d&e=f", "1234567890 3.14159 1e-9 ½ ²", "emoji 😀👍🏽🇫🇷 mixed",
        "   leading spaces\tand\ttabs\r\nwindows newlines\n\n\nblank", "[INST] not special here [/INST] <s> </s>",
        "Ünïcödé ÄÖÜ ß ﬁ e\u{301}", "ALLCAPS WORDS, MixedCase, iPhone, McDonald's", "path/to/file.txt and C:\\dir\\x",
    ]

    static func texts() -> [String] { multilingual + ParityTests.fuzzTexts(seed: 77, count: 300) }

    @Test(.enabled(if: tekkenPath != nil, needsFile)) func loadsTekkenLayout() throws {
        let tok = try BPETokenizer.load(path: try #require(Self.tekkenPath))
        #expect(tok.vocabSize == 131_072)
        #expect(tok.addedTokens.count == 1000 && tok.addedTokens[1].content == "<s>" && tok.addedTokens[3].content == "[INST]")
        #expect(tok.encode("Hello").first == 1, "encode with special tokens prepends <s>")
        let ids = tok.encode("Hello, world!", addSpecialTokens: false)
        #expect(ids.allSatisfy { $0 >= 1000 })
        #expect(tok.decode(ids) == "Hello, world!")
    }

    @Test(.enabled(if: tekkenPath != nil, needsFile)) func checkedInReferenceIds() throws {
        let tok = try BPETokenizer.load(path: try #require(Self.tekkenPath))
        let text = try String(contentsOf: TestEnv.fixtures.appendingPathComponent("tekken-ids.jsonl"), encoding: .utf8)
        var n = 0
        for line in text.split(separator: "\n") {
            let v = try JSONParser.parse(String(line))
            let t = try #require(v["text"]?.stringValue)
            let want = (v["ids"]?.arrayValue ?? []).compactMap { $0.intValue }.map(UInt32.init)
            #expect(tok.encode(t, addSpecialTokens: false, splitSpecialTokens: true) == want, "\(t.debugDescription)")
            n += 1
        }
        #expect(n >= 20)
    }

    @Test(.enabled(if: tekkenPath != nil && hasMistralCommon, "needs mistral-common (pip install mistral-common) and its tekken.json"))
    func idsMatchMistralCommon() throws {
        let path = try #require(Self.tekkenPath)
        let tok = try BPETokenizer.load(path: path)
        let texts = Self.texts()
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inp = dir.appendingPathComponent("in.jsonl"), outp = dir.appendingPathComponent("out.jsonl")
        try TestEnv.writeJSONL(texts, to: inp)
        let (st, log) = TestEnv.runPython([TestEnv.fixtures.appendingPathComponent("mistral_reference.py").path, "encode", path, inp.path, outp.path])
        try #require(st == 0, "mistral_reference.py failed: \(log.suffix(800))")
        let lines = try String(contentsOf: outp, encoding: .utf8).split(separator: "\n")
        try #require(lines.count == texts.count)
        var bad = 0
        for (k, line) in lines.enumerated() {
            let want = (try JSONParser.parse(String(line)).arrayValue ?? []).compactMap { $0.intValue }.map(UInt32.init)
            let ours = tok.encode(texts[k], addSpecialTokens: false, splitSpecialTokens: true)
            if ours != want {
                bad += 1
                if bad <= 3 { Issue.record("text \(k) \(texts[k].debugDescription.prefix(120)): ours \(ours.prefix(30)) mistral \(want.prefix(30))") }
            }
        }
        #expect(bad == 0, "\(bad)/\(texts.count) texts differ from mistral-common")
    }
}
