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
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors(errors: [ConfigError(path: path, message: "cannot read the dedup config file")])
        }
        let tree = try YAMLLoader.load(String(decoding: data, as: UTF8.self), file: path)
        guard let list = tree["stages"]?.arrayValue, !list.isEmpty else {
            throw ConfigErrors(errors: [ConfigError(path: "\(path): stages", message: "needs a non-empty list of dedup stages")])
        }
        let base = (path as NSString).deletingLastPathComponent
        var stages = [any OrderedStage]()
        for (i, st) in list.enumerated() {
            guard let type = st["type"]?.stringValue, DedupStageFactory.stageTypes.contains(type) else {
                throw ConfigErrors(errors: [ConfigError(path: "\(path): stages[\(i)].type",
                                                        message: "must be one of \(DedupStageFactory.stageTypes.joined(separator: ", "))")])
            }
            if st["mode"]?.stringValue == "global" {
                throw ConfigErrors(errors: [ConfigError(path: "\(path): stages[\(i)].mode",
                                                        message: "global works on pipeline output folders (pipeline dedup-global); use mode: online here")])
            }
            stages.append(try DedupStageFactory.make(type: type, options: st, stateDirectory: stateDirectory + "/" + type,
                                                     baseDirectory: base.isEmpty ? "." : base))
        }
        return stages
    }
}
