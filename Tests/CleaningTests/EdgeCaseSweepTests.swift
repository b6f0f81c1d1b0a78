import PipelineRunner
import DomainForgeCore
import Testing
@testable import Cleaning

/// Every stage on degenerate inputs: no crash, and the verdict each one gives.
@Suite struct EdgeCaseSweepTests {
    static let inputs: [(name: String, text: String)] = [
        ("empty", ""),
        ("space", " "),
        ("newlines", "\n\n\n"),
        ("word", "word"),
        ("chinese", String(repeating: "\u{4ECA}\u{5929}\u{5929}\u{6C14}\u{5F88}\u{597D}\u{3002}", count: 40)),
        ("arabic", String(repeating: "\u{627}\u{644}\u{62C}\u{648} \u{62C}\u{645}\u{64A}\u{644} \u{627}\u{644}\u{64A}\u{648}\u{645}. ", count: 30)),
        ("emoji", String(repeating: "\u{1F600}\u{1F468}\u{200D}\u{1F469} ", count: 50)),
        ("controls", "\u{0}\u{1}\u{7F}\u{85}\u{9F}\u{FEFF}\u{FFFD}"),
        ("long word", String(repeating: "x", count: 100_000)),
        ("punctuation", String(repeating: "!?.,;:-()[]{}<>/\\|@#$%^&*_+=~`'\" ", count: 20)),
        ("digits", (0..<500).map(String.init).joined(separator: " ")),
    ]

    @Test(arguments: StageRegistry.cleaningTypes)
    func degenerateInputs(type: String) throws {
        let stage = try StageRegistry.makeDocumentStage(type: type, options: .null)
        for (name, text) in Self.inputs {
            let r = run(stage, text)
            if case .drop(let reason, _) = r.verdict {
                #expect(!reason.isEmpty, "\(type) on \(name)")
                #expect(reason.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(type) on \(name): \(reason)")
            }
        }
    }

    @Test func expectedVerdicts() {
        func verdict(_ stage: some DocumentStage, _ name: String) -> StageVerdict {
            run(stage, Self.inputs.first { $0.name == name }!.text).verdict
        }
        #expect(verdict(GopherQualityFilter(), "word") == dropped("gopher_short_doc"))
        #expect(verdict(GopherQualityFilter(), "digits") == dropped("gopher_below_avg_threshold"))
        #expect(verdict(GopherQualityFilter(), "long word") == dropped("gopher_short_doc"))
        #expect(verdict(GopherQualityFilter(), "emoji") == dropped("gopher_below_avg_threshold"))
        #expect(verdict(GopherRepetitionFilter(), "space") == .keep)
        #expect(verdict(GopherRepetitionFilter(), "arabic") == dropped("top_2_gram"))
        #expect(verdict(C4LinesStage(), "long word") == dropped("c4_no_lines"))
        #expect(verdict(C4DocumentFilter(), "word") == dropped("too_few_sentences"))
        #expect(verdict(C4DocumentFilter(), "punctuation") == dropped("curly_bracket"))
        #expect(verdict(FineWebFilter(), "space") == dropped("empty"))
        #expect(verdict(FineWebFilter(), "word") == dropped("line_punct_ratio"))
        #expect(verdict(LengthFilter(), "newlines") == dropped("too_short"))
        #expect(verdict(LengthFilter(), "long word") == .keep)
        #expect(verdict(PIIRedactor(), "digits") == .keep)
        #expect(run(PIIRedactor(), Self.inputs[10].text).text == Self.inputs[10].text)
        #expect(run(NormalizeStage(), "\u{0}\u{1}\u{7F}\u{85}\u{9F}\u{FEFF}\u{FFFD}").text == "\u{FFFD}")
    }
}
