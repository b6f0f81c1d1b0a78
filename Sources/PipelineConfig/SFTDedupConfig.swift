import DomainForgeCore
import Foundation

/// The `--dedup-config` file of `pipeline sft validate` (`schemas/sft-dedup.schema.json`, with the dedup stages
/// of the stage registry): the dedup and decontamination stages applied to the text of each valid record, with the options of a
/// pipeline config. Only `mode: online` works here; each stage type may appear once (it names its state folder).
public struct SFTDedupConfig: Sendable, Equatable {
    /// The stages in order, each with its whole object for the dedup stage factory.
    public var stages: [PipelineSpec.Stage]
    /// The folder the stages' relative paths (eval sets, index paths) are resolved against.
    public var baseDirectory: String

    /// Reads and validates a dedup config against `schemas` (the stage registry's: `SFTDedupConfig.load(path:)` in
    /// PipelineRunner). Throws `ConfigErrors` listing every problem with its key path.
    public static func load(path: String, schemas: ConfigSchemas) throws -> SFTDedupConfig {
        let file = try ConfigFile.load(path: path, as: .sftDedup, schemas: schemas)
        var errors = [ConfigError]()
        var seen = Set<String>()
        let stages = file.tree["stages"]!.arrayValue!.map { PipelineSpec.Stage(type: $0["type"]!.stringValue!, options: $0) }
        for (i, st) in stages.enumerated() {
            if st.options["mode"]?.stringValue == "global" {
                errors.append(ConfigError(path: "stages[\(i)].mode", message: "global works on pipeline output folders (pipeline dedup-global); use mode: online here"))
            }
            if !seen.insert(st.type).inserted {
                errors.append(ConfigError(path: "stages[\(i)].type", message: "stage '\(st.type)' appears twice; each stage type may be used once"))
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        return SFTDedupConfig(stages: stages, baseDirectory: file.resolver(.joined).baseDirectory)
    }
}
