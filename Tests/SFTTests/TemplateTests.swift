import Foundation
import Testing
import Tokenization
@testable import SFT

let conv = SFTRecord(id: "r", source: "s", messages: [
    SFTMessage(role: "system", content: "S"), SFTMessage(role: "user", content: "Hi"), SFTMessage(role: "assistant", content: "Yo"),
])

@Test func chatmlIdsAndMask() throws {
    let r = try SFTRenderer(template: .chatml, tokenizer: Fix.byteTokenizer).render(conv)
    let (st, en): (UInt32, UInt32) = (257, 258)
    let expected: [UInt32] = [st] + bytes("system\nS") + [en] + bytes("\n")
        + [st] + bytes("user\nHi") + [en] + bytes("\n")
        + [st] + bytes("assistant\n") + bytes("Yo") + [en] + bytes("\n")
    #expect(r.tokens == expected)
    let mask: [UInt8] = Array(repeating: 0, count: 1 + 8 + 1 + 1 + 1 + 7 + 1 + 1 + 1 + 10) + [1, 1, 1, 0]
    #expect(r.lossMask == mask)
    #expect(r.trainedTokens == 3)
}

@Test func llama3IdsAndMask() throws {
    let r = try SFTRenderer(template: .llama3, tokenizer: Fix.byteTokenizer).render(SFTRecord(id: "r", source: "s", messages: Array(conv.messages.dropFirst())))
    let (bot, sh, eh, eot): (UInt32, UInt32, UInt32, UInt32) = (259, 260, 261, 262)
    let expected: [UInt32] = [bot, sh] + bytes("user") + [eh] + bytes("\n\nHi") + [eot]
        + [sh] + bytes("assistant") + [eh] + bytes("\n\nYo") + [eot]
    #expect(r.tokens == expected)
    let mask: [UInt8] = Array(repeating: 0, count: 2 + 4 + 1 + 4 + 1 + 1 + 9 + 1 + 2) + [1, 1, 1]
    #expect(r.lossMask == mask)
}

@Test func trainOnPromptAndWeightZero() throws {
    let rec = SFTRecord(id: "r", source: "s", messages: [
        SFTMessage(role: "user", content: "a"), SFTMessage(role: "assistant", content: "b", weight: 0),
        SFTMessage(role: "user", content: "c"), SFTMessage(role: "assistant", content: "d"),
    ])
    let plain = try SFTRenderer(template: .chatml, tokenizer: Fix.byteTokenizer).render(rec)
    // Only "d" and its <|im_end|> are trained: the weight-0 turn is masked.
    #expect(plain.trainedTokens == 2)
    let decoded = Fix.byteTokenizer.decode(zip(plain.tokens, plain.lossMask).filter { $0.1 == 1 }.map(\.0))
    #expect(decoded == "d<|im_end|>")
    let all = try SFTRenderer(template: .chatml, tokenizer: Fix.byteTokenizer, trainOnPrompt: true).render(rec)
    // Everything but the weight-0 message (prefix, content, suffix, separator: 1+10+1+1+1 tokens) is trained.
    #expect(all.trainedTokens == all.tokens.count - 14)
}

@Test func specialTokenMustBeOneId() throws {
    let medical = try BPETokenizer.load(path: Fix.repoRoot + "/pipelines/tokenizers/medical-sample-bpe.json")
    #expect(throws: SFTTemplateError.self) { try SFTRenderer(template: .llama3, tokenizer: medical) }
    do { _ = try SFTRenderer(template: .llama3, tokenizer: medical) } catch {
        #expect("\(error)".contains("<|begin_of_text|>"))
        #expect("\(error)".contains("not exactly one"))
    }
    _ = try SFTRenderer(template: .chatml, tokenizer: medical)
}

@Test func contentCannotInjectSpecialTokens() throws {
    let rec = SFTRecord(id: "r", source: "s", messages: [SFTMessage(role: "user", content: "<|im_end|>"), SFTMessage(role: "assistant", content: "x")])
    let r = try SFTRenderer(template: .chatml, tokenizer: Fix.byteTokenizer).render(rec)
    #expect(r.tokens.filter { $0 == 258 }.count == 2)
}

@Test func customYAMLTemplate() throws {
    let yaml = """
        name: inst
        bos: "<|endoftext|>"
        separator: ""
        roles:
          user: {prefix: "[U]", suffix: ""}
          assistant: {prefix: "[A]", suffix: "<|eot_id|>"}
        special_tokens: ["<|eot_id|>"]
        """
    let t = try ChatTemplate.fromYAML(yaml)
    #expect(t.specialTokens == ["<|eot_id|>", "<|endoftext|>"])
    let r = try SFTRenderer(template: t, tokenizer: Fix.byteTokenizer).render(SFTRecord(id: "r", source: "s", messages: Array(conv.messages.dropFirst())))
    #expect(r.tokens == [256] + bytes("[U]Hi[A]Yo") + [262])
    #expect(r.lossMask == [0] + Array(repeating: 0, count: 8) + [1, 1, 1])
    // A system message has no format in this template.
    #expect(throws: SFTTemplateError.self) { try SFTRenderer(template: t, tokenizer: Fix.byteTokenizer).render(conv) }
    #expect(throws: SFTTemplateError.self) { try ChatTemplate.fromYAML("roles: {user: {prefix: a}}") }
    #expect(throws: SFTTemplateError.self) { try ChatTemplate.fromYAML("bogus: 1\nroles: {user: {}, assistant: {}}") }
    #expect(throws: SFTTemplateError.self) { try ChatTemplate.named("no-such-template") }
}

@Test func llama3ToolRoleIsIPython() throws {
    let rec = SFTRecord(id: "r", source: "s", messages: [
        SFTMessage(role: "user", content: "q"), SFTMessage(role: "assistant", content: "c"), SFTMessage(role: "tool", content: "t"),
        SFTMessage(role: "assistant", content: "a"),
    ])
    let r = try SFTRenderer(template: .llama3, tokenizer: Fix.byteTokenizer).render(rec)
    #expect(Fix.byteTokenizer.decode(r.tokens).contains("<|start_header_id|>ipython<|end_header_id|>\n\nt<|eot_id|>"))
    // Trained: "c<|eot_id|>" and "a<|eot_id|>".
    #expect(Fix.byteTokenizer.decode(zip(r.tokens, r.lossMask).filter { $0.1 == 1 }.map(\.0)) == "c<|eot_id|>a<|eot_id|>")
}

@Test func roleMissingFromTemplateIsReportedPerRecord() throws {
    let t = try ChatTemplate.fromYAML("roles:\n  user: {prefix: 'U:'}\n  assistant: {prefix: 'A:'}\n")
    let v = SFTValidator(renderer: try SFTRenderer(template: t, tokenizer: Fix.byteTokenizer))
    try v.validate(path: Fix.path("bad/system_not_first.jsonl"))
    // Record 1 renders; record 2 fails the role-order check before rendering.
    #expect(v.summary.byCode == [.systemNotFirst: 1])
    let d = Fix.tempDir("sys")
    let p = Fix.write(#"{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}"# + "\n", "s.jsonl", in: d)
    try v.validate(path: p)
    #expect(v.summary.byCode[.unknownRole] == 1)
    #expect(v.issues.last?.message.contains("no format for role \"system\"") == true)
}
