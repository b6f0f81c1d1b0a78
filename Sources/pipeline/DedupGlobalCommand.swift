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

    @Option(help: "Only find the links of split I of N (I/N, e.g. 0/4): one job per split, at once, each with the band keys k with k mod N = I; then merge with --splits N.")
    var split: String?

    @Option(help: "Merge the links of N splits (written by --split I/N) instead of clustering in this process, then rewrite the parts.")
    var splits: Int?

    func validate() throws {
        if split != nil && splits != nil { throw ValidationError("give --split I/N (find links) or --splits N (merge), not both") }
        if let s = split, parsedSplit(s) == nil { throw ValidationError("--split takes I/N with 0 <= I < N, e.g. 0/4") }
        if let n = splits, n < 1 { throw ValidationError("--splits must be at least 1") }
    }

    func parsedSplit(_ s: String) -> (Int, Int)? {
        let f = s.split(separator: "/").compactMap { Int($0) }
        return f.count == 2 && f[1] >= 1 && (0..<f[1]).contains(f[0]) ? (f[0], f[1]) : nil
    }

    func run() throws {
        if let s = split, let (i, n) = parsedSplit(s) {
            let l = try GlobalDedupFinisher.linkSplit(outputDir: output, worldSize: worldSize, split: i, of: n)
            print("split \(i)/\(n): \(l.links) links, \(l.comparisons) pairs compared; merge with pipeline dedup-global \(output) --splits \(n)")
            return
        }
        let s = try GlobalDedupFinisher.run(outputDir: output, worldSize: worldSize, splits: splits) { line in printError(line) }
        print("\(s.stats.stage): \(s.recorded) documents recorded, \(s.clusters) clusters, \(s.dropped) removed "
              + "(\(s.stats.reason)), \(s.partsRewritten) parts rewritten; see pipeline stats \(output) and pipeline dedup-report \(output)")
    }
}
