import DomainForgeCore
import Foundation

/// Options of `SFTExporter`.
public struct SFTExportOptions: Sendable {
    /// The dataset's name in LLaMA-Factory's `dataset_info.json`.
    public var datasetName = "domainforge_sft"
    /// The chat template the records are meant for (axolotl's `chat_template` and `eot_tokens`).
    public var template: ChatTemplate = .chatml
    /// LLaMA-Factory and llm-foundry: write one record per trained assistant turn, ending with it, and configure the
    /// trainer to train the last turn only; weight-0 turns then stay untrained (prompts repeat, supervision is the same).
    public var splitTurns = false
    /// LLaMA-Factory and llm-foundry: also hand over our token ids and labels in the form the trainer loads without
    /// re-tokenizing (LLaMA-Factory's `tokenized_path`, llm-foundry's pre-tokenized MDS `turns`), and point its
    /// config there; `data.jsonl` keeps the text form. Needs the rendering of every record.
    public var tokenized = false
    /// The eos token (text and id) llm-foundry's collator ends every sample with; the tokenized llm-foundry export
    /// writes it itself as the last trained token.
    public var eos: (token: String, id: UInt32)?
    public init() {}
}

/// Errors of `SFTExporter`, each saying what to change.
public struct SFTExportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Counts of one export.
public struct SFTExportSummary: Sendable, Equatable {
    /// Records given to `add`.
    public var records = 0
    /// Lines written to `data.jsonl`.
    public var written = 0
    /// Assistant turns with weight 0 in the records.
    public var weightZeroTurns = 0
    /// Of those, the turns the target will train anyway (it cannot express weight 0).
    public var weightZeroTrained = 0
    /// Messages after the last assistant turn, removed because the target requires a conversation to end with one.
    public var droppedTrailingMessages = 0
    /// Records with no assistant turn left to train (every one has weight 0) under `splitTurns`: nothing is written.
    public var recordsWithoutTrainedTurn = 0
    /// Tokenized llm-foundry: records that do not end with a trained assistant turn (weight 0, or a later
    /// message), where the eos llm-foundry requires is trained after untrained tokens.
    public var eosAfterUntrained = 0
}

/// Writes validated SFT records for another trainer: `DIR/data.jsonl` plus the target's configuration files (see
/// `SFTExportFormat`). Records are written in the order given; `finish` commits every file.
///
///     let x = try SFTExporter(directory: "out", format: .axolotl)
///     try x.add(record)
///     let summary = try x.finish()
public final class SFTExporter {
    public let directory: String
    public let format: SFTExportFormat
    public let options: SFTExportOptions
    public private(set) var summary = SFTExportSummary()
    private let data: AtomicOutputFile

    /// Creates `directory`. `splitTurns` is refused for targets that cannot train the last turn only.
    public init(directory: String, format: SFTExportFormat, options: SFTExportOptions = .init()) throws {
        if options.splitTurns && !format.canSplitTurns {
            throw SFTExportError("--split-turns is for llamafactory and llm-foundry (\(format.rawValue) \(format.honoursWeightZero ? "keeps weight-0 turns untrained without it" : "cannot train the last turn only"))")
        }
        if options.tokenized && !format.canTokenize {
            throw SFTExportError("--tokenized is for llamafactory and llm-foundry (\(format.rawValue) \(format == .trl ? "is always tokenized" : "reads text only"))")
        }
        if options.tokenized && options.splitTurns {
            throw SFTExportError("--split-turns is not needed with --tokenized: the labels keep weight-0 turns untrained")
        }
        self.directory = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        self.format = format
        self.options = options
        try makeDirectory(self.directory)
        data = try AtomicOutputFile(path: self.directory + "/data.jsonl")
        if options.tokenized && format == .llamafactory {
            hfDataset = try HFTokenizedDatasetWriter(directory: self.directory + "/" + SFTExportFormat.tokenizedFolder)
        } else if options.tokenized {
            guard let eos = options.eos else {
                throw SFTExportError("the tokenized llm-foundry export ends every sample with the tokenizer's eos: the tokenizer has none of <|endoftext|>, <|eot_id|>, </s>")
            }
            mds = try LLMFoundryTurnsWriter(directory: self.directory + "/" + SFTExportFormat.mdsFolder, eos: eos.id)
        }
    }

    private var hfDataset: HFTokenizedDatasetWriter?
    private var mds: LLMFoundryTurnsWriter?

    /// Tokenized exports: hands the rendering to the trainer's pre-tokenized form.
    private func addTokens(_ record: SFTRecord, _ rendered: RenderedSFT?) throws {
        guard options.tokenized else { return }
        guard let r = rendered else { throw SFTExportError("the tokenized export writes token ids: give --tokenizer (and --template)") }
        try hfDataset?.add(r)
        if let m = mds {
            try m.add(r)
            if let last = record.messages.last, last.role == "assistant", !Self.isWeightZero(last) {} else { summary.eosAfterUntrained += 1 }
        }
    }

    /// Adds one record; `rendered` (its token ids and loss mask) is required by `trl`.
    public func add(_ record: SFTRecord, rendered: RenderedSFT? = nil) throws {
        summary.records += 1
        let zero = record.messages.filter { $0.role == "assistant" && Self.isWeightZero($0) }.count
        summary.weightZeroTurns += zero
        switch format {
        case .trl:
            guard let r = rendered else { throw SFTExportError("the trl export writes token ids: give --tokenizer (and --template)") }
            try write(Self.trlLine(r))
        case .axolotl:
            try write(.object(["messages": .array(record.messages.map(\.json))]))
        case .torchtune:
            try write(.object(["messages": Self.plain(record.messages)]))
            summary.weightZeroTrained += zero
        case .llamafactory, .llmFoundry:
            try addTokens(record, rendered)
            var msgs = record.messages
            while let last = msgs.last, last.role != "assistant" { msgs.removeLast(); summary.droppedTrailingMessages += 1 }
            guard options.splitTurns else {
                try write(.object(["messages": Self.plain(msgs)]))
                if !options.tokenized { summary.weightZeroTrained += zero }
                return
            }
            var any = false
            for (i, m) in msgs.enumerated() where m.role == "assistant" && !Self.isWeightZero(m) {
                try write(.object(["messages": Self.plain(Array(msgs[...i]))]))
                any = true
            }
            if !any { summary.recordsWithoutTrainedTurn += 1 }
        }
    }

    /// Writes the configuration files and commits everything. Returns the counts.
    @discardableResult
    public func finish() throws -> SFTExportSummary {
        var files = [AtomicOutputFile]()
        for name in format.configFiles {
            let text = SFTExportConfig.text(name, format: format, options: options, dataPath: directory + "/data.jsonl",
                                            folder: directory, trainedWeightZero: summary.weightZeroTrained)
            let f = try AtomicOutputFile(path: directory + "/" + name)
            try f.write(Array(text.utf8))
            files.append(f)
        }
        try hfDataset?.finish()
        try mds?.finish()
        try data.commit()
        for f in files { try f.commit() }
        return summary
    }

    private func write(_ v: JSONValue) throws {
        var line = [UInt8]()
        JSONWriter.write(v, into: &line)
        line.append(0x0A)
        try data.write(line)
        summary.written += 1
    }

    static func isWeightZero(_ m: SFTMessage) -> Bool { (m.weight ?? 1) == 0 }

    /// Messages as `{role, content}` only (llm-foundry rejects other keys; LLaMA-Factory and torchtune ignore them).
    static func plain(_ msgs: [SFTMessage]) -> JSONValue {
        .array(msgs.map { .object(["role": .string($0.role), "content": .string($0.content)]) })
    }

    /// `{"assistant_masks":[...],"input_ids":[...],"labels":[...]}`: labels are the ids with -100 where the loss
    /// mask is 0 (Hugging Face Trainer); TRL's collator builds labels from the ids and masks them with
    /// `assistant_masks`.
    static func trlLine(_ r: RenderedSFT) -> JSONValue {
        let ids = r.tokens.map { JSONValue.int(Int64($0)) }
        let labels = zip(r.tokens, r.lossMask).map { JSONValue.int($1 == 0 ? -100 : Int64($0)) }
        return .object(["input_ids": .array(ids), "labels": .array(labels),
                        "assistant_masks": .array(r.lossMask.map { .int(Int64($0)) })])
    }
}
