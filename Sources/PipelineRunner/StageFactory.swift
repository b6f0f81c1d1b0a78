import Cleaning
import DomainForgeCore
import PipelineConfig

/// Builds the stage objects of a validated config.
public enum StageFactory {
    /// Every stage type a config may name.
    public static var stageTypes: [String] { CleaningStageFactory.stageTypes }

    /// Instantiates `spec.stages` in order. Throws `ConfigErrors` naming the stage and option at fault.
    public static func make(_ spec: PipelineSpec) throws -> [any DocumentStage] {
        var out = [any DocumentStage]()
        var errors = [ConfigError]()
        for (i, s) in spec.stages.enumerated() {
            do {
                out.append(try CleaningStageFactory.make(type: s.type, options: s.options))
            } catch {
                errors.append(ConfigError(path: "stages[\(i)]", message: "\(error)"))
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        return out
    }
}
