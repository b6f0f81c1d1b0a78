import DomainForgeCore
import Evaluation
import Foundation
import SFT
import Tokenization
import Trainer

/// `pipeline synth-replay`: replay data made by the base model itself, for when the general data it was trained on
/// is not at hand: self-synthesized rehearsal (Huang et al. 2024, "Mitigating Catastrophic Forgetting in Large
/// Language Models with Self-Synthesized Rehearsal", ACL 2024).
///
/// 1. **Generate** `count` texts with the KV-cached `Generator` (temperature, top-p), sample `i` with its own seed
///    derived from `seed` and `i`, so the set is the same for a seed whatever the run order:
///    - `.unconditional`: general text continued from the document separator (end-of-text token), for CPT replay;
///    - `.prompts(FILE)`: answers of the base to the instructions of an SFT file (the record's turns up to its last
///      user turn, rendered with the chat template; prompts are used in turn), for SFT replay.
///    The texts go to `DIR/generated.jsonl` (temporary name, then renamed).
/// 2. **Clean**: the file runs through the pipeline library (`PipelineExecutor`) with `stages` (by default
///    normalize, length, exact and MinHash dedup against the set itself, Gopher repetition), so every drop is
///    counted by stage and reason; `DIR` is the pipeline's output folder.
/// 3. **Shards**: CPT shards (the pipeline's tokenize + shard) or SFT shards with loss masks (prompt + kept answer,
///    rendered with the template; only the answer is trained) in `DIR/shards`, the folder a replay source names.
/// 4. **Report**: `DIR/synth_report.json` (`SynthReport`), written last. A rerun with the same parameters returns
///    it; an interrupted run keeps its finished generation and resumes the pipeline.
public struct SyntheticReplay {
    /// What the base generates from.
    public enum Mode: Sendable, Equatable {
        /// General text from the end-of-text token (CPT replay).
        case unconditional
        /// Answers to the instructions of an SFT records file (SFT replay).
        case prompts(String)
    }

    /// Sampling and cleaning settings.
    public struct Options: Sendable {
        /// Texts to generate.
        public var count = 100
        public var temperature: Float = 1
        public var topP: Float = 0.95
        public var seed: UInt64 = 0
        public var maxNewTokens = 128
        /// Chat template of the prompt mode (a built-in name or a template file).
        public var template = "chatml"
        /// Pipeline workers of the cleaning step.
        public var workers = 1
        /// Pipeline stages run on the generated texts (tokenize and shard are added for CPT output).
        public var stages: [JSONValue] = SyntheticReplay.defaultStages
        public init() {}
    }

    /// Stages used when none are given: Unicode normalization, at least 20 characters, exact and MinHash
    /// near-duplicate removal within the set, and Gopher's repetition rules (sampling loops).
    public static let defaultStages: [JSONValue] = [
        .object(["type": .string("normalize")]),
        .object(["type": .string("length"), "min_chars": .int(20)]),
        .object(["type": .string("exact_dedup")]),
        .object(["type": .string("minhash_dedup")]),
        .object(["type": .string("gopher_repetition")]),
    ]

    public let checkpoint: String
    public let tokenizerPath: String
    public let mode: Mode
    public var options: Options
    /// Progress lines.
    public var log: (String) -> Void = ProgressOutput.line

    /// A generator of replay data from `checkpoint` (a checkpoint folder or a run's output_dir) with `tokenizerPath`.
    public init(checkpoint: String, tokenizerPath: String, mode: Mode, options: Options = .init()) {
        self.checkpoint = checkpoint; self.tokenizerPath = tokenizerPath; self.mode = mode; self.options = options
    }

    /// The request as JSON: a finished output folder is reused only for the same parameters.
    public var parameters: JSONValue {
        var o: [String: JSONValue] = [
            "checkpoint": .string(Checkpoint.folder(resolving: checkpoint)), "tokenizer": .string(tokenizerPath),
            "n": .int(Int64(options.count)), "seed": .int(Int64(bitPattern: options.seed)),
            "temperature": .double(Double(options.temperature)), "top_p": .double(Double(options.topP)),
            "max_new_tokens": .int(Int64(options.maxNewTokens)), "stages": .array(options.stages),
        ]
        switch mode {
        case .unconditional: o["mode"] = .string("unconditional")
        case .prompts(let p): o["mode"] = .string("prompts"); o["prompts"] = .string(p); o["template"] = .string(options.template)
        }
        return .object(o)
    }

    /// Generates, cleans and writes the replay set into `outputDir`; returns its report.
    @discardableResult
    public func run(outputDir: String) throws -> SynthReport {
        guard options.count > 0 else { throw EvaluationError.config("synth-replay: --n must be at least 1") }
        guard options.maxNewTokens > 0 else { throw EvaluationError.config("synth-replay: --max-new-tokens must be at least 1") }
        let reportPath = outputDir + "/synth_report.json"
        let params = parameters
        if let done = SynthReport.load(path: reportPath), done.parameters == params {
            log("synth-replay: \(outputDir) is finished for these parameters; \(done.summary)")
            return done
        }
        try prepareFolder(outputDir, parameters: params)
        let tok: BPETokenizer
        do { tok = try BPETokenizer.load(path: tokenizerPath) } catch { throw EvaluationError.io("\(tokenizerPath): \(error)") }
        let model = try Checkpoint.loadModel(from: Checkpoint.folder(resolving: checkpoint))
        let prompts = try promptRecords()
        let renderer = try prompts == nil ? nil : SFTRenderer(template: ChatTemplate.named(options.template), tokenizer: tok)
        var report = SynthReport(parameters: params)
        let generatedPath = outputDir + "/generated.jsonl"
        if FileManager.default.fileExists(atPath: generatedPath) {
            report.unterminated = Self.countUnterminated(generatedPath)
            log("synth-replay: reusing \(generatedPath)")
        } else {
            report.unterminated = try generate(model: model, tokenizer: tok, prompts: prompts, renderer: renderer, into: generatedPath)
        }
        report.generated = options.count
        try clean(generatedPath, outputDir: outputDir, sft: prompts != nil, report: &report)
        if let prompts, let renderer { try writeSFTShards(outputDir: outputDir, prompts: prompts, renderer: renderer, report: &report) }
        try report.write(path: reportPath)
        log("synth-replay: " + report.summary)
        return report
    }

    /// Creates the folder, or checks that an existing one is an earlier synth-replay output (then any result of
    /// other parameters is removed).
    func prepareFolder(_ dir: String, parameters: JSONValue) throws {
        let fm = FileManager.default
        let marker = dir + "/synth_parameters.json"
        let text = parameters.serialized() + "\n"
        if fm.fileExists(atPath: dir) {
            let entries = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            if !entries.isEmpty {
                guard let old = fm.contents(atPath: marker) else {
                    throw EvaluationError.config("synth-replay: \(dir) is not empty and is not a synth-replay output; give an empty or new folder")
                }
                if String(decoding: old, as: UTF8.self) == text { return }  // same request: resume
                log("synth-replay: \(dir) was made with other parameters; starting again")
                for e in entries { try fm.removeItem(atPath: dir + "/" + e) }
            }
        }
        try makeDirectory(dir)
        try Data(text.utf8).write(to: URL(fileURLWithPath: marker + ".tmp"))
        try fm.moveItem(atPath: marker + ".tmp", toPath: marker)
    }

    /// The prompt records (the turns before the last answer) of the prompt mode; nil unconditionally.
    func promptRecords() throws -> [SFTRecord]? {
        guard case .prompts(let path) = mode else { return nil }
        let out = try ChatFormatProbe.promptRecords(path: path)
        guard !out.isEmpty else { throw EvaluationError.data("\(path): no SFT record with a user turn; give a JSONL of instructions (alpaca, ShareGPT or messages)") }
        return out
    }

    /// The seed of sample `i` (SplitMix64 of the run seed and the index).
    static func sampleSeed(_ seed: UInt64, _ i: Int) -> UInt64 {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(i + 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The id of generated text `i`.
    static func sampleID(_ i: Int) -> String { String(format: "synth-%07d", i) }
}
