import DomainForgeCore
import Foundation
@testable import SFT
import Testing

/// A stand-in for the pipeline's dedup stages: drops texts containing a marker, and exact repeats of earlier texts.
final class MarkerStage: OrderedStage {
    struct Nothing: OrderedPreparer {
        func prepare(_ document: Document) {}
    }
    var name: String { "marker" }
    let preparer = Nothing()
    var seen = Set<String>()
    var began = false, finished = false
    func decide(_ document: inout Document, prepared: Void, counters: inout StageCounters) -> StageVerdict {
        if document.text.contains("EVAL-LEAK") { return .drop(reason: "contaminated") }
        if document.text.contains("NEAR") {
            if seen.contains("NEAR") { return .drop(reason: "near_duplicate", details: DropDetails(duplicateOf: "first", similarity: 0.8125)) }
            seen.insert("NEAR")
        }
        return .keep
    }
    func beginPart(_ part: Int) throws { began = true }
    func endPart(_ part: Int) throws {}
    func resume(finishedParts: Set<Int>) throws {}
    func finish() throws { finished = true }
}

@Suite struct DedupHookTests {
    @Test func orderedStagesRejectRecordsWithTheirCodes() throws {
        let dir = NSTemporaryDirectory() + "/df-sft-hook-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = [
            #"{"instruction": "Explain NEAR topic one.", "input": "", "output": "A long enough answer."}"#,
            #"{"instruction": "Explain NEAR topic two.", "input": "", "output": "Another answer."}"#,
            #"{"instruction": "Solve this EVAL-LEAK problem.", "input": "", "output": "42."}"#,
            #"{"instruction": "A clean question?", "input": "", "output": "A clean answer."}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/a.jsonl", atomically: true, encoding: .utf8)
        let stage = MarkerStage()
        var o = SFTValidationOptions()
        o.orderedStages = [stage]
        let v = SFTValidator(options: o)
        var valid = [String]()
        try v.validate(path: dir + "/a.jsonl") { rec, _ in valid.append(rec.id) }
        try v.finishStages()
        #expect(stage.began && stage.finished)
        #expect(v.summary.records == 4 && v.summary.valid == 2 && v.summary.rejected == 2)
        #expect(v.summary.byCode[.nearDuplicate] == 1)
        #expect(v.summary.byCode[.contaminated] == 1)
        #expect(v.issues.map(\.line) == [2, 3])
        #expect(v.issues[0].message == "dropped by marker (near_duplicate): duplicates first (similarity 0.812)")
    }
}
