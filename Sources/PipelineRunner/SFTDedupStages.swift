import Dedup
import DomainForgeCore
import Foundation
import PipelineConfig

/// The dedup stages of `pipeline sft --dedup-config FILE`: a YAML file with a `stages:` list of dedup and
/// decontamination stages (exact_dedup, minhash_dedup, line_dedup, decontaminate), written as in a pipeline config and
/// run online over the text of each valid SFT record. Paths inside the file are relative to it.
public enum SFTDedupStages {
    /// Builds the stages of the file at `path`, each keeping its state in `stateDirectory/<type>`. A file that cannot
    /// be read or used throws `ConfigErrors` naming the key path.
    public static func make(configPath path: String, stateDirectory: String) throws -> [any OrderedStage] {
        let config = try SFTDedupConfig.load(path: path)
        return try config.stages.map { st in
            try StageRegistry.makeOrderedStage(type: st.type, options: st.options, stateDirectory: stateDirectory + "/" + st.type,
                                               baseDirectory: config.baseDirectory)
        }
    }
}
