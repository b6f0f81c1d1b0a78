import ArgumentParser
import Shards

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a shard folder for other trainers: Megatron .bin/.idx, nanoGPT raw uint16, or JSONL of ids.",
        discussion: "megatron: -o is a prefix, OUT.bin and OUT.idx are written (uint16 below 65,500 tokens of vocabulary, else int32).")

    @Argument(help: "A shard folder (with index.json).")
    var directory: String

    @Option(help: "The output format.")
    var format: ShardExporter.Format

    @Option(name: .output, help: "Output file (or prefix for megatron).")
    var output: String

    @Flag(name: .customLong("no-verify"), help: "Skip the sha256 check of each shard file (on by default).")
    var noVerify = false

    func run() throws {
        let f = format
        let n = try orExit { try ShardExporter.export(directory: directory, format: f, out: output, verifyHashes: !noVerify) }
        print("exported \(n) samples as \(format.rawValue) to \(output)\(f == .megatron ? ".bin/.idx" : "")")
    }
}
