import DomainForgeCore
import Foundation
import Testing
@testable import Cleaning

/// The schema fragment the lead merges into `schemas/pipeline.schema.json` must match the Options types.
@Suite struct SchemaFragmentTests {
    static func loadFragment() throws -> JSONValue {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("schemas/fragments/cleaning-stages.schema.json")
        let data = try Data(contentsOf: url)
        return try JSONParser.parse(bytes: [UInt8](data))
    }

    static func encodedDefaults(_ type: String) throws -> JSONValue {
        let data: Data
        switch type {
        case NormalizeStage.type: data = try JSONEncoder().encode(NormalizeStage.Options())
        case C4LinesStage.type: data = try JSONEncoder().encode(C4LinesStage.Options())
        case LengthFilter.type: data = try JSONEncoder().encode(LengthFilter.Options())
        case GopherQualityFilter.type: data = try JSONEncoder().encode(GopherQualityFilter.Options())
        case GopherRepetitionFilter.type: data = try JSONEncoder().encode(GopherRepetitionFilter.Options())
        case C4DocumentFilter.type: data = try JSONEncoder().encode(C4DocumentFilter.Options())
        case FineWebFilter.type: data = try JSONEncoder().encode(FineWebFilter.Options())
        case PIIRedactor.type: data = try JSONEncoder().encode(PIIRedactor.Options())
        case LanguageIDStage.type: data = try JSONEncoder().encode(LanguageIDStage.Options())
        default: throw CleaningConfigError.unknownStageType(type: type, known: [])
        }
        return try JSONParser.parse(bytes: [UInt8](data))
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

    @Test func propertiesMatchOptionKeys() throws {
        let fragment = try Self.loadFragment()
        let defs = try #require(fragment["$defs"]?.objectValue)
        #expect(Set(defs.keys) == Set(CleaningStageFactory.stageTypes.map { "stage_\($0)" }))
        for type in CleaningStageFactory.stageTypes {
            let def = try #require(defs["stage_\(type)"], "missing stage_\(type)")
            #expect(def["additionalProperties"] == .bool(false))
            #expect(def["required"] == .array([.string("type")]))
            let props = try #require(def["properties"]?.objectValue)
            #expect(props["type"] == .object(["const": .string(type)]))
            let keys = try #require(CleaningStageFactory.optionKeys(for: type))
            #expect(Set(props.keys) == Set(keys + ["type"]), "\(type)")
            for key in keys {
                #expect(props[key]?["description"]?.stringValue?.isEmpty == false, "\(type).\(key) needs a description")
            }
        }
    }

    @Test func defaultsMatchOptions() throws {
        let defs = try #require(try Self.loadFragment()["$defs"]?.objectValue)
        for type in CleaningStageFactory.stageTypes {
            let encoded = try #require(try Self.encodedDefaults(type).objectValue)
            let props = try #require(defs["stage_\(type)"]?["properties"]?.objectValue)
            for key in try #require(CleaningStageFactory.optionKeys(for: type)) {
                let schemaDefault = try #require(props[key]?["default"], "\(type).\(key) needs a default")
                let codeDefault = encoded[key] ?? .null
                #expect(Self.same(schemaDefault, codeDefault), "\(type).\(key): schema \(schemaDefault) vs code \(codeDefault)")
            }
        }
    }

    /// Every schema default, fed back through the factory, gives the default options.
    @Test func schemaDefaultsDecode() throws {
        let defs = try #require(try Self.loadFragment()["$defs"]?.objectValue)
        for type in CleaningStageFactory.stageTypes {
            let props = try #require(defs["stage_\(type)"]?["properties"]?.objectValue)
            var options: [String: JSONValue] = ["type": .string(type)]
            for (key, value) in props where key != "type" { options[key] = value["default"] }
            _ = try CleaningStageFactory.make(type: type, options: .object(options))
        }
    }
}
