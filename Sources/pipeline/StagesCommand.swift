import ArgumentParser
import DomainForgeCore
import PipelineConfig
import PipelineRunner

struct StagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "List the stage types a pipeline config may use, with their options and defaults.",
        discussion: "Read from the stage registry: each stage declares its options' schema in its own file (schemas/pipeline.schema.json is the published copy).")

    @Argument(help: "Show only these stage types.")
    var types: [String] = []

    @Flag(help: "Print the stage definitions as JSON: {\"$defs\": {\"stage_<type>\": schema, ...} in registry order, \"dedup\": [the SFT dedup ones]} (read by scripts/build-schemas.py).")
    var json = false

    func run() throws {
        if json { return printJSON() }
        let schema = ConfigSchemas.registry.pipeline.schema
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

    /// The stage part of the schemas, keys in declaration order.
    func printJSON() {
        let chosen = StageRegistry.all.filter { types.isEmpty || types.contains($0.type) }
        let defs = OrderedJSON.object(chosen.map { .init("stage_" + $0.type, $0.definition) })
        let dedup = OrderedJSON.value(.array(chosen.filter(\.dedup).map { .string("stage_" + $0.type) }))
        print(OrderedJSON.object([.init("$defs", defs), .init("dedup", dedup)]).serialized())
    }
}
