import ArgumentParser
import DomainForgeCore
import Foundation
import SFT

struct MixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mix",
        abstract: "Build a replay mix (mixed SFT or Mix-CPT) from named sources at target ratios, deterministically by seed.",
        discussion: """
            MIX.yaml names sources (SFT files or shard folders) with ratios by tokens or records, a total, replacement
            and max_upsample, and an output folder. The achieved ratios are printed and stored in mix_report.json;
            the command fails when one is further than `tolerance` (default 0.005) from its target.
            """)

    @Argument(help: "The mix YAML.")
    var spec: String

    @Option(help: "Override the seed.")
    var seed: UInt64?

    @Option(name: .output, help: "Override the output folder.")
    var output: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(name: .customLong("no-verify"), help: "Skip the sha256 check of each source shard file (on by default).")
    var noVerify = false

    @Flag(help: "Scale the ratios so that they sum to 1 (without it, ratios that do not sum to 1 are an error).")
    var normalize = false

    func run() throws {
        var s = try configOrExit(spec) { try MixSpec.load(path: spec) }
        if let seed { s.seed = seed }
        if let output { s.output = output }
        s.verifyShards = !noVerify
        if normalize { s.normalize = true }
        let lock = try orExit { try OutputLock(siblingOf: s.output) }  // OUT.lock: one mix writes OUT at a time
        defer { lock.release() }
        let r = try orExit { try Mixer.run(s, log: { printError($0) }) }
        print(json ? r.json.serialized() : r.table(), terminator: json ? "\n" : "")
        if !json { print("wrote \(s.output) (mix_report.json)") }
    }
}
