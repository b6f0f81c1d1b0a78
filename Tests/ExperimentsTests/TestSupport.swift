import DomainForgeCore
import Evaluation
import Experiments
import TestSupport

/// The shared temporary folder (TestSupport).
typealias TmpDir = TempDir

/// Parses a lab tree (paths relative to `directory`), runs the whole lab and returns the config, the outcome and
/// every progress line it logged.
func runLab(_ tree: JSONValue, in directory: String) throws -> (config: LabConfig, outcome: ForgettingLab.Outcome, log: [String]) {
    let config = try LabConfig.parse(tree, baseDirectory: directory)
    var lab = ForgettingLab(config: config)
    var lines = [String]()
    lab.log = { lines.append($0) }
    let outcome = try lab.run()
    return (config, outcome, lines)
}
