import Foundation
import SFT
import Tokenization
import Trainer

/// `pipeline eval`: scores one checkpoint on several datasets and returns the `eval.json` content.
/// A dataset is given as `PATH` or `LABEL=PATH`; its kind follows from what the path holds: a folder with
/// `index.json` is a shard folder, `.csv` files (or a folder of them) are multiple choice, `.jsonl`/`.json` files are
/// SFT records. Multiple choice and SFT records need a tokenizer. Deterministic: no sampling, fixed order.
public struct Evaluator {
    /// Settings shared by every dataset.
    public struct Options: Sendable {
        /// Targets per window (default: the model's max_positions, at most 256).
        public var seqLen: Int?
        public var batchSize = 8
        /// Batches per shard folder (nil: all).
        public var maxBatches: Int?
        /// Questions per multiple-choice dataset and records per SFT file (nil: all).
        public var maxItems: Int?
        public var tokenizerPath: String?
        /// Chat template for SFT records (`chatml`, `llama3` or a template YAML file).
        public var template = "chatml"
        public var threads = 1
        /// Check shard files' sha256 when they are opened (false: `--no-verify`).
        public var verifyShards = true
        /// A retrieval index (`pipeline rag index`): multiple-choice and SFT datasets are scored again, labelled
        /// `LABEL+rag`, with its best `ragK` chunks prepended to each question.
        public var ragIndex: String?
        public var ragK = 3
        /// The labels scored again with retrieval (nil: every multiple-choice and SFT dataset).
        public var ragLabels: Set<String>?
        /// The defaults.
        public init() {}
    }

    /// The loaded model.
    public let model: LlamaModel
    /// Its checkpoint folder.
    public let checkpoint: String
    /// The settings.
    public let options: Options

    /// Loads the checkpoint folder (`Checkpoint.loadModel`).
    public init(checkpoint: String, options: Options) throws {
        do { model = try Checkpoint.loadModel(from: checkpoint) } catch { throw EvaluationError.io("\(error)") }
        self.checkpoint = checkpoint
        self.options = options
    }

    /// Splits `LABEL=PATH` (a label is letters, digits, `-`, `_` and `.`); a plain path is labelled by its last component.
    public static func parseDataArgument(_ s: String) -> (label: String, path: String) {
        if let eq = s.firstIndex(of: "="), !s[..<eq].isEmpty,
           s[..<eq].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) {
            return (String(s[..<eq]), String(s[s.index(after: eq)...]))
        }
        let trimmed = s.hasSuffix("/") ? String(s.dropLast()) : s
        return ((trimmed as NSString).lastPathComponent, s)
    }

    /// The sequence length used: the option or min(max_positions, 256).
    public var seqLen: Int { options.seqLen ?? min(model.config.maxPositions, 256) }

    /// Scores every dataset in order.
    public func run(data: [(label: String, path: String)]) throws -> EvalResult {
        setBLASThreads(options.threads)
        var tokenizer: BPETokenizer?
        func tok() throws -> BPETokenizer {
            if let t = tokenizer { return t }
            guard let p = options.tokenizerPath else { throw EvaluationError.config("multiple choice and SFT records need --tokenizer tokenizer.json") }
            do { tokenizer = try BPETokenizer.load(path: p) } catch { throw EvaluationError.io("\(p): \(error)") }
            return tokenizer!
        }
        var context: RetrievalContext?
        var label = ""
        func retrieval() throws -> RetrievalContext? {
            guard let p = options.ragIndex, options.ragLabels?.contains(label) ?? true else { return nil }
            if context == nil { context = try RetrievalContext(indexPath: p, k: options.ragK) }
            return context
        }
        var out = [DatasetEval]()
        let fm = FileManager.default
        for (datasetLabel, path) in data {
            label = datasetLabel
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw EvaluationError.io("\(path) does not exist") }
            if isDir.boolValue && fm.fileExists(atPath: path + "/index.json") {
                let s = try TokenScorer(model: model, batchSize: options.batchSize, seqLen: seqLen)
                out.append(try ShardEvaluator(scorer: s, maxBatches: options.maxBatches, verifyHashes: options.verifyShards).evaluate(directory: path, label: label))
            } else if try path.hasSuffix(".csv") || path.hasSuffix(".csv.gz") || (isDir.boolValue && !MultipleChoiceEvaluator.files(path).isEmpty) {
                let s = try TokenScorer(model: model, batchSize: 1, seqLen: seqLen)
                var mc = MultipleChoiceEvaluator(scorer: s, tokenizer: try tok(), maxQuestions: options.maxItems)
                out.append(try mc.evaluate(path: path, label: label))
                if let rag = try retrieval() {
                    mc = MultipleChoiceEvaluator(scorer: try TokenScorer(model: model, batchSize: 1, seqLen: seqLen), tokenizer: try tok(), maxQuestions: options.maxItems)
                    mc.context = rag
                    out.append(try mc.evaluate(path: path, label: label + "+rag"))
                }
            } else if !isDir.boolValue && [".jsonl", ".json", ".jsonl.gz", ".jsonl.zst", ".json.gz"].contains(where: { path.hasSuffix($0) }) {
                let s = try TokenScorer(model: model, batchSize: 1, seqLen: seqLen)
                let template: ChatTemplate
                do { template = try ChatTemplate.named(options.template) } catch { throw EvaluationError.config("\(error)") }
                let renderer: SFTRenderer
                do { renderer = try SFTRenderer(template: template, tokenizer: tok()) } catch let e as EvaluationError { throw e } catch {
                    throw EvaluationError.config("\(error)")
                }
                out.append(try SFTRecordEvaluator(scorer: s, renderer: renderer, maxRecords: options.maxItems).evaluate(path: path, label: label))
                if let rag = try retrieval() {
                    var e = SFTRecordEvaluator(scorer: try TokenScorer(model: model, batchSize: 1, seqLen: seqLen), renderer: renderer, maxRecords: options.maxItems)
                    e.context = rag
                    out.append(try e.evaluate(path: path, label: label + "+rag"))
                }
            } else {
                throw EvaluationError.data("\(path): not a shard folder (index.json), a CSV file or folder, or a .jsonl/.json SFT file")
            }
        }
        return EvalResult(checkpoint: checkpoint, seqLen: seqLen, maxBatches: options.maxBatches, datasets: out)
    }

    /// A text table of the results (one row per dataset).
    public static func table(_ r: EvalResult) -> String {
        var rows = [["dataset", "kind", "loss", "ppl", "tok acc", "tokens", "mc acc (chance)", "json ok", "skipped"]]
        func f(_ v: Double?, _ fmt: String = "%.4f") -> String { v.map { String(format: fmt, $0) } ?? "-" }
        for d in r.datasets {
            let mc = d.accuracy.map { String(format: "%.3f (%.3f)", $0, d.chance ?? 0) } ?? "-"
            let js = d.formatChecked.map { "\(d.formatPassed ?? 0)/\($0)" } ?? "-"
            rows.append([d.label, d.kind.rawValue, f(d.loss), f(d.perplexity, "%.2f"), f(d.tokenAccuracy), String(d.tokens), mc, js, String(d.problemCount)])
        }
        return TextTable.render(rows)
    }
}
