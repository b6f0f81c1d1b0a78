import ArgumentParser
import DomainForgeCore
import Foundation
import Trainer

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a small Llama-style model on CPU straight from shard folders (CPT or SFT).",
        discussion: "TRAIN.yaml names the shard folders (with weights), model dimensions or init_from, optimizer, schedule, steps, batch, seq_len, eval and checkpoint intervals and output_dir (see schemas/train.schema.json). Progress lines show step, loss, lr, tokens/s and ETA; output_dir/metrics.jsonl gets one JSON object per step. Checkpoints (output_dir/checkpoint-NNNNNN) hold model.safetensors + config.json that transformers' LlamaForCausalLM loads, plus optimizer state and data positions for --resume. With a lora section the init_from base is frozen and only low-rank adapters train (base optionally stored NF4/int8); checkpoints are then PEFT adapter folders. An ewc section adds the elastic-weight-consolidation penalty against init_from (Fisher file from `pipeline fisher`, or estimated at the start).")

    @Argument(help: "The TRAIN.yaml file.")
    var config: String

    @Flag(help: "Continue from the checkpoint named in output_dir/latest.")
    var resume = false

    @Flag(help: "Start at step 0 even though output_dir holds checkpoints: remove them (latest and checkpoint-*) first.")
    var overwrite = false

    @Flag(name: .customLong("no-verify"), help: "Skip the sha256 check of each shard file (on by default).")
    var noVerify = false

    @Option(name: .threads, help: "Worker threads (overrides the file): each batch's sequences are split between them; bitwise reproducible for a given count.")
    var threads: Int?

    @Option(help: "Total steps (overrides the file).")
    var steps: Int?

    func validate() throws {
        if resume && overwrite { throw ValidationError("--resume and --overwrite exclude each other") }
        try validateThreads(threads)
    }

    func run() throws {
        var c: TrainConfig
        c = try configOrExit(config) { try TrainConfig.load(path: config) }
        if let t = threads { c.threads = t }
        if let s = steps { c.steps = s }
        c.verifyShards = !noVerify
        if !resume {
            do { try TrainingOutput.checkFreshRun(outputDir: c.outputDir, overwrite: overwrite) } catch { throw UsageError("\(error)") }
        }
        var from: String?
        if resume {
            guard let l = TrainingRun.latestCheckpoint(outputDir: c.outputDir) else {
                throw UsageError("--resume: no checkpoint named in \(c.outputDir)/latest")
            }
            from = l
        }
        let lock = try orExit { try OutputLock(directory: c.outputDir, name: "train.lock") }  // one trainer per output_dir
        defer { lock.release() }
        let run = try TrainingRun(config: c, resumeFrom: from)
        if overwrite { try TrainingOutput.removeCheckpoints(outputDir: c.outputDir) }
        try run.run()
    }
}
