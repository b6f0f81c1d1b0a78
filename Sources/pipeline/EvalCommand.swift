import ArgumentParser
import DomainForgeCore
import Evaluation
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a checkpoint on held-out shards, MMLU-style CSV and SFT records: loss, perplexity, token accuracy, multiple-choice accuracy.",
        discussion: """
            DATA is PATH or LABEL=PATH (reports look for the labels domain and general). A shard folder (CPT, or SFT with \
            loss_mask: loss on response tokens only) gives mean loss, perplexity, token accuracy and tokens counted, in \
            file order, cut into windows of --seq-len. CSV files (question, choices..., answer as 0-3 or A-D; a folder \
            of them) are scored by log-likelihood of each choice, with accuracy against chance. .jsonl/.json SFT records \
            are rendered with --template: loss on responses, and when a prompt asks for JSON, whether the greedy answer \
            parses as JSON. CSV and SFT data need -t/--tokenizer. Unusable rows are reported as file:line and skipped.
            """)

    @Argument(help: "A checkpoint folder, or a training output_dir (its latest checkpoint).")
    var checkpoint: String

    @Argument(help: "Datasets: PATH or LABEL=PATH (write ./NAME for a path whose first component holds \"=\").")
    var data: [String]

    @Flag(help: "Print the result as JSON instead of a table.")
    var json = false

    @Option(name: .output, help: "Also write the result to this file (eval.json of a run directory).")
    var output: String?

    @Option(name: .customLong("out"), help: .deprecatedAlias)
    var deprecatedOut: String?

    @Option(name: .customLong("seq-len"), help: "Targets per window (default: the model's max_positions, at most 256).")
    var seqLen: Int?

    @Option(name: .customLong("max-batches"), help: "At most this many batches per shard folder.")
    var maxBatches: Int?

    @Option(name: .customLong("max-items"), help: "At most this many questions / SFT records per dataset.")
    var maxItems: Int?

    @Option(name: .customLong("batch-size"), help: "Windows per batch for shard folders.")
    var batchSize = 8

    @Option(name: .tokenizer, help: "tokenizer.json (needed for CSV and SFT records).")
    var tokenizer: String?

    @Option(help: "Chat template for SFT records: chatml, llama3 or a template YAML file.")
    var template = "chatml"

    @Option(name: .blasThreads, help: "OpenBLAS threads.")
    var blasThreads: Int?

    @Option(name: .customLong("threads"), help: .deprecatedAlias)
    var deprecatedThreads: Int?

    @Option(help: "A retrieval index (pipeline rag index): score CSV and SFT data again as LABEL+rag, with the best chunks prepended to each question.")
    var rag: String?

    @Option(name: .customLong("rag-k"), help: "Chunks prepended with --rag.")
    var ragK = 3

    @Flag(name: .customLong("no-verify"), help: "Skip the sha256 check of each shard file (on by default).")
    var noVerify = false

    mutating func validate() throws {
        output = try mergeDeprecated(output, old: deprecatedOut, oldName: "--out", newName: "--output")
        blasThreads = try mergeDeprecated(blasThreads, old: deprecatedThreads, oldName: "--threads", newName: "--blas-threads")
        try validateThreads(blasThreads, option: "--blas-threads")
        if data.isEmpty { throw ValidationError("give at least one dataset") }
        if let s = seqLen, s < 1 { throw ValidationError("--seq-len must be positive") }
        if let m = maxBatches, m < 1 { throw ValidationError("--max-batches must be positive") }
        if batchSize < 1 { throw ValidationError("--batch-size must be positive") }
        if ragK < 1 { throw ValidationError("--rag-k must be at least 1") }
    }

    func run() throws {
        var o = Evaluator.Options()
        o.seqLen = seqLen; o.maxBatches = maxBatches; o.maxItems = maxItems; o.batchSize = batchSize
        o.tokenizerPath = tokenizer; o.template = template; o.threads = blasThreads ?? 1; o.verifyShards = !noVerify
        o.ragIndex = rag; o.ragK = ragK
        let result = try orExit {
            try Evaluator(checkpoint: RunDirectory.checkpoint(of: checkpoint), options: o).run(data: data.map(Evaluator.parseDataArgument))
        }
        if let output { try orExit { try result.write(path: output) } }
        print(json ? result.json.serialized() : Evaluator.table(result))
        for d in result.datasets where d.problemCount > 0 {
            printError("\(d.label): \(d.problemCount) row(s) skipped")
            for p in d.problems.prefix(10) { printError("  \(p)") }
        }
    }
}
