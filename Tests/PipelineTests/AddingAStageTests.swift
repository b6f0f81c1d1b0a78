import Cleaning
import DomainForgeCore
import PipelineRunner
import Testing
import TestSupport

/// A cleaning stage written as the README's "Adding a stage" shows: one type, registered with one line.
struct MaxLineLengthStage: CleaningStage {
    static let type = "max_line_length"
    var name: String { Self.type }

    struct Options: StageOptions {
        /// The longest line kept, in bytes (null: no bound).
        var maxBytes: Int? = 80
        init() {}
        enum CodingKeys: String, CodingKey, CaseIterable { case maxBytes = "max_bytes" }
        func validate() throws { try StageOptionError.nonNegative(maxBytes, CodingKeys.maxBytes) }
    }

    let options: Options
    init(options: Options) { self.options = options }

    func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        guard let m = options.maxBytes else { return .keep }
        return document.text.split(separator: "\n").contains { $0.utf8.count > m } ? .drop(reason: "line_too_long") : .keep
    }
}

@Suite struct AddingAStageTests {
    /// The registry line of the new stage.
    static let registry = StageRegistry.all + [.cleaning(MaxLineLengthStage.self)]

    @Test func theDeclarationCarriesKeysDefaultsAndErrors() throws {
        let d = try #require(Self.registry.last)
        #expect(d.type == "max_line_length" && d.kind == .parallel)
        #expect(d.optionKeys == ["max_bytes"])
        #expect(d.defaults == ["max_bytes": .int(80)])
        #expect(throws: CleaningConfigError.unknownOption(type: "max_line_length", key: "max_byte", allowed: ["max_bytes"])) {
            _ = try MaxLineLengthStage.make(options: .object(["max_byte": .int(3)]))
        }
        #expect(throws: CleaningConfigError.invalidOption(type: "max_line_length", key: "max_bytes", message: "must be >= 0, got -1")) {
            _ = try MaxLineLengthStage.make(options: .object(["max_bytes": .int(-1)]))
        }
        #expect(try MaxLineLengthStage.make(options: .object(["max_bytes": .null])).options.maxBytes == nil)
    }

    @Test func theNewStagePassesTheConformanceVerifier() throws {
        var v = StageConformanceVerifier(stages: "", documents: StageConformanceTests.documents, registry: Self.registry)
        v.unvalidated = [(type: "max_line_length", options: .object(["type": .string("max_line_length"), "max_bytes": .int(120)]))]
        #expect(try v.verify() == [])
    }
}
