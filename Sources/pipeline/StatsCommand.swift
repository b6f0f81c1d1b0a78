import ArgumentParser
import Foundation
import PipelineRunner
import Shards
import Tokenization

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the accounting of a pipeline output folder, or the contents of a shard folder.",
        discussion: """
            For a pipeline output folder: documents in, kept, dropped by stage and reason, rejected; every rank's
            stats are merged, and ranks still running contribute their finished parts.
            For a shard folder (one with index.json): samples, tokens, per-source breakdown, length percentiles,
            compression ratio and most frequent tokens; --plot writes a length histogram as SVG.
            """)

    @Argument(help: "A pipeline output folder (output.path) or a shard folder.")
    var directory: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Shard folders: write a token-length histogram to this SVG file.")
    var plot: String?

    @Option(name: .tokenizer, help: "Shard folders: a tokenizer.json to show the most frequent tokens as text.")
    var tokenizer: String?

    @Flag(name: .customLong("no-verify"), help: "Shard folders: skip the sha256 check of each shard file (on by default).")
    var noVerify = false

    func run() throws {
        if FileManager.default.fileExists(atPath: directory + "/" + MDSFormat.indexName) {
            let st = try orExit { try ShardStatistics.compute(directory: directory, verifyHashes: !noVerify) }
            if let p = plot {
                try orExit { try st.svgHistogram().write(toFile: p, atomically: true, encoding: .utf8) }
            }
            if json { print(st.json()); return }
            var decode: ((UInt32) -> String)?
            if let t = tokenizer {
                let tok = try orExit { try BPETokenizer.load(path: t) }
                decode = { tok.decode([$0]) }
            }
            print(st.table(decode: decode))
            if let p = plot { print("histogram written to \(p)") }
            return
        }
        let report = try orExit { try StatsReport.load(outputDir: directory) }
        print(json ? try report.json() : report.table())
    }
}
