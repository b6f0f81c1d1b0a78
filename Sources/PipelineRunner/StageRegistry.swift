import Cleaning
import Dedup
import DomainForgeCore
import PipelineConfig

/// Every stage type a pipeline config may name, in one table (the order they usually run in).
///
/// Adding a stage is one file declaring it (a ``CleaningStage`` or a ``DedupStage``: type, options with their
/// defaults, schema, construction) and one line here: the pipeline schema then has its definition
/// (``ConfigSchemas/registry``), `pipeline validate` and `pipeline run` accept it, and the stage conformance
/// verifier runs it (see README, "Adding a stage").
public enum StageRegistry {
    public static let all: [StageDeclaration] = [
        .cleaning(NormalizeStage.self),
        .cleaning(C4LinesStage.self),
        .cleaning(LengthFilter.self),
        .cleaning(GopherQualityFilter.self),
        .cleaning(GopherRepetitionFilter.self),
        .cleaning(C4DocumentFilter.self),
        .cleaning(FineWebFilter.self),
        .cleaning(PIIRedactor.self),
        .cleaning(LanguageIDStage.self),
        .dedup(ExactDedupStage.self),
        .dedup(MinHashDedupStage.self),
        .dedup(LineDedupStage.self),
        .dedup(DecontaminateStage.self),
        .ragIndex,
        TokenizeStep.declaration,
        ShardStep.declaration,
    ]

    /// The declaration of a config `type`, or nil.
    public static func declaration(_ type: String) -> StageDeclaration? { all.first { $0.type == type } }

    /// Every config `type`, in table order.
    public static var types: [String] { all.map(\.type) }

    /// The config types of the stages that run in parallel on their own (the cleaning stages: no tokenizer or
    /// state needed).
    public static var cleaningTypes: [String] { all.filter { $0.kind == .parallel && $0.type != TokenizeStep.declaration.type }.map(\.type) }

    /// Builds one parallel stage without a pipeline (tests, benchmarks). Throws ``CleaningConfigError``.
    public static func makeDocumentStage(type: String, options: JSONValue) throws -> any DocumentStage {
        guard let d = declaration(type), cleaningTypes.contains(type) else {
            throw CleaningConfigError.unknownStageType(type: type, known: cleaningTypes)
        }
        let context = StageBuildContext(spec: nil, rank: 0, worldSize: 1, stateRoot: nil)
        guard case .document(let stage)? = try d.build(options, context) else {
            throw context.errors.first.map { StageBuildError(message: $0.message) } ?? StageBuildError(message: "no stage")
        }
        return stage
    }

    /// Builds one dedup or decontamination stage without a pipeline (tests, benchmarks, SFT dedup configs), keeping
    /// its state in `stateDirectory`. Throws the stage's `DedupConfigError`.
    public static func makeOrderedStage(type: String, options: JSONValue, stateDirectory: String, baseDirectory: String) throws -> any OrderedStage {
        guard let d = declaration(type), d.dedup else {
            throw DedupConfigError("unknown dedup stage type '\(type)'; known types: \(dedupTypes.joined(separator: ", "))")
        }
        let context = StageBuildContext(spec: nil, rank: 0, worldSize: 1, stateRoot: nil, stateDirectory: stateDirectory,
                                        baseDirectory: baseDirectory)
        guard case .ordered(let stage)? = try d.build(options, context) else { throw DedupConfigError("stage '\(type)' built nothing") }
        return stage
    }

    /// The config types of the dedup and decontamination stages, in table order.
    public static var dedupTypes: [String] { all.filter(\.dedup).map(\.type) }
}

/// A stage built outside a pipeline failed: the stage's own config error.
public struct StageBuildError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
