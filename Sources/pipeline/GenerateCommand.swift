import ArgumentParser
import DomainForgeCore
import Foundation
import Tokenization
import Trainer

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt with a trained checkpoint (greedy, or top-k / top-p sampling).")

    @Argument(help: "A checkpoint folder (model.safetensors + config.json), or a training output_dir (its latest checkpoint).")
    var checkpoint: String

    @Option(help: "Prompt text (needs a tokenizer).")
    var prompt: String?

    @Option(name: .customLong("prompt-ids"), help: "Prompt as comma-separated token ids instead of text.")
    var promptIds: String?

    @Option(name: .tokenizer, help: "tokenizer.json (default: CHECKPOINT/tokenizer.json when present).")
    var tokenizer: String?

    @Option(name: .customLong("max-new-tokens")) var maxNewTokens = 64
    @Option(help: "0 = greedy.") var temperature: Float = 0
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0 = all).") var topK = 0
    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass.") var topP: Float = 1
    @Option var seed: UInt64 = 0
    @Option(name: .blasThreads, help: "OpenBLAS threads.") var blasThreads: Int?
    @Option(name: .customLong("threads"), help: .deprecatedAlias) var deprecatedThreads: Int?

    @Option(name: .customLong("logits-json"), help: "Write the prompt's ids and logits here (for scripts/compat/check_hf_llama.py) and exit.")
    var logitsJSON: String?

    mutating func validate() throws {
        blasThreads = try mergeDeprecated(blasThreads, old: deprecatedThreads, oldName: "--threads", newName: "--blas-threads")
        try validateThreads(blasThreads, option: "--blas-threads")
        if prompt == nil && promptIds == nil { throw ValidationError("give --prompt or --prompt-ids") }
    }

    func run() throws {
        setBLASThreads(blasThreads ?? 1)
        let checkpoint = Checkpoint.folder(resolving: self.checkpoint)
        let model = try Checkpoint.loadModel(from: checkpoint)
        let tokPath = tokenizer ?? (FileManager.default.fileExists(atPath: checkpoint + "/tokenizer.json") ? checkpoint + "/tokenizer.json" : nil)
        let tok = try tokPath.map { try BPETokenizer.load(path: $0) }
        var ids: [Int32]
        if let p = promptIds {
            ids = p.split(separator: ",").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        } else if let p = prompt {
            guard let tok else { throw UsageError("--prompt needs -t/--tokenizer (or CHECKPOINT/tokenizer.json); or use --prompt-ids") }
            ids = tok.encode(p, addSpecialTokens: false).map { Int32($0) }
        } else {
            ids = []
        }
        guard !ids.isEmpty, ids.allSatisfy({ $0 >= 0 && Int($0) < model.config.vocabSize }) else {
            throw UsageError("prompt ids must be non-empty and below the vocabulary size \(model.config.vocabSize)")
        }
        ids = Array(ids.suffix(model.config.maxPositions))
        let g = Generator(model: model)
        if let out = logitsJSON {
            let l = g.logits(ids), V = model.config.vocabSize
            let rows: [JSONValue] = (0..<ids.count).map { t in .array((0..<V).map { .double(Double(l[t * V + $0])) }) }
            let doc = JSONValue.object(["input_ids": .array([.array(ids.map { .int(Int64($0)) })]), "logits": .array([.array(rows)])])
            try Data(doc.serialized().utf8).write(to: URL(fileURLWithPath: out))
            print("wrote \(out): \(ids.count) tokens × \(V) logits")
            return
        }
        var o = Generator.Options()
        o.maxNewTokens = maxNewTokens; o.temperature = temperature; o.topK = topK; o.topP = topP; o.seed = seed
        o.stopToken = model.config.eosTokenId.map { Int32($0) }
        let new = g.generate(prompt: ids, options: o)
        if let tok {
            print(tok.decode(ids.map { UInt32($0) }) + tok.decode(new.map { UInt32($0) }))
        } else {
            print(new.map(String.init).joined(separator: " "))
        }
    }
}
