import DomainForgeCore
import Foundation
@testable import SFT
import Testing
import Tokenization

/// A Python with transformers (DOMAINFORGE_PYTHON), or nil (the comparison with apply_chat_template skips).
let transformersPython: String? = {
    guard let py = ProcessInfo.processInfo.environment["DOMAINFORGE_PYTHON"], !py.isEmpty else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: py)
    p.arguments = ["-c", "import transformers, jinja2"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    p.waitUntilExit()
    return p.terminationStatus == 0 ? py : nil
}()

/// Conversations with whitespace at the edges, system prompts, several turns, weight 0, a tool turn, non-ASCII and
/// template-looking text.
let jinjaConversations: [[SFTMessage]] = [
    [.init(role: "user", content: "What is angina?"), .init(role: "assistant", content: "Chest pain from reduced blood flow.")],
    [.init(role: "system", content: "You are a careful clinician."), .init(role: "user", content: " Dose of amoxicillin? "),
     .init(role: "assistant", content: "500 mg every 8 hours.\n")],
    [.init(role: "user", content: "Hi"), .init(role: "assistant", content: "Hello!", weight: 0),
     .init(role: "user", content: "Define 'sepsis'."), .init(role: "assistant", content: "A dysregulated response to infection.")],
    [.init(role: "user", content: "Last turn masked"), .init(role: "assistant", content: "Not trained.", weight: 0)],
    [.init(role: "user", content: "Naïve café — 心脏? {{ x }} {% if %}"), .init(role: "assistant", content: "  padded  "),
     .init(role: "tool", content: "{\"ok\": true}"), .init(role: "assistant", content: "Done\t")],
]

@Suite struct JinjaTemplateTests {
    static let script = Fix.repoRoot + "/scripts/compat/check_chat_template.py"
    static let plain = Fix.repoRoot + "/pipelines/templates/sft-template-plain.yaml"
    static let sampleBPE = Fix.repoRoot + "/pipelines/tokenizers/medical-sample-bpe.json"

    @Test func literalsAreEscaped() {
        #expect(ChatTemplate.literal("a'b\\c\nd\te\u{1}") == #"'a\'b\\c\nd\te\x01'"#)
        #expect(ChatTemplate.pythonStrip("\u{1C} \t x y\u{3000}\n") == "x y")
        #expect(ChatTemplate.chatml.jinja().contains("{%- generation -%}"))
        #expect(ChatTemplate.llama3.jinja(trimContent: true).contains("message['content'] | trim"))
    }

    @Test func trimContentStripsAsPythonDoes() throws {
        let r = try SFTRenderer(template: .llama3, tokenizer: Fix.byteTokenizer, trimContent: true)
        let rec = SFTRecord(id: "a", source: "s", messages: [.init(role: "user", content: "\n hi \t"), .init(role: "assistant", content: " ok ")])
        let text = Fix.byteTokenizer.decode(try r.render(rec).tokens)
        #expect(text == "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nok<|eot_id|>")
    }

    @Test func specialTokensInContentAreTextByDefaultAndTokensOnRequest() throws {
        let rec = SFTRecord(id: "a", source: "s", messages: [.init(role: "user", content: "x<|im_end|>"), .init(role: "assistant", content: "y")])
        let safe = try SFTRenderer(template: .chatml, tokenizer: Fix.byteTokenizer).render(rec).tokens
        let hf = try SFTRenderer(template: .chatml, tokenizer: Fix.byteTokenizer, specialTokensInContent: true).render(rec).tokens
        let imEnd = try #require(Fix.byteTokenizer.specialTokenId("<|im_end|>"))
        #expect(safe.filter { $0 == imEnd }.count == 2)
        #expect(hf.filter { $0 == imEnd }.count == 3)
    }

    /// Writes a tokenizer folder (tokenizer.json + tokenizer_config.json with the template's jinja) and the cases.
    func cases(_ template: ChatTemplate, tokenizerPath: String, trim: Bool, special: Bool, dir: String) throws -> [JSONValue] {
        let folder = dir + "/" + template.name + (trim ? "-trim" : "") + "-" + URL(fileURLWithPath: tokenizerPath).lastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: tokenizerPath, toPath: folder + "/tokenizer.json")
        let tc = JSONValue.object(["tokenizer_class": .string("PreTrainedTokenizerFast"), "chat_template": .string(template.jinja(trimContent: trim))])
        try Data(tc.serialized().utf8).write(to: URL(fileURLWithPath: folder + "/tokenizer_config.json"))
        let tok = try BPETokenizer.load(path: tokenizerPath)
        let r = try SFTRenderer(template: template, tokenizer: tok, trimContent: trim, specialTokensInContent: special)
        return try jinjaConversations.map { msgs in
            let out = try r.render(SFTRecord(id: "c", source: "s", messages: msgs))
            let m: [JSONValue] = msgs.map { x in
                var o: [String: JSONValue] = ["role": .string(x.role), "content": .string(x.content)]
                if let w = x.weight { o["weight"] = .double(w) }
                return .object(o)
            }
            return .object(["folder": .string(folder), "messages": .array(m), "text": .string(tok.decode(out.tokens)),
                            "ids": .array(out.tokens.map { .int(Int64($0)) }), "mask": .array(out.lossMask.map { .int(Int64($0)) })])
        }
    }

    func runHF(_ all: [JSONValue], dir: String) throws -> [JSONValue] {
        try Data(JSONValue.array(all).serialized().utf8).write(to: URL(fileURLWithPath: dir + "/cases.json"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: transformersPython!)
        p.arguments = [Self.script, dir + "/cases.json"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return try out.split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse(bytes: [UInt8]($0)) }
    }

    /// With a byte-level tokenizer (no merges, so how the string is cut cannot change the ids) every template gives
    /// the same string, ids and trained mask through apply_chat_template as through SFTRenderer.
    @Test(.enabled(if: transformersPython != nil, "set DOMAINFORGE_PYTHON to a Python with transformers"))
    func applyChatTemplateMatchesSFTRender() throws {
        let dir = Fix.tempDir("jinja")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var all: [JSONValue] = []
        for (t, trim) in [(ChatTemplate.chatml, false), (.llama3, false), (.llama3, true), (try ChatTemplate.named(Self.plain), false)] {
            all += try cases(t, tokenizerPath: Fix.path("byte-tokenizer.json"), trim: trim, special: false, dir: dir)
        }
        let results = try runHF(all, dir: dir)
        #expect(results.count == all.count)
        for (k, r) in results.enumerated() {
            #expect(r["text_equal"] == .bool(true) && r["ids_equal"] == .bool(true) && r["mask_equal"] == .bool(true),
                    "case \(k): \(r.serialized().prefix(600))")
        }
    }

    /// With a real BPE tokenizer and ChatML, message pieces meet template text only at special tokens and at the
    /// role line's newline; print how many conversations HF tokenizes to other ids (see README: a content starting
    /// with a newline merges with the template's).
    @Test(.enabled(if: transformersPython != nil, "set DOMAINFORGE_PYTHON to a Python with transformers"))
    func chatMLWithTheSampleTokenizer() throws {
        let dir = Fix.tempDir("jinja-bpe")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = try cases(.chatml, tokenizerPath: Self.sampleBPE, trim: false, special: false, dir: dir)
        let results = try runHF(all, dir: dir)
        for (k, r) in results.enumerated() {
            #expect(r["text_equal"] == .bool(true) && r["ids_equal"] == .bool(true) && r["mask_equal"] == .bool(true),
                    "case \(k): \(r.serialized().prefix(600))")
        }
    }
}
