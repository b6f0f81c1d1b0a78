import ArgumentParser
import DomainForgeCore
import Foundation
import SFT
import Tokenization

extension SFTExportFormat: ExpressibleByArgument {}

/// `pipeline sft export INPUT --format llamafactory|axolotl|torchtune|trl|llm-foundry -o DIR`.
struct SFTExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write valid SFT records for LLaMA-Factory, axolotl, torchtune, TRL / HF Trainer or llm-foundry.",
        discussion: """
            -o DIR receives data.jsonl and the target's config: llamafactory dataset_info.json + llamafactory.yaml,
            axolotl axolotl.yaml (type: chat_template, message_field_training: weight, eot_tokens), torchtune
            torchtune.yaml (chat_dataset), llm-foundry llmfoundry.yaml (records hold messages only); trl writes
            input_ids, labels (-100 where the loss mask is 0) and assistant_masks, and needs --tokenizer.
            LLaMA-Factory, torchtune and llm-foundry train every assistant turn: weight-0 turns are counted and
            warned about; --split-turns (llamafactory, llm-foundry) writes one record per trained turn and sets the
            trainer to train the last turn only, so they stay untrained.
            --tokenized (llamafactory, llm-foundry; needs --tokenizer) also writes our token ids and labels in the
            form the trainer loads as they are, and points its config there: llamafactory tokenized/ (a datasets
            save_to_disk folder, tokenized_path), llm-foundry mds/ (pre-tokenized turns, each sample ending with the
            tokenizer's eos, trained). Both then train exactly our loss mask, weight-0 turns included.
            Invalid records are reported and skipped, as in `sft validate`.
            """)

    @Argument(help: "SFT files, or folders (their .json/.jsonl files, recursively).")
    var files: [String]

    @Option(help: "Target trainer: \(SFTExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: SFTExportFormat

    @Option(name: .output, help: "Output folder.")
    var output: String

    @Option(name: .customLong("input-format"), help: "Record format of the input: auto, alpaca, dolly, sharegpt, messages, canonical.")
    var inputFormat: String = "auto"

    @Option(name: .tokenizer, help: "A tokenizer.json (needed by trl and --tokenized).")
    var tokenizer: String?

    @Option(help: "Chat template: chatml, llama3, or a template YAML file.")
    var template: String = "chatml"

    @Flag(name: .customLong("train-on-prompt"), help: "trl and --tokenized: train on prompt tokens too (weight-0 turns stay masked).")
    var trainOnPrompt = false

    @Flag(name: .customLong("split-turns"), help: "llamafactory, llm-foundry: one record per trained assistant turn, last turn trained only (keeps weight-0 turns untrained).")
    var splitTurns = false

    @Flag(help: "llamafactory, llm-foundry: also write our token ids and labels in the trainer's pre-tokenized form and use it (needs --tokenizer).")
    var tokenized = false

    @Flag(name: .customLong("no-dedup"), help: "Do not reject exact duplicate records.")
    var noDedup = false

    @Option(name: .customLong("dataset-name"), help: "The dataset's name in LLaMA-Factory's dataset_info.json.")
    var datasetName = "domainforge_sft"

    func validate() throws {
        if format.needsTokens && tokenizer == nil { throw ValidationError("--format trl writes token ids: give --tokenizer") }
        if splitTurns && !format.canSplitTurns { throw ValidationError("--split-turns is for --format llamafactory or llm-foundry") }
        if tokenized && !format.canTokenize { throw ValidationError("--tokenized is for --format llamafactory or llm-foundry (trl is always tokenized)") }
        if tokenized && tokenizer == nil { throw ValidationError("--tokenized writes token ids: give --tokenizer") }
        if tokenized && splitTurns { throw ValidationError("--split-turns is not needed with --tokenized: the labels keep weight-0 turns untrained") }
        if trainOnPrompt && format != .trl && !tokenized { throw ValidationError("--train-on-prompt is for --format trl (the other targets decide it in their own config)") }
    }

    func run() throws {
        var args = ["--format", inputFormat, "--template", template]
        if let t = tokenizer, format.needsTokens || tokenized { args += ["--tokenizer", t] }
        if trainOnPrompt { args.append("--train-on-prompt") }
        if noDedup { args.append("--no-dedup") }
        let record = try SFTRecordOptions.parse(args)
        let v = try record.makeValidator()
        var o = SFTExportOptions()
        o.datasetName = datasetName
        o.template = try orExit { try ChatTemplate.named(template) }
        o.splitTurns = splitTurns
        o.tokenized = tokenized
        if let tok = v.renderer?.tokenizer {
            o.eos = ["<|endoftext|>", "<|eot_id|>", "</s>"].lazy.compactMap { t in tok.specialTokenId(t).map { (t, $0) } }.first
        }
        let x = try orExit { try SFTExporter(directory: output, format: format, options: o) }
        for f in SFTRecordOptions.expand(files) {
            try orExit { try v.validate(path: f) { rec, r in try x.add(rec, rendered: r) } }
        }
        let s = try orExit { try x.finish() }
        for i in v.issues.prefix(20) { print(i.description) }
        print(v.summary.table(), terminator: "")
        let extra = tokenized ? ", " + (format == .llamafactory ? SFTExportFormat.tokenizedFolder : SFTExportFormat.mdsFolder) + "/" : ""
        print("wrote \(s.written) records for \(format.rawValue) to \(output)/data.jsonl" + format.configFiles.map { ", \($0)" }.joined() + extra)
        if s.eosAfterUntrained > 0 {
            printError("warning: \(s.eosAfterUntrained) records do not end with a trained assistant turn: llm-foundry trains the eos after their untrained end")
        }
        if s.weightZeroTrained > 0 {
            printError("warning: \(format.rawValue) trains every assistant turn: \(s.weightZeroTrained) of \(s.weightZeroTurns) weight-0 turns will be trained\(format.canSplitTurns ? " (use --split-turns to keep them untrained)" : "; use axolotl or trl to keep them untrained")")
        }
        if s.droppedTrailingMessages > 0 {
            printError("warning: removed \(s.droppedTrailingMessages) messages after the last assistant turn (\(format.rawValue) needs a conversation to end with one)")
        }
        if s.recordsWithoutTrainedTurn > 0 {
            printError("warning: \(s.recordsWithoutTrainedTurn) records have no trained assistant turn and were not written")
        }
    }
}
