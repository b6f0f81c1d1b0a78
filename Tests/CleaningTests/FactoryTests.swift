import PipelineRunner
import DomainForgeCore
import Foundation
import Testing
@testable import Cleaning

@Suite struct FactoryTests {
    @Test func makesEveryStageWithDefaults() throws {
        for type in StageRegistry.cleaningTypes {
            let stage = try StageRegistry.makeDocumentStage(type: type, options: .null)
            #expect(stage.name == type)
            let empty = try StageRegistry.makeDocumentStage(type: type, options: .object([:]))
            #expect(empty.name == type)
        }
        #expect(StageRegistry.cleaningTypes.count == 9)
    }

    @Test func decodesOptions() throws {
        let stage = try StageRegistry.makeDocumentStage(type: "gopher_quality", options: .object([
            "type": .string("gopher_quality"), "min_doc_words": .int(10), "max_doc_words": .null,
            "stop_words": .array([.string("und")]),
        ]))
        let g = try #require(stage as? GopherQualityFilter)
        #expect(g.options.minDocWords == 10)
        #expect(g.options.maxDocWords == nil)
        #expect(g.options.stopWords == ["und"])
        #expect(g.options.maxAvgWordLength == 10)  // untouched default

        let rep = try #require(try StageRegistry.makeDocumentStage(type: "gopher_repetition", options: .object([
            "top_n_grams": .object(["2": .double(0.5)]), "dup_n_grams": .object([:]),
        ])) as? GopherRepetitionFilter)
        #expect(rep.options.topNGrams == [2: 0.5])
        #expect(rep.options.dupNGrams.isEmpty)

        let norm = try #require(try StageRegistry.makeDocumentStage(type: "normalize", options: .object([
            "unicode_form": .string("nfkc"), "drop_empty": .bool(true),
        ])) as? NormalizeStage)
        #expect(norm.options.unicodeForm == .nfkc)
        #expect(norm.options.dropEmpty)
    }

    @Test func unknownTypeListsKnownTypes() {
        #expect(throws: CleaningConfigError.unknownStageType(type: "gopher", known: StageRegistry.cleaningTypes)) {
            try StageRegistry.makeDocumentStage(type: "gopher", options: .null)
        }
        let message = "\(CleaningConfigError.unknownStageType(type: "gopher", known: ["a", "b"]))"
        #expect(message.contains("gopher") && message.contains("a, b"))
    }

    @Test func unknownOptionNamesKeyAndAllowed() {
        do {
            _ = try StageRegistry.makeDocumentStage(type: "length", options: .object(["min_char": .int(3)]))
            Issue.record("expected an error")
        } catch let error as CleaningConfigError {
            #expect(error == .unknownOption(type: "length", key: "min_char",
                                            allowed: ["min_chars", "max_chars", "min_words", "max_words"]))
            #expect("\(error)".contains("'min_char'"))
            #expect("\(error)".contains("min_chars, max_chars, min_words, max_words"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func invalidValuesNameTheKey() {
        func message(_ type: String, _ options: [String: JSONValue]) -> String {
            do {
                _ = try StageRegistry.makeDocumentStage(type: type, options: .object(options))
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let wrongType = message("c4_lines", ["min_words_per_line": .string("three")])
        #expect(wrongType.contains("'min_words_per_line'") && wrongType.contains("integer"))
        let outOfRange = message("fineweb", ["line_punct_thr": .double(1.5)])
        #expect(outOfRange.contains("'line_punct_thr'") && outOfRange.contains("between 0 and 1"))
        let negative = message("length", ["min_chars": .int(-1)])
        #expect(negative.contains("'min_chars'") && negative.contains(">= 0"))
        let badEnum = message("normalize", ["unicode_form": .string("nfd")])
        #expect(badEnum.contains("'unicode_form'"))
        let badGram = message("gopher_repetition", ["top_n_grams": .object(["two": .double(0.2)])])
        #expect(badGram.contains("'top_n_grams'") && badGram.contains("two"))
        let nullNotAllowed = message("pii", ["email_placeholder": .null])
        #expect(nullNotAllowed.contains("'email_placeholder'"))
        let notObject = message("pii", [:])
        #expect(notObject == "no error")
        #expect(throws: CleaningConfigError.optionsNotAnObject(type: "pii", got: "array")) {
            try StageRegistry.makeDocumentStage(type: "pii", options: .array([]))
        }
    }

    @Test func optionsRoundTripThroughJSON() throws {
        var o = GopherRepetitionFilter.Options()
        o.dupLineFrac = nil
        o.topNGrams = [3: 0.25]
        let data = try JSONEncoder().encode(o)
        let back = try StageOptionsDecoder.decode(GopherRepetitionFilter.Options.self, try JSONParser.parse(bytes: [UInt8](data)))
        // An encoded nil is left out, so decoding restores the default: thresholds are disabled with explicit null.
        #expect(back.topNGrams == [3: 0.25])
        let defaults = try StageOptionsDecoder.decode(PIIRedactor.Options.self, .object([:]))
        #expect(defaults == PIIRedactor.Options())
    }
}
