import DomainForgeCore
import Evaluation
import Foundation
import PipelineConfig

extension ForgettingLab {
    /// The TRAIN.yaml problems of the base and of every arm, found before anything trains: each recipe the lab
    /// would write is checked against the TRAIN.yaml schema and read by the trainer's own reader. Without this a typo
    /// in an arm's `train:` keys shows only when that arm starts, after the data and the base. Each problem names the
    /// run (`pretrain` for the base, `arms[i] 'name'`). Shard folders need not exist yet.
    public func recipeProblems() -> [String] {
        var problems: [String] = []
        var runs: [(String, String, () throws -> TrainRecipe)] = [("pretrain", "base", { try self.baseRecipe(vocabSize: 256) })]
        for (i, arm) in config.arms.enumerated() {
            runs.append(("arms[\(i)] '\(arm.name)'", arm.name, { try self.armRecipe(arm, base: self.runsDir + "/base") }))
        }
        for (label, name, make) in runs {
            do {
                var recipe = try make()
                recipe.tree["output_dir"] = .string(runsDir + "/" + name)  // as ExperimentRun sets it
                do { try ConfigFile.validate(.object(recipe.tree), as: .train) } catch let e as ConfigErrors {
                    problems += e.errors.map { "\(label): TRAIN.yaml \($0)" }
                    continue
                }
                _ = try recipe.config()
            } catch {
                problems.append("\(label): \(error)")
            }
        }
        return problems
    }
}
