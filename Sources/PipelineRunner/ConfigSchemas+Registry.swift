import DomainForgeCore
import PipelineConfig

extension ConfigSchemas {
    /// The schemas with the stage definitions of `registry`.
    public init(registry: [StageDeclaration]) {
        self.init(stages: registry.map { ConfigSchemas.Stage(type: $0.type, definition: $0.definition.value, dedup: $0.dedup) })
    }

    /// The schemas of ``StageRegistry/all``: what every command validates against.
    public static let registry = ConfigSchemas(registry: StageRegistry.all)
}

extension PipelineSpec {
    /// Reads, validates (against ``ConfigSchemas/registry``) and resolves a pipeline config file. Throws a
    /// `ConfigErrors` listing every problem.
    public static func load(path: String) throws -> PipelineSpec { try load(path: path, schemas: .registry) }

    /// Validates (against ``ConfigSchemas/registry``) and resolves an already parsed config tree.
    public static func from(_ tree: JSONValue, baseDirectory: String, name: String) throws -> PipelineSpec {
        try from(tree, baseDirectory: baseDirectory, name: name, schemas: .registry)
    }
}

extension SFTDedupConfig {
    /// Reads and validates (against ``ConfigSchemas/registry``) an SFT dedup config.
    public static func load(path: String) throws -> SFTDedupConfig { try load(path: path, schemas: .registry) }
}
