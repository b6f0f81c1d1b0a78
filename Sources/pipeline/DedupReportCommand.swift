import ArgumentParser
import Dedup
import Foundation

struct DedupReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup-report",
        abstract: "List what the dedup and decontamination stages of a run found, for human inspection.",
        discussion: "Duplicate clusters with sample pairs and their similarity, the most removed repeated lines, and the evaluation items found in documents.")

    @Argument(help: "The output folder of a run (or its dedup/ folder, or one stage's folder).")
    var output: String

    @Option(help: "Sample pairs to show per stage.")
    var pairs: Int = 10

    @Option(help: "Largest clusters / patterns / items to show.")
    var top: Int = 10

    func run() throws {
        let dir = FileManager.default.fileExists(atPath: output + "/dedup") ? output + "/dedup" : output
        print(try orExit { try DedupReport.render(stateDirectory: dir, samplePairs: pairs, topClusters: top) }, terminator: "")
    }
}
