import DomainForgeCore
import Foundation
import PipelineConfig
import Testing
@testable import PipelineRunner

/// The schema chain: every registered stage has a fragment matching its options, and `schemas/pipeline.schema.json`
/// (and the copy compiled into the binary) is what `scripts/build-schemas.py` makes of the fragments today.
@Suite struct SchemaChainTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func load(_ rel: String) throws -> JSONValue {
        try JSONParser.parse(bytes: [UInt8](try Data(contentsOf: root.appendingPathComponent(rel))))
    }

    /// The fragment files, in name order.
    static func fragments() throws -> [JSONValue] {
        let dir = root.appendingPathComponent("schemas/fragments")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".schema.json") }.sorted()
        return try names.map { try load("schemas/fragments/" + $0) }
    }

    /// Every stage definition of the fragments, by name (`stage_<type>`).
    static func stageDefinitions() throws -> [String: JSONValue] {
        var defs = [String: JSONValue]()
        for f in try fragments() { for (k, v) in f["$defs"]?.objectValue ?? [:] { defs[k] = v } }
        return defs
    }

    /// What the build script makes: the base with every fragment definition added and listed in `stages.items.oneOf`.
    static func regenerated() throws -> JSONValue {
        guard case .object(var base) = try load("schemas/pipeline.base.json"), case .object(var defs)? = base["$defs"],
              case .object(var props)? = base["properties"], case .object(var stages)? = props["stages"],
              case .object(var items)? = stages["items"] else { throw StageBuildError(message: "unexpected pipeline.base.json") }
        var refs = [JSONValue]()
        for f in try fragments() {
            let fragmentDefs = f["$defs"]?.objectValue ?? [:]
            for name in fragmentDefs.keys.sorted() {
                defs[name] = fragmentDefs[name]
                refs.append(.object(["$ref": .string("#/$defs/" + name)]))
            }
        }
        items["oneOf"] = .array(refs)
        stages["items"] = .object(items); props["stages"] = .object(stages)
        base["properties"] = .object(props); base["$defs"] = .object(defs)
        return .object(base)
    }

    @Test func pipelineSchemaIsBuiltFromTheFragments() throws {
        let built = try Self.load("schemas/pipeline.schema.json")
        #expect(built == (try Self.regenerated()), "schemas/pipeline.schema.json is stale: run python3 scripts/build-schemas.py")
    }

    @Test func embeddedSchemaIsTheFile() throws {
        let file = try String(contentsOf: Self.root.appendingPathComponent("schemas/pipeline.schema.json"), encoding: .utf8)
        #expect(file == EmbeddedSchemas.pipeline, "EmbeddedSchemas.swift is stale: run python3 scripts/build-schemas.py")
        #expect(try JSONParser.parse(EmbeddedSchemas.pipeline) == (try Self.regenerated()))
    }

    @Test func everyRegisteredStageHasAFragment() throws {
        let defs = try Self.stageDefinitions()
        #expect(Set(defs.keys) == Set(StageRegistry.types.map { "stage_\($0)" }))
        for d in StageRegistry.all {
            let def = try #require(defs["stage_\(d.type)"], "missing stage_\(d.type)")
            #expect(def["additionalProperties"] == .bool(false))
            #expect(def["description"]?.stringValue?.isEmpty == false, "\(d.type) needs a description")
            let props = try #require(def["properties"]?.objectValue)
            #expect(props["type"] == .object(["const": .string(d.type)]))
            #expect(Set(props.keys) == Set(d.optionKeys + ["type"]), "\(d.type): schema keys vs options")
            for key in d.optionKeys {
                #expect(props[key]?["description"]?.stringValue?.isEmpty == false, "\(d.type).\(key) needs a description")
            }
        }
    }

    /// A schema default is the options' default; a key without one is required or defaults to nothing.
    @Test func schemaDefaultsAreTheOptionsDefaults() throws {
        let defs = try Self.stageDefinitions()
        for d in StageRegistry.all {
            guard let defaults = d.defaults else { continue }
            let def = try #require(defs["stage_\(d.type)"])
            let required = Set(def["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let props = try #require(def["properties"]?.objectValue)
            for key in d.optionKeys where !required.contains(key) && key != "languages" {
                let code = defaults[key] ?? .null
                if let schema = props[key]?["default"] {
                    #expect(Self.same(schema, code), "\(d.type).\(key): schema \(schema) vs code \(code)")
                } else {
                    #expect(code == .null, "\(d.type).\(key): the schema needs the default \(code)")
                }
            }
        }
    }

    /// Every schema default, fed back through the registry, builds the stage.
    @Test func schemaDefaultsDecode() throws {
        let defs = try Self.stageDefinitions()
        for type in StageRegistry.cleaningTypes {
            let props = try #require(defs["stage_\(type)"]?["properties"]?.objectValue)
            var options: [String: JSONValue] = ["type": .string(type)]
            for (key, value) in props where key != "type" { options[key] = value["default"] }
            _ = try StageRegistry.makeDocumentStage(type: type, options: .object(options))
        }
    }

    /// The tokenize fragment names every end-of-text token the stage tries.
    @Test func eosCandidatesAreDocumented() throws {
        let description = try #require(try Self.stageDefinitions()["stage_tokenize"]?["properties"]?["eos_token"]?["description"]?.stringValue)
        for token in TokenizeStep.eosCandidates { #expect(description.contains(token), "eos_token description lacks \(token)") }
    }

    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return abs(x - y) < 1e-12 }
        switch (a, b) {
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { same(v, $0) } ?? false }
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        default:
            return a == b
        }
    }
}
