import Cleaning
import Dedup
import DomainForgeCore
import PipelineConfig

/// Every stage type a pipeline config may name, in one table (the order they usually run in).
///
/// Adding a stage is one file declaring it (a ``CleaningStage`` for a cleaning stage) and one line here; its schema
/// fragment is then checked against its options, and the stage conformance verifier runs it (see README, "Adding
/// a stage").
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
        .dedup(ExactDedupStage.type),
        .dedup(MinHashDedupStage.type),
        .dedup(LineDedupStage.type),
        .dedup(DecontaminateStage.type),
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
}

/// A stage built outside a pipeline failed: the stage's own config error.
public struct StageBuildError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension StageDeclaration {
    /// A dedup stage, run in input order (or, with `mode: global`, after the run).
    public static func dedup(_ type: String) -> StageDeclaration {
        StageDeclaration(type: type, kind: .ordered, optionKeys: DedupStageFactory.optionKeys(for: type) ?? [],
                         defaults: nil) { options, context in
            .ordered(try DedupStageFactory.make(type: type, options: options, stateDirectory: context.stateDirectory(type: type),
                                                baseDirectory: context.baseDirectory))
        }
    }
}
