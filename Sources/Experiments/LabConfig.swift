import DomainForgeCore
import Evaluation
import Foundation
import PipelineConfig

/// A forgetting-lab file (`schemas/lab.schema.json`), validated, with paths resolved against its folder.
public struct LabConfig: Sendable {
    /// One corpus: pipeline inputs (each with optional fallbacks) and its held-out share.
    public struct Corpus: Sendable {
        public var inputs: [JSONValue]
        public var heldoutFraction: Double
    }

    /// One adaptation arm.
    public struct Arm: Sendable {
        public var name: String
        /// Share of draws from the general training shards.
        public var replay: Double
        /// Extra TRAIN.yaml keys (placeholders not yet substituted).
        public var train: [String: JSONValue]
        /// What replay draws from: `general` (the general training shards) or `synthesized` (the base's own text).
        public var replaySource: ReplaySource = .general
        /// The model the arm adapts: the base, or the instruct model made from it (`instruct:`).
        public var start: Start = .base
        /// What the arm adapts on: domain text (CPT) or domain SFT records.
        public var data: ArmData = .domainText
    }

    public var name: String
    public var outputDir: String
    public var tokenizer: String
    public var seed: Int
    public var threads: Int
    public var stages: [JSONValue]
    public var general: Corpus
    public var domain: Corpus
    public var model: [String: JSONValue]
    public var pretrain: [String: JSONValue]
    public var adapt: [String: JSONValue]
    public var evalSeqLen: Int?
    public var evalBatchSize: Int
    public var evalMaxBatches: Int?
    public var evalMaxItems: Int?
    public var evalExtra: [(label: String, path: String)]
    public var arms: [Arm]
    /// `eval.rag`: RAG-augmented evaluation (nil: none).
    public var rag: LabRetrieval? = nil
    /// Sampling settings of the self-synthesized replay set (`synth:`).
    public var synth = SynthSettings()
    /// The instruct start (`instruct:`), nil without one.
    public var instruct: InstructSettings?
    /// The folder of the lab file.
    public var baseDirectory: String

    /// Resolves a path of the lab file.
    public func resolve(_ p: String) -> String { PathResolver(baseDirectory: baseDirectory, style: .absolute).resolve(p) }

    /// Reads and validates a lab file.
    public static func load(path: String) throws -> LabConfig {
        let tree: JSONValue
        do { tree = try ConfigFile.read(path: path) } catch { throw EvaluationError.config("\(error)") }
        return try parse(tree, baseDirectory: (path as NSString).deletingLastPathComponent, file: path)
    }

    /// Validates a parsed lab tree against the schema and reads it; relative paths are made absolute against
    /// `baseDirectory`.
    public static func parse(_ tree: JSONValue, baseDirectory dir: String, file: String = "lab") throws -> LabConfig {
        let baseDirectory = PathResolver(baseDirectory: dir, style: .absolute).resolve(".")
        do { try ConfigFile.validate(tree, as: .lab) } catch let e as ConfigErrors {
            throw EvaluationError.config(e.errors.map { "\(file): \($0)" }.joined(separator: "\n"))
        }
        let tree = ConfigKind.lab.validator.applyingDefaults(tree)  // the defaults are the schema's
        let fraction = tree["heldout_fraction"]!.doubleValue!
        func corpus(_ c: JSONValue) -> Corpus {
            Corpus(inputs: c["inputs"]?.arrayValue ?? [], heldoutFraction: c["heldout_fraction"]?.doubleValue ?? fraction)
        }
        var names = Set<String>()
        var arms = [Arm]()
        for (i, a) in (tree["arms"]?.arrayValue ?? []).enumerated() {
            let n = a["name"]!.stringValue!
            guard n != "base", n.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                throw EvaluationError.config("\(file): arms[\(i)].name '\(n)' must be letters, digits, - _ . and not 'base'")
            }
            guard names.insert(n).inserted else { throw EvaluationError.config("\(file): arms[\(i)].name '\(n)' is used twice") }
            let source = ReplaySource(rawValue: a["replay_source"]?.stringValue ?? "general") ?? .general
            guard source == .general || a["replay"]!.doubleValue! > 0 else {
                throw EvaluationError.config("\(file): arms[\(i)] '\(n)': replay_source \(source.rawValue) needs a replay share above 0")
            }
            arms.append(Arm(name: n, replay: a["replay"]!.doubleValue!, train: a["train"]?.objectValue ?? [:], replaySource: source,
                            start: Start(rawValue: a["start"]?.stringValue ?? "base") ?? .base,
                            data: ArmData(rawValue: a["data"]?.stringValue ?? "domain_text") ?? .domainText))
        }
        let e = tree["eval"]
        let out = tree["output_dir"]!.stringValue!
        var c = LabConfig(name: tree["name"]?.stringValue ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension,
                          outputDir: out, tokenizer: tree["tokenizer"]!.stringValue!, seed: tree["seed"]!.intValue!,
                          threads: tree["threads"]!.intValue!, stages: tree["stages"]?.arrayValue ?? [],
                          general: corpus(tree["corpora"]!["general"]!), domain: corpus(tree["corpora"]!["domain"]!),
                          model: tree["model"]?.objectValue ?? [:], pretrain: tree["pretrain"]?.objectValue ?? [:],
                          adapt: tree["adapt"]?.objectValue ?? [:], evalSeqLen: e?["seq_len"]?.intValue,
                          evalBatchSize: e!["batch_size"]!.intValue!, evalMaxBatches: e?["max_batches"]?.intValue,
                          evalMaxItems: e?["max_items"]?.intValue,
                          evalExtra: (e?["extra"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.compactMap { k, v in v.stringValue.map { (k, $0) } },
                          arms: arms, baseDirectory: baseDirectory)
        c.synth = SynthSettings(tree["synth"])
        c.instruct = try InstructSettings.parse(tree["instruct"], arms: arms, file: file, resolve: c.resolve)
        c.outputDir = c.resolve(out)
        c.tokenizer = c.resolve(c.tokenizer)
        c.evalExtra = c.evalExtra.map { ($0.label, c.resolve($0.path)) }
        c.rag = try e?["rag"].map { [c] in try LabRetrieval.parse($0, resolve: c.resolve, file: file) }
        for s in c.stages where ["tokenize", "shard"].contains(s["type"]?.stringValue ?? "") {
            throw EvaluationError.config("\(file): stages: leave out tokenize and shard; the lab adds them with its tokenizer")
        }
        return c
    }
}
