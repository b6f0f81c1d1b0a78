import Cleaning
import Dedup
import DomainForgeCore
import PipelineConfig
import Tokenization

/// How a registered stage runs: per document on worker threads, in input order on the writer thread, or as the
/// writer at the end of the pipeline.
public enum StageKind: String, Sendable {
    /// A ``DocumentStage``: in parallel, any order.
    case parallel
    /// An ``OrderedStage``: in input order, with state across the corpus (dedup); `mode: global` runs after the run.
    case ordered
    /// Writes the documents in another form (`shard`); the last stage.
    case writer
}

/// What is known while a config's stages are built: the spec, the rank, and what earlier stages set up for later
/// ones (the tokenizer for the shard writer). A declaration adds the step it makes or the problems it found.
public final class StageBuildContext {
    /// The pipeline (nil when a stage is built on its own, for tests and benchmarks).
    public let spec: PipelineSpec?
    public let rank: Int
    public let worldSize: Int
    /// Where ordered stages keep state instead of the output folder (validation uses a temporary folder).
    public let stateRoot: String?
    /// The position of the stage being built, and whether it is the last one.
    public internal(set) var index = 0
    public var isLast: Bool { index == (spec?.stages.count ?? 1) - 1 }
    /// The config path of the stage being built, `stages[i]`.
    public var path: String { "stages[\(index)]" }
    /// Set by `tokenize` for the shard writer: the tokenizer and its end-of-text id.
    public var tokenizer: (tokenizer: BPETokenizer, eos: UInt32?)?
    /// Set by `shard`.
    public var shards: ShardOutput?
    public private(set) var errors = [ConfigError]()

    /// Set when a stage is built on its own: its state folder and the folder its relative paths start from.
    let fixedStateDirectory: String?, fixedBaseDirectory: String?

    init(spec: PipelineSpec?, rank: Int, worldSize: Int, stateRoot: String?, stateDirectory: String? = nil, baseDirectory: String? = nil) {
        self.spec = spec; self.rank = rank; self.worldSize = worldSize; self.stateRoot = stateRoot
        fixedStateDirectory = stateDirectory; fixedBaseDirectory = baseDirectory
    }

    /// Records a problem of the current stage; `key` (optional) is appended to its path.
    public func fail(_ message: String, key: String? = nil) {
        errors.append(ConfigError(path: key.map { path + "." + $0 } ?? path, message: message))
    }

    /// Where an ordered stage of this rank keeps its state (see ``StageFactory/stateDirectory(_:type:rank:worldSize:root:)``).
    public func stateDirectory(type: String) -> String {
        if let fixedStateDirectory { return fixedStateDirectory }
        guard let spec else { return (stateRoot ?? ".") + "/dedup/" + type }
        return StageFactory.stateDirectory(spec, type: type, rank: rank, worldSize: worldSize, root: stateRoot)
    }

    /// The folder relative paths in options are resolved against (the config file's).
    public var baseDirectory: String { fixedBaseDirectory ?? spec?.baseDirectory ?? "." }

    /// A path from the options, resolved against the config file's folder.
    public func resolve(_ path: String) -> String { spec?.resolve(path) ?? path }
}

/// One stage type, declared once: its config name, how it runs, its option keys, defaults and schema, and how it is
/// built. ``StageRegistry/all`` lists every declaration; the schemas (``ConfigSchemas``), `pipeline validate`,
/// `pipeline run`, `pipeline stages` and the stage conformance verifier all read that table.
public struct StageDeclaration: Sendable {
    /// The config `type`.
    public let type: String
    public let kind: StageKind
    /// Every option key the stage accepts (besides `type`), as the code reads them.
    public let optionKeys: [String]
    /// The defaults as the options encode them (an option without a default is absent).
    public let defaults: [String: JSONValue]
    /// The options' schema, declared in the stage's file.
    public let schema: StageSchema
    /// A dedup or decontamination stage (also accepted by an SFT dedup config).
    public let dedup: Bool
    /// Builds the step from the options; throws the stage's config error, or records problems with a key path in
    /// the context and returns nil.
    let build: @Sendable (_ options: JSONValue, _ context: StageBuildContext) throws -> PipelineStep?

    public init(type: String, kind: StageKind, optionKeys: [String], defaults: [String: JSONValue], schema: StageSchema,
                dedup: Bool = false, build: @escaping @Sendable (_ options: JSONValue, _ context: StageBuildContext) throws -> PipelineStep?) {
        self.type = type; self.kind = kind; self.optionKeys = optionKeys; self.defaults = defaults; self.schema = schema
        self.dedup = dedup; self.build = build
    }

    /// The stage's `$defs` entry in the pipeline schema (`stage_<type>`), keys in declaration order.
    public var definition: OrderedJSON { schema.definition(type: type, defaults: defaults) }

    /// A cleaning stage: one ``CleaningStage`` type, run in parallel.
    public static func cleaning<S: CleaningStage>(_: S.Type) -> StageDeclaration {
        StageDeclaration(type: S.type, kind: .parallel, optionKeys: S.Options.optionKeys + S.extraOptionKeys,
                         defaults: StageOptionsDecoder.defaults(S.Options.self), schema: S.schema) { options, _ in
            .document(try S.make(options: options))
        }
    }

    /// A dedup or decontamination stage: one ``DedupStage`` type, run in input order (or, with `mode: global`,
    /// after the run), keeping its state in `OUT/dedup/<type>`.
    public static func dedup<S: DedupStage>(_: S.Type) -> StageDeclaration {
        StageDeclaration(type: S.type, kind: .ordered, optionKeys: S.optionKeys, defaults: S.defaults, schema: S.schema,
                         dedup: true) { options, context in
            .ordered(try S.make(options: options, stateDirectory: context.stateDirectory(type: S.type), baseDirectory: context.baseDirectory))
        }
    }
}
