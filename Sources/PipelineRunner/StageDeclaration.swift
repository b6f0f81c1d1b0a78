import Cleaning
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

    init(spec: PipelineSpec?, rank: Int, worldSize: Int, stateRoot: String?) {
        self.spec = spec; self.rank = rank; self.worldSize = worldSize; self.stateRoot = stateRoot
    }

    /// Records a problem of the current stage; `key` (optional) is appended to its path.
    public func fail(_ message: String, key: String? = nil) {
        errors.append(ConfigError(path: key.map { path + "." + $0 } ?? path, message: message))
    }

    /// Where an ordered stage of this rank keeps its state (see ``StageFactory/stateDirectory(_:type:rank:worldSize:root:)``).
    public func stateDirectory(type: String) -> String {
        guard let spec else { return (stateRoot ?? ".") + "/dedup/" + type }
        return StageFactory.stateDirectory(spec, type: type, rank: rank, worldSize: worldSize, root: stateRoot)
    }

    /// The folder relative paths in options are resolved against (the config file's).
    public var baseDirectory: String { spec?.baseDirectory ?? "." }

    /// A path from the options, resolved against the config file's folder.
    public func resolve(_ path: String) -> String { spec?.resolve(path) ?? path }
}

/// One stage type, declared once: its config name, how it runs, its option keys and defaults, and how it is built.
/// ``StageRegistry/all`` lists every declaration; the schema test, `pipeline validate`, `pipeline run` and the stage
/// conformance verifier all read that table.
public struct StageDeclaration: Sendable {
    /// The config `type`.
    public let type: String
    public let kind: StageKind
    /// Every option key the stage accepts (besides `type`).
    public let optionKeys: [String]
    /// The defaults as the options encode them (nil for stages whose options decode themselves).
    public let defaults: [String: JSONValue]?
    /// Builds the step from the options; throws the stage's config error, or records problems with a key path in
    /// the context and returns nil.
    let build: @Sendable (_ options: JSONValue, _ context: StageBuildContext) throws -> PipelineStep?

    public init(type: String, kind: StageKind, optionKeys: [String], defaults: [String: JSONValue]?,
                build: @escaping @Sendable (_ options: JSONValue, _ context: StageBuildContext) throws -> PipelineStep?) {
        self.type = type; self.kind = kind; self.optionKeys = optionKeys; self.defaults = defaults; self.build = build
    }

    /// A cleaning stage: one ``CleaningStage`` type, run in parallel.
    public static func cleaning<S: CleaningStage>(_: S.Type) -> StageDeclaration {
        StageDeclaration(type: S.type, kind: .parallel, optionKeys: S.Options.optionKeys + S.extraOptionKeys,
                         defaults: StageOptionsDecoder.defaults(S.Options.self)) { options, _ in
            .document(try S.make(options: options))
        }
    }
}
