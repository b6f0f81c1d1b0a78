import Cleaning
import Dedup
import DomainForgeCore
import Foundation
import PipelineConfig
import Retrieval
import Shards
import Tokenization

/// What a config's stages turn into: the per-document stages, and the shard output when a `shard` stage ends the list.
/// Not `Sendable`: the ordered stages in it belong to the thread that runs the plan.
public struct StagePlan {
    public var steps: [PipelineStep]
    public var shards: ShardOutput?

    public init(steps: [PipelineStep], shards: ShardOutput?) { self.steps = steps; self.shards = shards }
    /// A plan of per-document stages only.
    public init(stages: [any DocumentStage], shards: ShardOutput? = nil) { self.init(steps: stages.map { .document($0) }, shards: shards) }

    /// The `mode: global` dedup stage, when the last step is one.
    public var globalDedup: (any GlobalDedupStage)? {
        guard case .ordered(let o) = steps.last, let g = o as? any GlobalDedupStage, g.globalPlan != nil else { return nil }
        return g
    }
}

/// Settings of the shard output (the `shard` stage), with what the manifest records about the tokenizer.
public struct ShardOutput: Sendable {
    public var sizeLimit: Int
    public var zstdLevel: Int32
    public var dtype: TokenDType
    public var tokenizer: ShardManifest.Tokenizer
}

/// Builds the stage objects of a validated config.
public enum StageFactory {
    /// Every stage type a config may name (``StageRegistry``).
    public static var stageTypes: [String] { StageRegistry.types }

    /// Where ordered stages of a rank keep their state: `OUT/dedup/<type>` (`OUT/dedup/rank-NNNNN/<type>` with ranks).
    public static func stateDirectory(_ spec: PipelineSpec, type: String, rank: Int, worldSize: Int, root: String? = nil) -> String {
        let base = root ?? spec.output.path
        return worldSize == 1 ? "\(base)/dedup/\(type)" : "\(base)/dedup/rank-\(String(format: "%05d", rank))/\(type)"
    }

    /// Instantiates `spec.stages` in order. Throws `ConfigErrors` naming the stage and option at fault.
    /// - Parameter stateRoot: where ordered stages keep state instead of the output folder (validation uses a
    ///   temporary folder so that checking a config writes nothing).
    /// - Parameter registry: the stage types known (tests add their own to ``StageRegistry/all``).
    public static func make(_ spec: PipelineSpec, rank: Int = 0, worldSize: Int = 1, stateRoot: String? = nil,
                            registry: [StageDeclaration] = StageRegistry.all) throws -> StagePlan {
        let context = StageBuildContext(spec: spec, rank: rank, worldSize: worldSize, stateRoot: stateRoot)
        var out = [PipelineStep]()
        for (i, s) in spec.stages.enumerated() {
            context.index = i
            guard let declaration = registry.first(where: { $0.type == s.type }) else {
                context.fail("unknown stage type '\(s.type)'; known types: \(registry.map(\.type).joined(separator: ", "))")
                continue
            }
            do {
                if let step = try declaration.build(s.options, context) { out.append(step) }
            } catch {
                context.fail("\(error)")
            }
        }
        var errors = context.errors
        // A global dedup stage removes documents after the run, so it must be the last step.
        for (i, s) in spec.stages.enumerated() where StageRegistry.declaration(s.type)?.kind == .ordered && s.options["mode"]?.stringValue == "global"
            && i != spec.stages.count - 1 {
            let later = spec.stages[(i + 1)...].map(\.type).joined(separator: ", ")
            errors.append(ConfigError(path: "stages[\(i)].mode", message: "a mode: global \(s.type) stage must be the last stage: it removes "
                + "documents after the run, when the stages after it (\(later)) have already seen them; move them before it, or run "
                + "them (e.g. tokenize, shard) in a second pipeline that reads this pipeline's documents/ output"))
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        return StagePlan(steps: out, shards: context.shards)
    }
}
