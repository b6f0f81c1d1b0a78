import ArgumentParser
import Dedup
import Foundation
import PipelineRunner

struct DedupGlobalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup-global",
        abstract: "Finish a mode: global exact_dedup / minhash_dedup stage: cluster all ranks' documents and remove the duplicates.",
        discussion: """
            Reads the dedup index of every rank, links documents sharing a band key whose similarity reaches the
            threshold, clusters them with union-find, keeps one per cluster (keep: first, longest or priority) and
            rewrites each part's documents file without the others; their rejects go to rejects/<part>-global.jsonl.
            Safe to run again or after an interruption (same bytes). pipeline run does this itself with one rank.
            """)

    @Argument(help: "The output folder of the run (output.path).")
    var output: String

    @Option(help: "The run's world size (checked against the one recorded).")
    var worldSize: Int?

    func run() throws {
        do {
            let s = try GlobalDedupFinisher.run(outputDir: output, worldSize: worldSize) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            print("\(s.stats.stage): \(s.recorded) documents recorded, \(s.clusters) clusters, \(s.dropped) removed "
                  + "(\(s.stats.reason)), \(s.partsRewritten) parts rewritten; see pipeline stats \(output) and pipeline dedup-report \(output)")
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
