import ArgumentParser
import Shards
import Trainer

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a shard folder for other trainers (Megatron .bin/.idx, nanoGPT raw uint16, JSONL of ids), or a checkpoint as GGUF for llama.cpp.",
        discussion: "megatron: -o is a prefix, OUT.bin and OUT.idx are written (uint16 below 65,500 tokens of vocabulary, else int32). gguf: DIRECTORY is a checkpoint folder (or an adapter folder, merged into its base); see --type.")

    @Argument(help: "A shard folder (with index.json), or a checkpoint folder for --format gguf.")
    var directory: String

    @Option(help: "megatron, nanogpt, jsonl, or gguf (a checkpoint).")
    var format: String

    @Option(name: .customLong("type"), help: "gguf: the matrices' type, f32, f16 or q8_0 (norms stay f32).")
    var ggufType: GGUFWeightType = .f16

    @Option(help: "gguf: the tokenizer.json (default: CHECKPOINT/tokenizer.json).")
    var tokenizer: String?

    @Option(name: .shortAndLong, help: "Output file (or prefix for megatron).")
    var output: String

    @Flag(name: .customLong("no-verify"), help: "Skip the sha256 check of each shard file (on by default).")
    var noVerify = false

    func run() throws {
        if format == "gguf" { return try exportGGUF() }
        guard let f = ShardExporter.Format(rawValue: format) else {
            throw ValidationError("--format must be one of: \(ShardExporter.Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let n = try orExit { try ShardExporter.export(directory: directory, format: f, out: output, verifyHashes: !noVerify) }
        print("exported \(n) samples as \(format) to \(output)\(f == .megatron ? ".bin/.idx" : "")")
    }
}
