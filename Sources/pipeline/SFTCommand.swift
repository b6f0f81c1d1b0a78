import ArgumentParser
import Dedup
import DomainForgeCore
import Foundation
import PipelineConfig
import PipelineRunner
import SFT
import Shards
import Tokenization

struct SFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Validate supervised fine-tuning records and render them to token shards with loss masks.",
        subcommands: [SFTValidateCommand.self, SFTRenderCommand.self, SFTExportCommand.self, SFTTemplateCommand.self])
}

/// Options shared by validate and render.
struct SFTRecordOptions: ParsableArguments {
    @Option(help: "Record format (auto: detected per record).")
    var format: SFTFormat = .auto

    @Option(name: .customLong("fill"), help: "Fill a {{name}} placeholder: --fill name=Value (repeatable).")
    var fill: [String] = []

    @Flag(name: .customLong("no-dedup"), help: "Do not reject exact duplicate records.")
    var noDedup = false

    @Flag(name: .customLong("dedup-per-file"), help: "Look for duplicates within each file only (default: across all files, in order).")
    var dedupPerFile = false

    @Option(name: .tokenizer, help: "A tokenizer.json; with --max-tokens, records are rendered and checked for length.")
    var tokenizer: String?

    @Option(help: "Chat template: chatml, llama3, or a template YAML file.")
    var template: String = "chatml"

    @Flag(name: .customLong("train-on-prompt"), help: "Train on prompt tokens too (weight-0 turns stay masked).")
    var trainOnPrompt = false

    @OptionGroup var content: ChatContentOptions

    @Option(name: .customLong("max-tokens"), help: "Token budget per record after templating (needs -t/--tokenizer).")
    var maxTokens: Int?

    @Option(name: .customLong("over-length"), help: "Records over --max-tokens (always counted as too_long).")
    var overLength: OverLengthPolicy = .drop

    @Option(name: .customLong("dedup-config"), help: ArgumentHelp(
        "A YAML file with `stages:` of dedup/decontamination stages (exact_dedup, minhash_dedup, line_dedup, decontaminate), as in a pipeline config; applied to the text of each valid record.",
        discussion: "Paths inside it are relative to the file."))
    var dedupConfig: String?

    @Option(name: .customLong("dedup-state"), help: "Keep the dedup indexes and reports in this folder (default: a temporary folder, removed afterwards).")
    var dedupState: String?

    /// Where the dedup stages keep their state: --dedup-state, or a temporary folder removed by `finishDedup`.
    var dedupStateDirectory: String { dedupState ?? NSTemporaryDirectory() + "/domainforge-sft-dedup-\(getpid())" }

    func validate() throws {
        for kv in fill {
            guard let eq = kv.firstIndex(of: "="), eq != kv.startIndex else { throw ValidationError("--fill expects name=value, got \(kv)") }
        }
        if maxTokens != nil && tokenizer == nil { throw ValidationError("--max-tokens needs -t/--tokenizer") }
    }

    /// Ends the validator's dedup stages and removes their state folder unless --dedup-state asked to keep it.
    func finishDedup(_ v: SFTValidator) throws {
        try orExit { try v.finishStages() }
        if dedupState == nil && dedupConfig != nil { try? FileManager.default.removeItem(atPath: dedupStateDirectory) }
    }

    /// Files as given; a folder is replaced by its .json/.jsonl files (also .gz/.zst), recursively, in name order.
    static func expand(_ paths: [String]) -> [String] {
        var out = [String]()
        let exts = [".json", ".jsonl", ".json.gz", ".jsonl.gz", ".json.zst", ".jsonl.zst"]
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue else { out.append(p); continue }
            let base = p.hasSuffix("/") ? String(p.dropLast()) : p
            let found = (FileManager.default.enumerator(atPath: p)?.allObjects as? [String] ?? [])
                .filter { f in exts.contains { f.hasSuffix($0) } }
                .sorted()
            out += found.map { base + "/" + $0 }
        }
        return out
    }

    func makeValidator() throws -> SFTValidator {
        var o = SFTValidationOptions()
        o.format = format
        o.checkDuplicates = !noDedup
        o.dedupPerFile = dedupPerFile
        for kv in fill {
            let eq = kv.firstIndex(of: "=")!  // checked in validate()
            o.placeholderValues[String(kv[..<eq])] = String(kv[kv.index(after: eq)...])
        }
        o.overLength = overLength
        o.maxTokens = maxTokens
        o.orderedStages = try dedupConfig.map { p in try configOrExit(p, kind: .sftDedup) { try SFTDedupStages.make(configPath: p, stateDirectory: dedupStateDirectory) } } ?? []
        var renderer: SFTRenderer?
        if let t = tokenizer {
            let tok = try orExit { try BPETokenizer.load(path: t) }
            renderer = try orExit { try SFTRenderer(template: try ChatTemplate.named(template), tokenizer: tok, trainOnPrompt: trainOnPrompt,
                                                      trimContent: content.trimContent, specialTokensInContent: content.contentSpecialTokens == .special) }
        }
        return SFTValidator(options: o, renderer: renderer)
    }
}

struct SFTValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check SFT files (alpaca, Dolly, ShareGPT, OpenAI messages; JSON array or JSON Lines, .gz/.zst) and count problems by code.",
        discussion: """
            Codes: invalid_json, unknown_format, missing_field, wrong_type, empty_output, unknown_role, system_not_first,
            consecutive_user_turns, no_assistant_turn, assistant_before_user, merged_instructions, duplicate_record,
            placeholder, too_long, line_too_long. Exit status 1 when the share of rejected records is above
            --max-error-rate (or a record is too long under --over-length error), 2 on usage errors.
            """)

    @Argument(help: "SFT files, or folders (their .json/.jsonl files, recursively).")
    var files: [String]

    @OptionGroup var record: SFTRecordOptions

    @Flag(help: "Print the summary and issues as JSON.")
    var json = false

    @Option(name: .customLong("max-error-rate"), help: "Highest accepted share of rejected records (0...1).")
    var maxErrorRate: Double = 0

    @Flag(help: "Write the valid records in canonical form to -o.")
    var fix = false

    @Option(name: .output, help: "Output JSONL for --fix.")
    var output: String?

    @Option(help: "How many issues to print (all are counted).")
    var show: Int = 20

    func validate() throws {
        if fix && output == nil { throw ValidationError("--fix needs -o OUT") }
        if !(0...1).contains(maxErrorRate) { throw ValidationError("--max-error-rate must be between 0 and 1") }
    }

    func run() throws {
        let v = try record.makeValidator()
        let out = try fix ? orExit { try AtomicOutputFile(path: output!) } : nil
        for f in SFTRecordOptions.expand(files) {
            try orExit {
                try v.validate(path: f) { rec, _ in try out?.write(rec.jsonLine()) }
            }
        }
        try record.finishDedup(v)
        try out?.commit()
        let s = v.summary
        if json {
            var o = s.json.objectValue ?? [:]
            o["issues"] = .array(v.issues.prefix(show).map(\.json))
            o["max_error_rate"] = .double(maxErrorRate)
            print(JSONValue.object(o).serialized())
        } else {
            for i in v.issues.prefix(show) { print(i.description) }
            if v.issues.count > show { print("... \(s.rejected + s.truncated - min(show, v.issues.count)) more (use --show N or --json)") }
            print(s.table(), terminator: "")
            if let o = output, fix { print("wrote \(s.valid) valid records to \(o)") }
        }
        if s.fatal {
            throw CommandFailure("records longer than --max-tokens with --over-length error")
        }
        if s.errorRate > maxErrorRate {
            throw CommandFailure("\(s.rejected) of \(s.records) records rejected (rate \(s.errorRate)), above --max-error-rate \(maxErrorRate)")
        }
    }
}

struct SFTRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render valid SFT records with a chat template to shards with tokens and loss_mask columns.",
        discussion: "Invalid records are reported and skipped (counted by code); --preview N prints the first N records with the trained spans in [[ ]].")

    @Argument(help: "SFT files, or folders (their .json/.jsonl files, recursively).")
    var files: [String]

    @OptionGroup var record: SFTRecordOptions

    @Option(name: .output, help: "Output shard folder.")
    var output: String?

    @Option(help: "Pack records into windows of this many tokens (a record is never split).")
    var pack: Int?

    @Option(help: "Print the first N rendered records with the trained spans marked, and write nothing.")
    var preview: Int?

    func validate() throws {
        guard record.tokenizer != nil else { throw ValidationError("render needs -t/--tokenizer") }
        guard output != nil || preview != nil else { throw ValidationError("render needs -o OUT (or --preview N)") }
        if let p = pack, p < 1 { throw ValidationError("--pack must be at least 1") }
    }

    func run() throws {
        let v = try record.makeValidator()
        let tok = v.renderer!.tokenizer
        if let n = preview {
            var shown = 0
            for f in SFTRecordOptions.expand(files) {
                try orExit {
                    try v.validate(path: f) { rec, r in
                        guard shown < n, let r else { return }
                        shown += 1
                        print("--- \(rec.id) (\(r.tokens.count) tokens, \(r.trainedTokens) trained)")
                        print(markTrained(r, tok))
                    }
                }
            }
            return
        }
        let lock = try orExit { try OutputLock(siblingOf: output!) }  // OUT.lock: one render writes OUT at a time
        defer { lock.release() }
        var o = SFTShardWriter.Options()
        o.packWindow = pack
        let w = try orExit { try SFTShardWriter(directory: output!, tokenizer: tok, configHash: "sft:\(record.template)", options: o) }
        for f in SFTRecordOptions.expand(files) {
            try orExit { try v.validate(path: f) { rec, r in if let r { try w.add(id: rec.id, source: rec.source, rendered: r) } } }
        }
        let m = try orExit { try w.finish() }
        try record.finishDedup(v)
        print(v.summary.table(), terminator: "")
        print("wrote \(w.recordsWritten) records as \(m.stats.samples) samples, \(m.stats.tokens) tokens to \(output!)")
    }

    func markTrained(_ r: RenderedSFT, _ tok: BPETokenizer) -> String {
        var s = "", i = 0
        while i < r.tokens.count {
            var j = i
            while j < r.tokens.count && r.lossMask[j] == r.lossMask[i] { j += 1 }
            let text = tok.decode(Array(r.tokens[i..<j]))
            s += r.lossMask[i] == 1 ? "[[" + text + "]]" : text
            i = j
        }
        return s
    }
}
