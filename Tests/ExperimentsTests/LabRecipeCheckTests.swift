import TestSupport
import DomainForgeCore
import Foundation
import Testing
@testable import Evaluation
@testable import Experiments

/// `ForgettingLab.recipeProblems`: the TRAIN.yaml of the base and of every arm is checked before anything runs
/// (`pipeline validate LAB.yaml` and the start of `pipeline lab`), so a bad arm key is not found hours in.
@Suite struct LabRecipeCheckTests {
    static func problems(pretrain: String = "{}", arms: String) throws -> [String] {
        let tree = try JSONParser.parse("""
            {"output_dir": "o", "tokenizer": "t.json",
             "corpora": {"general": {"inputs": [{"path": "a", "format": "text"}]}, "domain": {"inputs": [{"path": "b", "format": "text"}]}},
             "model": {"hidden_size": 32, "intermediate_size": 64, "num_layers": 2, "num_heads": 4},
             "pretrain": \(pretrain), "adapt": {"steps": 10}, "arms": \(arms)}
            """)
        return ForgettingLab(config: try LabConfig.parse(tree, baseDirectory: "/lab")).recipeProblems()
    }

    @Test func goodRecipesHaveNoProblems() throws {
        #expect(try Self.problems(arms: #"[{"name": "a"}, {"name": "b", "replay": 0.1, "train": {"lora": {"rank": 4}}}]"#) == [])
    }

    @Test func eachBadRecipeIsNamedWithItsKey() throws {
        let p = try Self.problems(pretrain: #"{"optimizer": {"learning_rate": 0.1}}"#,
                                  arms: #"[{"name": "a"}, {"name": "b", "train": {"lora": {"rnk": 4}}}, {"name": "c", "train": {"prefix": {"num_virtual_tokens": 4}, "lora": {"rank": 4}}}]"#)
        #expect(p.count == 3, "\(p)")
        #expect(p.count == 3 && p[0].hasPrefix("pretrain: TRAIN.yaml optimizer.learning_rate: unknown key"), "\(p)")
        #expect(p.count == 3 && p[1].hasPrefix("arms[1] 'b': TRAIN.yaml lora.rnk: unknown key"), "\(p)")
        #expect(p.count == 3 && p[2].hasPrefix("arms[2] 'c': ") && p[2].contains("prefix: cannot be combined with lora"), "\(p)")
    }

    @Test func armPlaceholdersAreFilledBeforeTheCheck() throws {
        // {general_train} becomes a folder path, so an EWC arm naming it is accepted
        #expect(try Self.problems(arms: #"[{"name": "e", "train": {"ewc": {"lambda": 10, "fisher_data": ["{general_train}"]}}}]"#) == [])
    }
}
