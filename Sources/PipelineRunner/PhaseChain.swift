import Dedup
import DomainForgeCore
import Foundation
import PipelineConfig

/// The phases of a run: a pipeline config followed by the configs its `next:` keys name, for example clean →
/// global dedup → tokenize + shard. Each phase after the first must read the previous phase's `documents/`, so the
/// phases run in order: locally one after another, on Slurm as jobs that depend on each other.
public struct PhaseChain: Sendable {
    /// One phase: the config file and its resolved spec.
    public struct Phase: Sendable {
        public var configPath: String
        public var spec: PipelineSpec
        /// Whether the phase ends with a `mode: global` dedup stage (a finishing step after all ranks).
        public var hasGlobalDedup: Bool {
            spec.stages.contains { StageRegistry.dedupTypes.contains($0.type) && $0.options["mode"]?.stringValue == "global" }
        }
    }

    public private(set) var phases: [Phase]

    /// A chain of one phase, whatever its `next:` says.
    public init(single spec: PipelineSpec, path: String) { phases = [Phase(configPath: path, spec: spec)] }

    init(phases: [Phase]) { self.phases = phases }

    /// The most phases a chain may have (a guard against a `next:` loop that goes through copies).
    public static let maxPhases = 32

    /// Loads `path` and every config its `next:` keys name. Throws `ConfigErrors` naming the config at fault: a
    /// loop, too many phases, or a phase whose inputs do not read the previous phase's `documents/`.
    public static func load(path: String, loader: (String) throws -> PipelineSpec = { try PipelineSpec.load(path: $0) }) throws -> PhaseChain {
        var phases = [Phase]()
        var seen = Set<String>()
        var next: String? = path
        while let p = next {
            let key = URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path
            guard seen.insert(key).inserted else {
                throw ConfigErrors(errors: [ConfigError(path: "\(phases.last!.configPath): next", message: "\(p) is already a phase of this chain (a loop)")])
            }
            guard phases.count < maxPhases else {
                throw ConfigErrors(errors: [ConfigError(path: "next", message: "more than \(maxPhases) phases")])
            }
            let phase = Phase(configPath: p, spec: try loader(p))
            if let prev = phases.last { try checkReads(phase, previous: prev) }
            phases.append(phase)
            next = phase.spec.next
        }
        return PhaseChain(phases: phases)
    }

    /// A phase after the first must take the previous phase's kept documents as (one of) its inputs.
    static func checkReads(_ phase: Phase, previous: Phase) throws {
        let docs = (previous.spec.output.path + "/documents" as NSString).standardizingPath
        let reads = phase.spec.inputs.contains { input in
            let p = (input.path as NSString).standardizingPath
            return p == docs || p.hasPrefix(docs + "/") || p == previous.spec.output.path
        }
        guard reads else {
            throw ConfigErrors(errors: [ConfigError(path: "\(previous.configPath): next",
                message: "\(phase.configPath) does not read this phase's output: give it an input with path: \(docs) (format: jsonl)")])
        }
    }
}
