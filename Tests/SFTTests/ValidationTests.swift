import DomainForgeCore
import Foundation
import Testing
@testable import SFT

struct BadFileCase: Sendable, CustomStringConvertible {
    var file: String
    var code: SFTErrorCode
    var line: Int
    var index: Int?
    var field: String
    var description: String { file }
}

/// One tiny failing file per error code: each holds one valid record and one bad record.
let badFiles: [BadFileCase] = [
    .init(file: "invalid_json.jsonl", code: .invalidJSON, line: 2, index: nil, field: ""),
    .init(file: "unknown_format.jsonl", code: .unknownFormat, line: 2, index: nil, field: ""),
    .init(file: "missing_field.jsonl", code: .missingField, line: 2, index: nil, field: "output"),
    .init(file: "wrong_type.jsonl", code: .wrongType, line: 2, index: nil, field: "output"),
    .init(file: "empty_output.json", code: .emptyOutput, line: 3, index: 1, field: "messages[1].content"),
    .init(file: "unknown_role.jsonl", code: .unknownRole, line: 2, index: nil, field: "messages[1].role"),
    .init(file: "system_not_first.jsonl", code: .systemNotFirst, line: 2, index: nil, field: "messages[1].role"),
    .init(file: "consecutive_user_turns.jsonl", code: .consecutiveUserTurns, line: 2, index: nil, field: "messages[1]"),
    .init(file: "no_assistant_turn.jsonl", code: .noAssistantTurn, line: 2, index: nil, field: "messages"),
    .init(file: "assistant_before_user.json", code: .assistantBeforeUser, line: 3, index: 1, field: "messages[0]"),
    .init(file: "merged_instructions.json", code: .mergedInstructions, line: 3, index: 1, field: "messages[1].content"),
    .init(file: "duplicate_record.jsonl", code: .duplicateRecord, line: 2, index: nil, field: ""),
    .init(file: "placeholder.json", code: .placeholder, line: 3, index: 1, field: "messages[1].content"),
]

@Test(arguments: badFiles)
func badFileReportsItsCode(_ c: BadFileCase) throws {
    let v = SFTValidator()
    var valid = [SFTRecord]()
    let path = Fix.path("bad/" + c.file)
    try v.validate(path: path, displayName: c.file) { r, _ in valid.append(r) }
    #expect(v.summary.records == 2)
    #expect(v.summary.valid == 1)
    #expect(v.summary.rejected == 1)
    #expect(v.summary.byCode == [c.code: 1])
    let issue = try #require(v.issues.first)
    #expect(v.issues.count == 1)
    #expect(issue.code == c.code)
    #expect(issue.file == c.file)
    #expect(issue.line == c.line)
    #expect(issue.index == c.index)
    #expect(issue.field == c.field)
    #expect(!issue.message.isEmpty)
    #expect(valid.count == 1)
}

@Test func tooLongPolicies() throws {
    let path = Fix.path("bad/too_long.jsonl")
    let r = try SFTRenderer(template: .chatml, tokenizer: Fix.byteTokenizer)
    for policy in OverLengthPolicy.allCases {
        var o = SFTValidationOptions()
        o.maxTokens = 100
        o.overLength = policy
        let v = SFTValidator(options: o, renderer: r)
        var kept = [RenderedSFT]()
        var recs = [SFTRecord]()
        try v.validate(path: path) { r, rendered in kept.append(rendered!); recs.append(r) }
        #expect(v.summary.byCode == [.tooLong: 1], "\(policy)")
        #expect(v.issues.first?.line == 2)
        switch policy {
        case .drop: #expect(kept.count == 1); #expect(v.summary.rejected == 1); #expect(!v.summary.fatal)
        case .error: #expect(kept.count == 1); #expect(v.summary.fatal)
        case .truncate:
            #expect(kept.count == 2)
            #expect(v.summary.truncated == 1)
            #expect(v.summary.rejected == 0)
            #expect(kept[1].tokens.count == 100)
            #expect(kept[1].lossMask.count == 100)
            #expect(v.issues.first?.action == "truncated")
            #expect(recs[1].meta["truncated_to_tokens"] == .int(100))
        }
    }
}

@Test func lineTooLongIsReported() throws {
    let d = Fix.tempDir("long")
    let p = Fix.write("{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": \"\(String(repeating: "x", count: 300))\", \"output\": \"b\"}\n", "x.jsonl", in: d)
    let reader = try SFTFileReader(path: p, maxRecordBytes: 100)
    #expect(reader.container == .jsonl)
    #expect(try reader.next()?.readError == nil)
    #expect(try reader.next()?.readError?.code == .lineTooLong)
    #expect(try reader.next() == nil)
}

@Test func jsonArrayStreamsWithLinesAndIndices() throws {
    let d = Fix.tempDir("arr")
    let p = Fix.write("[\n  {\"a\": \"x,]}\\\"\"},\n\n  {\"b\": [1, {\"c\": 2}]}, 5 ,\"s\"\n]\n", "a.json", in: d)
    let r = try SFTFileReader(path: p)
    #expect(r.container == .array)
    var got = [(String, Int, Int?)]()
    while let it = try r.next() { got.append((String(decoding: it.bytes, as: UTF8.self), it.line, it.index)) }
    #expect(got.map(\.0) == ["{\"a\": \"x,]}\\\"\"}", "{\"b\": [1, {\"c\": 2}]}", "5", "\"s\""])
    #expect(got.map(\.1) == [2, 4, 4, 4])
    #expect(got.map(\.2) == [0, 1, 2, 3])
}

@Test func truncatedArrayIsInvalidJSON() throws {
    let d = Fix.tempDir("trunc")
    let p = Fix.write("[{\"instruction\": \"a\", \"output\": \"b\"}, {\"instruction\": \"c\", \"out", "t.json", in: d)
    let v = SFTValidator()
    try v.validate(path: p)
    #expect(v.summary.valid == 1)
    #expect(v.summary.byCode == [.invalidJSON: 1])
}

@Test func keyedObjectFileIsReadRecordByRecord() throws {
    let d = Fix.tempDir("obj")
    let p = Fix.write("{\n \"k1\": {\"instruction\": \"a\", \"output\": \"b\"},\n \"k2\": {\"QUESTION\": \"q\"}\n}\n", "o.json", in: d)
    let v = SFTValidator()
    var ids = [String]()
    try v.validate(path: p) { r, _ in ids.append(r.id) }
    #expect(ids == ["k1"])
    #expect(v.summary.byCode == [.unknownFormat: 1])
}

@Test func duplicatesAcrossFilesAndNoDedup() throws {
    let p = Fix.path("bad/duplicate_record.jsonl")
    let v = SFTValidator()
    try v.validate(path: p)
    try v.validate(path: p)
    #expect(v.summary.byCode == [.duplicateRecord: 3])
    #expect(v.summary.files.map(\.valid) == [1, 0])
    var o = SFTValidationOptions()
    o.checkDuplicates = false
    let w = SFTValidator(options: o)
    try w.validate(path: p)
    #expect(w.summary.valid == 2)
}

@Test func placeholdersCanBeFilled() throws {
    var o = SFTValidationOptions()
    o.placeholderValues = ["name": "Medi", "author": "Clinic"]
    let v = SFTValidator(options: o)
    var got = [SFTRecord]()
    try v.validate(path: Fix.path("bad/placeholder.json")) { r, _ in got.append(r) }
    #expect(v.summary.valid == 2)
    #expect(got[1].messages[1].content == "I am Medi, made by Clinic.")
}

@Test func heuristics() {
    #expect(SFTChecks.mergedInstructionLine("Joyful.\n##\n18. Instruction: Do X") != nil)
    #expect(SFTChecks.mergedInstructionLine("1) instruction : do it\nmore") != nil)
    #expect(SFTChecks.mergedInstructionLine("Steps:\n1. Input: enter the data\n2. Output: print it") == nil)
    #expect(SFTChecks.mergedInstructionLine("Follow the instruction: 1. do this") == nil)
    #expect(SFTChecks.firstPlaceholder("I am {{name}}.") == "{{name}}")
    #expect(SFTChecks.firstPlaceholder("I am {{ name }}.") == "{{ name }}")
    #expect(SFTChecks.firstPlaceholder("code: {{1+1}} and {x}") == nil)
    #expect(SFTChecks.isEmptyOutput("  n/a "))
    #expect(SFTChecks.isEmptyOutput("\n"))
    #expect(!SFTChecks.isEmptyOutput("No."))
}

@Test func errorCodesAreStable() {
    #expect(SFTErrorCode.allCases.map(\.rawValue) == [
        "invalid_json", "unknown_format", "missing_field", "wrong_type", "empty_output", "unknown_role", "system_not_first",
        "consecutive_user_turns", "no_assistant_turn", "assistant_before_user", "merged_instructions", "duplicate_record",
        "placeholder", "too_long", "line_too_long", "io_error", "near_duplicate", "contaminated", "dedup_dropped",
    ])
}

@Test func dedupPerFileForgetsBetweenFiles() throws {
    var o = SFTValidationOptions()
    o.dedupPerFile = true
    let v = SFTValidator(options: o)
    let p = Fix.path("bad/duplicate_record.jsonl")
    try v.validate(path: p)
    try v.validate(path: p)
    #expect(v.summary.byCode == [.duplicateRecord: 2])
    #expect(v.issues.first?.message.contains("duplicate_record.jsonl:1") == true)
}

@Test func dollyFixtureNormalizes() throws {
    let v = SFTValidator()
    var got = [SFTRecord]()
    try v.validate(path: Fix.path("bad/dolly.jsonl"), source: "dolly") { r, _ in got.append(r) }
    #expect(got.count == 1)
    #expect(got[0].source == "dolly")
    #expect(got[0].messages.map(\.role) == ["user", "assistant"])
}

@Test func brokenFirstLineStaysJSONLines() throws {
    let d = Fix.tempDir("first")
    let p = Fix.write("{\"instruction\": \"a\", \"out\n{\"instruction\": \"a\", \"output\": \"b\"}\n", "f.jsonl", in: d)
    let v = SFTValidator()
    try v.validate(path: p)
    #expect(v.summary.records == 2)
    #expect(v.summary.valid == 1)
    #expect(v.issues.first?.code == .invalidJSON)
    #expect(v.issues.first?.line == 1)
}

@Test func trailingUserTurnHasNoAnswer() {
    let r = SFTRecord(id: "r", source: "s", messages: [SFTMessage(role: "user", content: "a"), SFTMessage(role: "assistant", content: "b"), SFTMessage(role: "user", content: "c")])
    let issues = SFTChecks.check(r, file: "f", line: 3, index: nil)
    #expect(issues.map(\.code) == [.noAssistantTurn])
    #expect(issues.first?.field == "messages[2]")
}

@Test func allAssistantWeightsZeroIsNothingToTrain() {
    let r = SFTRecord(id: "r", source: "s", messages: [SFTMessage(role: "user", content: "a"), SFTMessage(role: "assistant", content: "b", weight: 0)])
    #expect(SFTChecks.check(r, file: "f", line: 1, index: nil).map(\.code) == [.noAssistantTurn])
}
