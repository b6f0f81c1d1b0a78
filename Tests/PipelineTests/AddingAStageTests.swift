import Cleaning
import DomainForgeCore
import PipelineConfig
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
    static let schema = StageSchema("Drops documents with a line longer than max_bytes (reason line_too_long).", keys: Options.CodingKeys.self, [
        .integer(.maxBytes, min: 0, nullable: true, "The longest line kept, in UTF-8 bytes; null turns the rule off."),
    ])

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

    /// The schema of a config with the new stage comes from the declaration: no schema file is edited.
    @Test func configsWithTheNewStageAreValidated() throws {
        let schemas = ConfigSchemas(registry: Self.registry)
        let def = try #require(schemas.pipeline.schema["$defs"]?["stage_max_line_length"])
        #expect(def["properties"]?["max_bytes"] == .object(["type": .array([.string("integer"), .string("null")]), "minimum": .int(0),
            "default": .int(80), "description": .string("The longest line kept, in UTF-8 bytes; null turns the rule off.")]))
        func config(_ stage: String) throws -> JSONValue {
            try YAMLLoader.load("inputs: [{path: in, format: text}]\noutput: {path: out}\nstages:\n  - \(stage)\n", file: "t.yaml")
        }
        func problems(_ stage: String) throws -> [String] {
            do { _ = try PipelineSpec.from(try config(stage), baseDirectory: ".", name: "t", schemas: schemas) } catch let e as ConfigErrors {
                return e.errors.map(\.description)
            }
            return []
        }
        #expect(try problems("{type: max_line_length, max_bytes: 120}") == [])
        #expect(try problems("{type: max_line_length, max_bytes: -1}") == ["stages[0].max_bytes: must be at least 0, got -1"])
        #expect(try problems("{type: max_line_length, max_byte: 1}") == ["stages[0].max_byte: unknown key; allowed keys here: max_bytes, type"])
        // without its registry line the type is unknown
        #expect(throws: ConfigErrors.self) { _ = try PipelineSpec.from(try config("{type: max_line_length}"), baseDirectory: ".", name: "t") }
    }

    @Test func theNewStagePassesTheConformanceVerifier() throws {
        let v = StageConformanceVerifier(stages: "- {type: max_line_length, max_bytes: 120}", documents: StageConformanceTests.documents,
                                         registry: Self.registry)
        #expect(try v.verify() == [])
    }
}
