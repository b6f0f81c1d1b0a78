import DomainForgeCore
import Foundation
import PipelineConfig
import Testing
@testable import PipelineRunner

/// The schema chain: each registered stage declares the schema of its options in its own file, the registry turns
/// the declarations into the stage part of the pipeline and SFT dedup schemas (``ConfigSchemas/registry``, what the
/// binary validates against), and `schemas/pipeline.schema.json` / `schemas/sft-dedup.schema.json` are published
/// copies that must equal it.
@Suite struct SchemaChainTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let command = "run swift build && python3 scripts/build-schemas.py"

    static func load(_ rel: String) throws -> JSONValue {
        try JSONParser.parse(bytes: [UInt8](try Data(contentsOf: root.appendingPathComponent(rel))))
    }

    /// The stage definitions of the registry, by name (`stage_<type>`).
    static var stageDefinitions: [String: JSONValue] { ConfigSchemas.registry.pipeline.schema["$defs"]?.objectValue ?? [:] }

    @Test func publishedPipelineSchemaIsTheRegistrys() throws {
        let published = try Self.load("schemas/pipeline.schema.json")
        #expect(published == ConfigSchemas.registry.pipeline.schema,
                "schemas/pipeline.schema.json differs from the stage declarations: \(Self.command)")
        let refs = published["properties"]?["stages"]?["items"]?["oneOf"]?.arrayValue?.compactMap { $0["$ref"]?.stringValue }
        #expect(refs == StageRegistry.types.map { "#/$defs/stage_" + $0 }, "one definition per registered stage, in registry order")
    }

    @Test func publishedSFTDedupSchemaIsTheRegistrys() throws {
        #expect(try Self.load("schemas/sft-dedup.schema.json") == ConfigSchemas.registry.sftDedup.schema,
                "schemas/sft-dedup.schema.json differs from the stage declarations: \(Self.command)")
    }

    @Test func embeddedBaseIsTheFile() throws {
        let file = try String(contentsOf: Self.root.appendingPathComponent("schemas/pipeline.base.json"), encoding: .utf8)
        #expect(file == EmbeddedSchemas.pipelineBase, "EmbeddedSchemas.swift is stale: \(Self.command)")
        #expect(try JSONParser.parse(EmbeddedSchemas.pipelineBase)["$defs"]?.objectValue?.keys.contains { $0.hasPrefix("stage_") } == false)
    }

    /// Each declaration's schema names exactly the keys its code reads, each with a description.
    @Test func everyRegisteredStageDeclaresItsOptions() throws {
        #expect(Set(Self.stageDefinitions.keys.filter { $0.hasPrefix("stage_") }) == Set(StageRegistry.types.map { "stage_\($0)" }))
        for d in StageRegistry.all {
            #expect(d.schema.optionKeys.sorted() == d.optionKeys.sorted(), "\(d.type): schema keys vs option keys")
            #expect(Set(d.schema.optionKeys).count == d.schema.optionKeys.count, "\(d.type): a key declared twice")
            let def = try #require(Self.stageDefinitions["stage_\(d.type)"])
            #expect(def["additionalProperties"] == .bool(false))
            #expect(def["description"]?.stringValue?.isEmpty == false, "\(d.type) needs a description")
            let props = try #require(def["properties"]?.objectValue)
            #expect(props["type"] == .object(["const": .string(d.type)]))
            for key in d.optionKeys {
                #expect(props[key]?["description"]?.stringValue?.isEmpty == false, "\(d.type).\(key) needs a description")
            }
        }
    }

    /// The schema's defaults are the options' own: a value the code defaults to is in the schema; a key without
    /// one is required or defaults to nothing.
    @Test func schemaDefaultsAreTheOptionsDefaults() throws {
        for d in StageRegistry.all {
            let def = try #require(Self.stageDefinitions["stage_\(d.type)"])
            let required = Set(def["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let props = try #require(def["properties"]?.objectValue)
            for key in d.optionKeys where !required.contains(key) {
                #expect(props[key]?["default"] == (d.defaults[key] ?? props[key]?["default"].flatMap { $0 == .null ? .null : nil }),
                        "\(d.type).\(key)")
            }
        }
        #expect(Self.stageDefinitions["stage_length"]?["properties"]?["min_chars"]?["default"] == .int(200))
        #expect(Self.stageDefinitions["stage_length"]?["properties"]?["max_chars"]?["default"] == .null)
        #expect(Self.stageDefinitions["stage_minhash_dedup"]?["properties"]?["bands"]?["default"] == .int(14))
        #expect(Self.stageDefinitions["stage_minhash_dedup"]?["properties"]?["index_path"]?["default"] == nil)
        #expect(Self.stageDefinitions["stage_tokenize"]?["required"] == .array([.string("type"), .string("tokenizer")]))
    }

    /// Every schema default, fed back through the registry, builds the stage.
    @Test func schemaDefaultsDecode() throws {
        for type in StageRegistry.cleaningTypes {
            let props = try #require(Self.stageDefinitions["stage_\(type)"]?["properties"]?.objectValue)
            var options: [String: JSONValue] = ["type": .string(type)]
            for (key, value) in props where key != "type" { options[key] = value["default"] }
            _ = try StageRegistry.makeDocumentStage(type: type, options: .object(options))
        }
    }

    /// The tokenize schema names every end-of-text token the stage tries.
    @Test func eosCandidatesAreDocumented() throws {
        let description = try #require(Self.stageDefinitions["stage_tokenize"]?["properties"]?["eos_token"]?["description"]?.stringValue)
        for token in TokenizeStep.eosCandidates { #expect(description.contains(token), "eos_token description lacks \(token)") }
    }

    /// A stage's definition is written in declaration order (what `pipeline stages --json` prints).
    @Test func definitionKeepsDeclarationOrder() throws {
        let text = try #require(StageRegistry.declaration("c4_document")).definition.serialized()
        #expect(text.hasPrefix(#"{"type":"object","description":"#))
        let a = try #require(text.range(of: "filter_lorem_ipsum")), b = try #require(text.range(of: "min_num_sentences"))
        #expect(a.lowerBound < b.lowerBound)
        #expect(text.contains(#""min_num_sentences":{"type":["integer","null"],"minimum":0,"default":5,"description":"#))
    }
}
