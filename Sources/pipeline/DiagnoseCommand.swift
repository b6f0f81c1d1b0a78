import ArgumentParser
import Diagnosis
import DomainForgeCore
import Foundation
import Trainer

/// `pipeline diagnose`: does a base model need CPT, SFT or RAG on this data?
struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Measure a base model on domain data and recommend CPT, vocabulary extension + CPT, SFT, mixed SFT, RAG or RAG + SFT.",
        discussion: """
            DATA is JSONL documents ({"text": ...}; .gz, .zst), .txt/.md files (documents separated by blank lines, else \
            one per line) or a folder of them (a run folder's documents/). Each side is sampled to --max-docs documents \
            and --max-bytes bytes; exact duplicates count once. Measures vocabulary fit (fertility, fragmented domain \
            terms, what tokenizer extend would save), knowledge gap (loss domain against general, loss on domain-term \
            tokens, MCQ accuracy with --eval), behaviour gap with --sft (response loss under --template, JSON answers, \
            stops at the end-of-turn token), data available, eval overlap, and cost (6·N·D FLOPs; training speed here \
            taken as the measured forward speed ÷ 3). Thresholds: README "Diagnose: CPT, SFT or RAG?", overridden by \
            --thresholds (key: value lines).
            """)

    @Option(help: "The base model: a checkpoint folder or a training output_dir (its latest checkpoint).")
    var base: String

    @Option(name: .tokenizer, help: "The base model's tokenizer.json.")
    var tokenizer: String

    @Option(help: "Domain text (DATA).")
    var domain: String

    @Option(help: "General text (DATA).")
    var general: String

    @Option(help: "SFT records (JSONL/JSON, any supported shape) for the behaviour gap.")
    var sft: String?

    @Option(help: "Multiple-choice CSV file or folder for accuracy and the overlap check.")
    var eval: String?

    @Option(name: .customLong("target-tokens"), help: "CPT tokens for the cost estimate (default: the domain tokens).")
    var targetTokens: Double?

    @Option(name: .customLong("max-docs"), help: "Documents sampled per side.")
    var maxDocs = 200

    @Option(name: .customLong("max-bytes"), help: "Bytes of text sampled per side.")
    var maxBytes = 400_000

    @Option(name: .customLong("max-tokens"), help: "Targets scored per side for the loss.")
    var maxTokens = 20_000

    @Option(name: .customLong("sft-records"), help: "SFT records scored for the response loss.")
    var sftRecords = 32

    @Option(name: .customLong("generate-records"), help: "SFT records answered greedily for the stop check.")
    var generateRecords = 8

    @Option(name: .customLong("seq-len"), help: "Targets per window (default: the model's max_positions, at most 256).")
    var seqLen: Int?

    @Option(help: "Chat template for SFT records: chatml, llama3 or a template YAML file.")
    var template = "chatml"

    @Option(help: "A file of threshold overrides (key: value lines).")
    var thresholds: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(name: .output, help: "Also write the JSON report to this file.")
    var output: String?

    @Option(help: "Write an HTML report with inline SVG plots to this file.")
    var html: String?

    @Option(name: .blasThreads, help: "OpenBLAS threads.")
    var blasThreads: Int?

    func validate() throws {
        try validateThreads(blasThreads, option: "--blas-threads")
        for (name, v) in [("--max-docs", maxDocs), ("--max-bytes", maxBytes), ("--max-tokens", maxTokens)] where v < 1 {
            throw ValidationError("\(name) must be positive")
        }
        if sftRecords < 0 || generateRecords < 0 { throw ValidationError("--sft-records and --generate-records must not be negative") }
        if let s = seqLen, s < 1 { throw ValidationError("--seq-len must be positive") }
        if let t = targetTokens, !(t > 0) { throw ValidationError("--target-tokens must be positive") }
    }

    func run() throws {
        try orExit {
            var o = Diagnoser.Options(base: base, tokenizer: tokenizer, domain: domain, general: general)
            o.sft = sft; o.eval = eval; o.targetTokens = targetTokens
            o.maxDocs = maxDocs; o.maxBytes = maxBytes; o.maxTokens = maxTokens
            o.sftRecords = sftRecords; o.generateRecords = generateRecords; o.seqLen = seqLen; o.template = template
            if let thresholds { o.thresholds = try DiagnosisThresholds.load(path: thresholds) }
            setBLASThreads(blasThreads ?? 1)
            let report = try Diagnoser(options: o).run { if !json { printError($0) } }
            print(json ? report.json.serialized() : report.text)
            if let output { try Self.write(report.json.serialized() + "\n", to: output) }
            if let html { try Self.write(DiagnosisHTML.page(report), to: html) }
        }
    }

    /// Writes `text` through a temporary file.
    static func write(_ text: String, to path: String) throws {
        let f = try AtomicOutputFile(path: path)
        try f.write(Array(text.utf8))
        try f.commit()
    }
}
