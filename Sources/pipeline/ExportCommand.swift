import ArgumentParser
import Shards
import Trainer

/// `--format` of `pipeline export`: the shard formats, and gguf for a checkpoint.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case megatron, nanogpt, jsonl, gguf

    /// The shard exporter's format, nil for gguf.
    var shardFormat: ShardExporter.Format? { ShardExporter.Format(rawValue: rawValue) }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a shard folder for other trainers (Megatron .bin/.idx, nanoGPT raw uint16, JSONL of ids), or a checkpoint as GGUF for llama.cpp.",
        discussion: """
            megatron: -o is a prefix, OUT.bin and OUT.idx are written (uint16 below 65,500 tokens of vocabulary, else int32).
            nanogpt: -o is a folder with train.bin, val.bin (with --val-fraction) and meta.pkl (vocab_size); an -o ending
            in .bin writes every sample to that one file, with meta.pkl next to it.
            jsonl: one {"id","ids"} line per sample, plus "loss_mask" for SFT shards. The output folder is created.
            gguf: DIRECTORY is a checkpoint folder (or an adapter folder, merged into its base); see --type.
            """)

    @Argument(help: "A shard folder (with index.json), or a checkpoint folder for --format gguf.")
    var directory: String

    @Option(help: "The output format.")
    var format: ExportFormat

    @Option(name: .customLong("type"), help: "gguf: the matrices' type (norms stay f32).")
    var ggufType: GGUFWeightType = .f16

    @Option(name: .tokenizer, help: "gguf: the tokenizer.json (default: CHECKPOINT/tokenizer.json).")
    var tokenizer: String?

    @Option(name: .output, help: "Output file (prefix for megatron, folder for nanogpt, file for gguf).")
    var output: String

    @Option(name: .customLong("val-fraction"), help: "nanogpt: share of samples (by a hash of their id) written to val.bin, in [0, 1).")
    var valFraction: Double?

    @Flag(name: .customLong("no-verify"), help: "Skip the sha256 check of each shard file (on by default).")
    var noVerify = false

    func validate() throws {
        if let v = valFraction {
            guard format == .nanogpt else { throw ValidationError("--val-fraction is for --format nanogpt") }
            guard v >= 0 && v < 1 else { throw ValidationError("--val-fraction must be in [0, 1), got \(v)") }
            guard !output.hasSuffix(".bin") else { throw ValidationError("--val-fraction writes train.bin and val.bin: give -o a folder, not a .bin file") }
        }
        if format != .gguf && tokenizer != nil { throw ValidationError("-t/--tokenizer is for --format gguf") }
    }

    func run() throws {
        guard let f = format.shardFormat else { return try exportGGUF() }
        if f == .nanogpt {
            let r = try orExit {
                let reader = try ShardReader(directory: directory, verifyHashes: !noVerify)
                return try NanoGPTExporter.export(reader: reader, directory: directory, out: output, valFraction: valFraction)
            }
            print("exported \(r.trainSamples) samples (\(r.trainTokens) tokens) to train\(r.valSamples > 0 ? ", \(r.valSamples) (\(r.valTokens) tokens) to val" : ""), meta.pkl vocab_size \(r.vocabSize), in \(output)")
            return
        }
        let n = try orExit { try ShardExporter.export(directory: directory, format: f, out: output, verifyHashes: !noVerify) }
        print("exported \(n) samples as \(format.rawValue) to \(output)\(f == .megatron ? ".bin/.idx" : "")")
    }
}
