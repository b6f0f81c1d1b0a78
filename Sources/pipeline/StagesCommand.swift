import ArgumentParser
import DomainForgeCore
import PipelineConfig

struct StagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "List the stage types a pipeline config may use, with their options and defaults.",
        discussion: "Read from the JSON Schema compiled into the binary (schemas/pipeline.schema.json).")

    @Argument(help: "Show only these stage types.")
    var types: [String] = []

    func run() throws {
        let schema = PipelineSpec.validator.schema
        guard let defs = schema["$defs"]?.objectValue else { return }
        for key in defs.keys.sorted() where key.hasPrefix("stage_") {
            let def = defs[key]!
            let type = def["properties"]?["type"]?["const"]?.stringValue ?? String(key.dropFirst(6))
            if !types.isEmpty && !types.contains(type) { continue }
            print(type + (def["description"]?.stringValue.map { ": " + $0 } ?? ""))
            let props = def["properties"]?.objectValue ?? [:]
            for name in props.keys.sorted() where name != "type" {
                let p = props[name]!
                var kind = p["type"]?.stringValue ?? p["type"]?.arrayValue?.compactMap(\.stringValue).joined(separator: "|") ?? ""
                if let e = p["enum"]?.arrayValue { kind = e.map { $0.stringValue ?? $0.serialized() }.joined(separator: "|") }
                let def = p["default"].map { " = " + ($0.stringValue ?? $0.serialized()) } ?? ""
                let required = def.isEmpty && (defs[key]!["required"]?.arrayValue?.contains(.string(name)) ?? false) ? " (required)" : ""
                print("    \(name): \(kind)\(def)\(required)" + (p["description"]?.stringValue.map { "\n        " + $0 } ?? ""))
            }
            print("")
        }
    }
}
