import ArgumentParser
import Shards

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a shard folder for other trainers: Megatron .bin/.idx, nanoGPT raw uint16, or JSONL of ids.",
        discussion: "megatron: -o is a prefix, OUT.bin and OUT.idx are written (uint16 below 65,500 tokens of vocabulary, else int32).")

    @Argument(help: "A shard folder (with index.json).")
    var directory: String

    @Option(help: "megatron, nanogpt or jsonl.")
    var format: String

    @Option(name: .shortAndLong, help: "Output file (or prefix for megatron).")
    var output: String

    @Flag(name: .customLong("no-verify"), help: "Skip the sha256 check of each shard file (on by default).")
    var noVerify = false

    func run() throws {
        guard let f = ShardExporter.Format(rawValue: format) else {
            throw ValidationError("--format must be one of: \(ShardExporter.Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let n = try orExit { try ShardExporter.export(directory: directory, format: f, out: output, verifyHashes: !noVerify) }
        print("exported \(n) samples as \(format) to \(output)\(f == .megatron ? ".bin/.idx" : "")")
    }
}
