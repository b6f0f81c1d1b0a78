import DomainForgeCore
import Testing
@testable import SFT

func norm(_ json: String, _ format: SFTFormat = .auto) throws -> (SFTRecord?, [SFTIssue]) {
    let v = try JSONParser.parse(json)
    let r = SFTNormalizer.normalize(v, format: format, file: "f", line: 1, index: nil, fallbackID: "f:1", source: "src")
    return (r.record, r.issues)
}

@Test func alpacaWithSystemAndHistory() throws {
    let (r, issues) = try norm(#"{"instruction": "Translate.", "input": "Bonjour", "output": "Hello", "system": "Be exact.", "history": [["Hi", "Hey"]]}"#)
    #expect(issues.isEmpty)
    #expect(r?.messages == [
        SFTMessage(role: "system", content: "Be exact."), SFTMessage(role: "user", content: "Hi"), SFTMessage(role: "assistant", content: "Hey"),
        SFTMessage(role: "user", content: "Translate.\nBonjour"), SFTMessage(role: "assistant", content: "Hello"),
    ])
    #expect(r?.id == "f:1")
    #expect(r?.source == "src")
    #expect(r?.meta["format"] == .string("alpaca"))
}

@Test func extraFieldsAreKeptInMeta() throws {
    let (r, _) = try norm(#"{"id": "q1", "source": "CancerGov", "url": "https://example.org", "focus": "Leukemia", "instruction": "What is it?", "input": "", "output": "A cancer."}"#)
    #expect(r?.id == "q1")
    #expect(r?.source == "src")
    #expect(r?.meta["source"] == .string("CancerGov"))
    #expect(r?.meta["focus"] == .string("Leukemia"))
    #expect(r?.meta["instruction"] == nil)
}

@Test func dollyMapsContextToInput() throws {
    let (r, _) = try norm(#"{"instruction": "Summarize.", "context": "Cats sleep.", "response": "Sleepy cats.", "category": "summarization"}"#)
    #expect(r?.messages.map(\.content) == ["Summarize.\nCats sleep.", "Sleepy cats."])
    #expect(r?.meta["format"] == .string("dolly"))
    #expect(r?.meta["category"] == .string("summarization"))
}

@Test func shareGPTRolesAndTools() throws {
    let (r, issues) = try norm(#"{"id": 7, "system": "S", "tools": "[]", "conversations": [{"from": "human", "value": "q"}, {"from": "function_call", "value": "{}"}, {"from": "observation", "value": "r"}, {"from": "gpt", "value": "a"}]}"#)
    #expect(issues.isEmpty)
    #expect(r?.id == "7")
    #expect(r?.messages.map(\.role) == ["system", "user", "assistant", "tool", "assistant"])
    #expect(r?.meta["tools"] == .string("[]"))
}

@Test func messagesWithPartsAndLossWeight() throws {
    let (r, issues) = try norm(#"{"messages": [{"role": "user", "content": [{"type": "text", "value": "hi"}], "loss_weight": 0.0}, {"role": "assistant", "content": "yo", "weight": 0}]}"#)
    #expect(issues.isEmpty)
    #expect(r?.messages == [SFTMessage(role: "user", content: "hi", weight: 0), SFTMessage(role: "assistant", content: "yo", weight: 0)])
}

@Test func namedFormatOverridesDetection() throws {
    let (_, issues) = try norm(#"{"instruction": "x", "output": "y"}"#, .messages)
    #expect(issues.map(\.code) == [.missingField])
    #expect(issues.first?.field == "messages")
}

@Test func canonicalRoundTrip() throws {
    let rec = SFTRecord(id: "a1", source: "med", messages: [SFTMessage(role: "user", content: "q"), SFTMessage(role: "assistant", content: "a", weight: 1)], meta: ["x": .int(1)])
    let line = String(decoding: rec.jsonLine().dropLast(), as: UTF8.self)
    let (r, issues) = try norm(line)
    #expect(issues.isEmpty)
    var expected = rec
    expected.meta["format"] = .string("canonical")
    #expect(r == expected)
}

@Test func nonObjectRecordIsWrongType() throws {
    let (r, issues) = try norm("[1, 2]")
    #expect(r == nil)
    #expect(issues.map(\.code) == [.wrongType])
}
