import ArgumentParser
import DomainForgeCore
import Foundation
import Tokenization

/// `pipeline tokenizer train|encode|decode|inspect|extend`: byte-level BPE tokenizers compatible with Hugging Face
/// `tokenizers` (same ids for the same tokenizer.json).
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train, inspect, extend and run byte-level BPE tokenizers (ids identical to Hugging Face tokenizers).",
        subcommands: [Train.self, Encode.self, Decode.self, Inspect.self, Extend.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a byte-level BPE like HF BpeTrainer and write tokenizer.json.",
            discussion: "Text files are read one line at a time (as HF train(files) does); .jsonl files give one document per record (--field).")
        @Argument(help: "Corpus files (.txt or .jsonl).") var inputs: [String]
        @Option(name: .output, help: "Output tokenizer.json.") var output: String = "tokenizer.json"
        @Option(name: .long, help: "Vocabulary size, special tokens included.") var vocabSize: Int = 32000
        @Option(name: .long, help: "Minimum pair frequency for a merge.") var minFrequency: Int = 2
        @Option(name: .customLong("special-token"), help: "Special token (repeatable; ids 0, 1, ... in order).") var specialTokens: [String] = []
        @Option(name: .long, help: "Pre-tokenizer pattern (cl100k: Llama-3's).") var pattern: SplitPattern = .gpt2
        @Option(name: .long, help: "Normalization.") var normalize: Normalization = .none
        @Option(name: .long, help: "JSON field holding the text in .jsonl inputs.") var field: String = "text"
        @Option(name: .threads, help: "Worker threads for counting (0: all cores).") var threads: Int = 0

        func validate() throws { try validateThreads(threads, minimum: 0) }

        func run() throws {
            let (pat, norm) = (pattern, normalize)
            let specials = specialTokens.isEmpty ? ["<|endoftext|>"] : specialTokens
            let trainer = BPETrainer(options: BPETrainerOptions(vocabSize: vocabSize, minFrequency: minFrequency, specialTokens: specials,
                                                                 pattern: pat, normalization: norm, threads: threads))
            let t0 = Date()
            for path in inputs {
                if TokenizerInput.isJSONL(path) {
                    try TokenizerInput(fields: [field]).forEachText(path, onReject: { throw TokenizerInputError($0) }) { _, text in trainer.feed(text) }
                } else if path.hasSuffix(".gz") || path.hasSuffix(".zst") || path.hasSuffix(".zstd") {
                    for line in try TokenizerInput.readText(path).split(separator: "\n") { trainer.feed(String(line)) }
                } else {
                    try InputFileKind.requireRegularFile(path: path, displayName: path)
                    try trainer.feedFile(path: path)
                }
            }
            let tok = try trainer.train()
            try tok.save(path: output)
            printErr("trained vocab \(tok.vocabSize) (\(tok.mergeCount) merges, \(trainer.distinctWords) distinct words) in \(String(format: "%.2f", Date().timeIntervalSince(t0))) s -> \(output)\nfingerprint \(tok.fingerprint)")
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encode text or JSONL to JSONL lines {\"id\": ..., \"ids\": [...]}.",
            discussion: "JSONL input: one document per line, text in --field, id in --id-field (else the line number). Text input: the whole file is one document (id = its path), or one per line with --lines.")
        /// How input files are read.
        enum InputFormat: String, ExpressibleByArgument, CaseIterable { case auto, jsonl, text }
        @Option(name: .tokenizer, help: "tokenizer.json, vocab.json (+ merges.txt), or a directory.") var tokenizer: String
        @Argument(help: "Input files (default: stdin).") var inputs: [String] = []
        @Option(name: .output, help: "Output file (default: stdout).") var output: String?
        @Option(name: .long, help: "Input format (auto: .jsonl files as JSONL, others as text).") var format: InputFormat = .auto
        @Option(name: .long, help: "JSON field holding the text.") var field: String = "text"
        @Option(name: .long, help: "JSON field holding the document id.") var idField: String = "id"
        @Flag(name: .long, help: "Text input: one document per line.") var lines = false
        @Flag(name: .long, help: "Encode special tokens written in the text as plain text (safe for untrusted text).") var splitSpecialTokens = false
        @Flag(name: .long, help: "Do not add the post-processor's special tokens (e.g. Llama-3 BOS).") var noAddSpecialTokens = false
        @Option(name: .threads, help: "Worker threads (0: all cores).") var threads: Int = 0

        func validate() throws { try validateThreads(threads, minimum: 0) }

        func run() throws {
            let tok = try BPETokenizer.load(path: tokenizer)
            let sink = try OutputSink(output)
            var docs = [(String, String)]()
            func flush() {
                let ids = tok.encodeBatch(docs.map { $0.1 }, threads: threads, addSpecialTokens: !noAddSpecialTokens, splitSpecialTokens: splitSpecialTokens)
                var out = [UInt8]()
                for (k, d) in docs.enumerated() {
                    out.append(contentsOf: "{\"id\":".utf8); JSONWriter.writeString(d.0, into: &out)
                    out.append(contentsOf: ",\"ids\":[".utf8)
                    for (j, x) in ids[k].enumerated() { if j > 0 { out.append(0x2C) }; out.append(contentsOf: String(x).utf8) }
                    out.append(contentsOf: "]}\n".utf8)
                }
                sink.write(out)
                docs.removeAll(keepingCapacity: true)
            }
            let sources = inputs.isEmpty ? ["-"] : inputs
            let reader = TokenizerInput(fields: [field], idField: idField)
            var encoded = 0, rejected = 0
            func reject(_ message: String) { printErr(message); rejected += 1 }
            func add(_ id: String, _ text: String) { docs.append((id, text)); encoded += 1; if docs.count >= 4096 { flush() } }
            for src in sources {
                do {
                    if format == .jsonl || (format == .auto && TokenizerInput.isJSONL(src)) {
                        try reader.forEachText(src, onReject: reject, add)
                    } else {
                        let text = try TokenizerInput.readText(src)
                        if lines {
                            for (k, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() { add("\(k)", String(l)) }
                        } else { add(src, text) }
                    }
                } catch let e as InputError {
                    reject(e.line > 0 ? e.description : "\(src): \(e.message) [\(e.code)]")
                }
            }
            flush()
            if rejected > 0 {
                printErr("\(encoded) lines encoded, \(rejected) rejected (see the messages above)")
                throw ExitCode(1)
            }
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decode JSONL {\"id\", \"ids\"} lines (or --ids) to {\"id\", \"text\"}.")
        @Option(name: .tokenizer, help: "tokenizer.json, vocab.json (+ merges.txt), or a directory.") var tokenizer: String
        @Argument(help: "JSONL files with an \"ids\" array per line (default: stdin).") var inputs: [String] = []
        @Option(name: .long, help: "Comma-separated ids to decode; prints the text.") var ids: String?
        @Option(name: .output, help: "Output file (default: stdout).") var output: String?
        @Flag(name: .long, help: "Drop special tokens.") var skipSpecialTokens = false

        func run() throws {
            let tok = try BPETokenizer.load(path: tokenizer)
            let sink = try OutputSink(output)
            if let ids {
                let list = ids.split(separator: ",").compactMap { UInt32($0.trimmingCharacters(in: .whitespaces)) }
                sink.write(Array((tok.decode(list, skipSpecialTokens: skipSpecialTokens) + "\n").utf8))
                return
            }
            for src in inputs.isEmpty ? ["-"] : inputs {
                let text = try TokenizerInput.readText(src)
                for (k, line) in text.split(separator: "\n").enumerated() {
                    let v = try JSONParser.parse(String(line))
                    guard let arr = v["ids"]?.arrayValue else { throw CommandFailure("\(src):\(k + 1): no \"ids\" array") }
                    let list = arr.compactMap { $0.intValue }.map { UInt32($0) }
                    var out = [UInt8]()
                    out.append(contentsOf: "{\"id\":".utf8)
                    if let id = v["id"] { JSONWriter.write(id, into: &out) } else { out.append(contentsOf: String(k).utf8) }
                    out.append(contentsOf: ",\"text\":".utf8)
                    JSONWriter.writeString(tok.decode(list, skipSpecialTokens: skipSpecialTokens), into: &out)
                    out.append(contentsOf: "}\n".utf8)
                    sink.write(out)
                }
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a tokenizer; with --text, show its tokens.")
        @Option(name: .tokenizer, help: "tokenizer.json, vocab.json (+ merges.txt), or a directory.") var tokenizer: String?
        @Argument(help: .deprecatedAlias) var deprecatedTokenizer: String?
        @Option(name: .long, help: "Text to tokenize.") var text: String?

        mutating func validate() throws {
            tokenizer = try mergeDeprecated(tokenizer, old: deprecatedTokenizer, oldName: "a positional TOKENIZER", newName: "-t/--tokenizer")
            if tokenizer == nil { throw ValidationError("give the tokenizer: -t/--tokenizer PATH") }
        }

        func run() throws {
            let tok = try BPETokenizer.load(path: tokenizer!)
            var s = """
            model: byte-level BPE
            vocab size: \(tok.vocabSize)
            merges: \(tok.mergeCount)
            pre-tokenizer: \(tok.pattern.map { "\($0.rawValue) regex \($0.regex)" } ?? (tok.customRegexes.isEmpty ? "none (ByteLevel without regex)" : "Split regex (ICU) " + tok.customRegexes.joined(separator: " then ")))\(tok.addPrefixSpace ? ", add_prefix_space" : "")
            normalizer: \(tok.normalization.rawValue)
            added tokens: \(tok.addedTokens.count) (\(tok.specialTokens.count) special)\(tok.specialTokens.prefix(10).map { " \($0.content)=\($0.id)" }.joined())
            template: prefix \(tok.prefixIds) suffix \(tok.suffixIds)
            fingerprint: \(tok.fingerprint)

            """
            if let text {
                let ids = tok.encode(text)
                s += "ids: \(ids)\ntokens: " + ids.map { tok.token(for: $0) ?? "?" }.map { "\"\($0)\"" }.joined(separator: " ") + "\n"
                s += "count: \(ids.count) tokens for \(text.utf8.count) bytes\n"
            }
            FileHandle.standardOutput.write(Data(s.utf8))
        }
    }

    struct Extend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add frequent domain terms that the base tokenizer splits into many pieces (as new merges).",
            discussion: "Writes the extended tokenizer.json and a JSON map of new ids to their base pieces (initialize each new embedding as the mean of its pieces), and prints fertility (tokens per word; per character for Chinese, Japanese, Thai and other scripts without spaces, whose terms are ICU words) on domain and general text before and after.")
        @Option(name: .tokenizer, help: "The base tokenizer.") var tokenizer: String?
        @Option(name: .customLong("base"), help: .deprecatedAlias) var deprecatedBase: String?
        @Option(name: .long, help: "Domain corpus (.txt or .jsonl; repeatable).") var domain: [String]
        @Option(name: .long, help: "General text for the fertility check (.txt or .jsonl; repeatable).") var general: [String] = []
        @Option(name: .output, help: "Output tokenizer.json.") var output: String = "tokenizer-extended.json"
        @Option(name: .long, help: "Output map of new ids to base pieces.") var mapOutput: String = "new-tokens.json"
        @Option(name: .long, help: "Maximum new ids.") var maxNewTokens: Int = 1000
        @Option(name: .long, help: "Minimum term frequency in the domain corpus.") var minFrequency: Int = 20
        @Option(name: .long, help: "Minimum base pieces per term.") var minPieces: Int = 3
        @Option(name: .long, help: "JSON field(s) holding text in .jsonl inputs (comma-separated; joined by newlines).") var field: String = "text"

        mutating func validate() throws {
            tokenizer = try mergeDeprecated(tokenizer, old: deprecatedBase, oldName: "--base", newName: "-t/--tokenizer")
            if tokenizer == nil { throw ValidationError("give the base tokenizer: -t/--tokenizer PATH") }
        }

        func run() throws {
            let tok = try BPETokenizer.load(path: tokenizer!)
            let fields = field.split(separator: ",").map(String.init) + (field.split(separator: ",").contains("text") ? [] : ["text"])
            func load(_ paths: [String]) throws -> [String] {
                var docs = [String]()
                for p in paths {
                    if TokenizerInput.isJSONL(p) {
                        try TokenizerInput(fields: fields).forEachText(p, onReject: { throw TokenizerInputError($0) }) { _, t in docs.append(t) }
                    } else { docs.append(try TokenizerInput.readText(p)) }
                }
                return docs
            }
            let (ext, report) = try VocabularyExtender.extend(
                base: tok, domain: try load(domain), general: try load(general),
                options: VocabularyExtensionOptions(maxNewTokens: maxNewTokens, minFrequency: minFrequency, minPieces: minPieces))
            try ext.save(path: output)
            try Data(report.newTokenMapJSON(baseVocabSize: tok.vocabSize)).write(to: URL(fileURLWithPath: mapOutput))
            var s = report.summary + "\n"
            s += "top terms: " + report.terms.prefix(20).map { "\($0.text.trimmingCharacters(in: .whitespaces))(\($0.frequency)x, \($0.basePieces) pieces)" }.joined(separator: ", ") + "\n"
            s += "wrote \(output) (vocab \(ext.vocabSize)) and \(mapOutput)\n"
            FileHandle.standardOutput.write(Data(s.utf8))
        }
    }
}

// MARK: helpers

private func printErr(_ s: String) { printError(s) }

/// Buffered stdout or file output.
private final class OutputSink {
    let handle: FileHandle
    init(_ path: String?) throws {
        if let path, path != "-" {
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw CommandFailure("cannot write \(path)")
            }
            handle = h
        } else { handle = FileHandle.standardOutput }
    }
    func write(_ b: [UInt8]) { handle.write(Data(b)) }
}
