import Cleaning
import DomainForgeCore
import PipelineConfig

/// Builds the stage objects of a validated config.
public enum StageFactory {
    /// Every stage type a config may name.
    public static var stageTypes: [String] { [] }

    /// Instantiates `spec.stages` in order. Throws `ConfigErrors` naming the stage and option at fault.
    public static func make(_ spec: PipelineSpec) throws -> [any DocumentStage] {
        var out = [any DocumentStage]()
        var errors = [ConfigError]()
        for (i, s) in spec.stages.enumerated() {
            errors.append(ConfigError(path: "stages[\(i)].type", message: "unknown stage type '\(s.type)'"))
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        return out
    }
}
