import DomainForgeCore

/// The schemas of the config kinds that list stages (pipeline, SFT dedup), completed with the stage definitions of
/// a stage registry: the base documents (`schemas/pipeline.base.json`, the SFT dedup wrapper) are compiled in, and
/// each stage's `$defs` entry comes from its declaration (`StageRegistry` in PipelineRunner builds
/// `ConfigSchemas.registry`). A stage declared in one file and listed in the registry is therefore validated with no
/// schema file to edit; `schemas/pipeline.schema.json` and `schemas/sft-dedup.schema.json` are the published copies.
public struct ConfigSchemas: Sendable {
    /// One stage type's definition.
    public struct Stage: Sendable {
        /// The config `type`; the definition is `$defs.stage_<type>`.
        public var type: String
        /// The JSON Schema of the stage object.
        public var definition: JSONValue
        /// A dedup or decontamination stage: also allowed in an SFT dedup config.
        public var dedup: Bool
        public init(type: String, definition: JSONValue, dedup: Bool) { self.type = type; self.definition = definition; self.dedup = dedup }
    }

    /// The stage definitions, in registry order.
    public let stages: [Stage]
    /// The validator of pipeline configs.
    public let pipeline: SchemaValidator
    /// The validator of SFT dedup configs (the dedup stages only).
    public let sftDedup: SchemaValidator

    public init(stages: [Stage]) {
        self.stages = stages
        pipeline = SchemaValidator(schema: Self.adding(stages, to: ConfigKind.pipeline.validator.schema))
        sftDedup = SchemaValidator(schema: Self.adding(stages.filter(\.dedup), to: ConfigKind.sftDedup.validator.schema))
    }

    /// The validator of `kind`: with these stage definitions for pipeline and SFT dedup configs.
    public func validator(_ kind: ConfigKind) -> SchemaValidator {
        switch kind {
        case .pipeline: return pipeline
        case .sftDedup: return sftDedup
        default: return kind.validator
        }
    }

    /// `base` with each stage as `$defs.stage_<type>`, listed in order in `properties.stages.items.oneOf`.
    public static func adding(_ stages: [Stage], to base: JSONValue) -> JSONValue {
        guard case .object(var root) = base, case .object(var props)? = root["properties"],
              case .object(var list)? = props["stages"], case .object(var items)? = list["items"] else { return base }
        var defs = root["$defs"]?.objectValue ?? [:]
        for s in stages { defs["stage_" + s.type] = s.definition }
        items["oneOf"] = .array(stages.map { .object(["$ref": .string("#/$defs/stage_" + $0.type)]) })
        list["items"] = .object(items); props["stages"] = .object(list)
        root["properties"] = .object(props); root["$defs"] = .object(defs)
        return .object(root)
    }
}
