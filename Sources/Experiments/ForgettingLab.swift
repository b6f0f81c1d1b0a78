import DomainForgeCore
import Evaluation
import Foundation
import PipelineConfig
import PipelineRunner
import Tokenization

/// `pipeline lab LAB.yaml`: the forgetting lab, end to end through the project's libraries.
///
/// 1. **Prepare**: each corpus (general, domain) goes through the pipeline (`PipelineExecutor`: the lab's
///    `stages`, then tokenize with the lab tokenizer and shard) into `output_dir/data/<corpus>/`; an input whose path
///    is absent is replaced by its `fallback` inputs (e.g. the bundled `corpora/`). The shards are split by id hash
///    into `data/<corpus>-train` and `data/<corpus>-heldout`.
/// 2. **Base**: a tiny model (`model`) is pretrained on general-train (`pretrain` TRAIN.yaml keys) into `runs/base`.
/// 3. **Arms**: each arm starts from the base and trains on domain-train (`adapt` keys), with `replay` share of
///    general-train draws and its own `train` keys (LoRA, EWC, ...), into `runs/<arm>`. Replay may instead draw
///    from the base's own generations (`replay_source: synthesized`, `ForgettingLab+Synth`); with `instruct:` the
///    base is first made an instruct model and arms may start from it (`ForgettingLab+Instruct`). An arm whose keys the
///    trainer rejects is reported as failed with the trainer's message; the others go on.
/// 4. **Eval and report**: the base and every arm are evaluated on both held-out sets (labels `general`, `domain`,
///    plus `eval.extra`) into `runs/*/eval.json`; `report.txt` (table) and `report.html` are written.
public struct ForgettingLab {
    /// The lab file's content.
    public let config: LabConfig
    /// Progress lines.
    public var log: (String) -> Void = ProgressOutput.line

    /// A lab for `config`.
    public init(config: LabConfig) { self.config = config }

    /// Where things go.
    public var dataDir: String { config.outputDir + "/data" }
    /// `output_dir/runs`: the base and arm run directories.
    public var runsDir: String { config.outputDir + "/runs" }
    /// The training split of a corpus (`general` or `domain`).
    public func trainShards(_ corpus: String) -> String { "\(dataDir)/\(corpus)-train" }
    /// The held-out split of a corpus.
    public func heldoutShards(_ corpus: String) -> String { "\(dataDir)/\(corpus)-heldout" }

    /// What a lab run produced.
    public struct Outcome {
        public var comparison: RunComparison
        public var reportText: String
        public var reportHTML: String
    }

    /// Runs every step and returns the comparison.
    @discardableResult
    public func run() throws -> Outcome {
        let t0 = Date()
        for p in recipeProblems() { log("warning: \(p) (that run will fail; the others go on)") }
        try makeDirectory(config.outputDir)
        for (name, corpus) in [("general", config.general), ("domain", config.domain)] {
            try prepare(name, corpus)
        }
        let tokenizer: BPETokenizer
        do { tokenizer = try BPETokenizer.load(path: config.tokenizer) } catch { throw EvaluationError.io("\(config.tokenizer): \(error)") }
        var evalOptions = Evaluator.Options()
        evalOptions.seqLen = config.evalSeqLen ?? config.adapt["seq_len"]?.intValue
        evalOptions.batchSize = config.evalBatchSize
        evalOptions.maxBatches = config.evalMaxBatches
        evalOptions.maxItems = config.evalMaxItems
        evalOptions.tokenizerPath = config.tokenizer
        evalOptions.threads = config.threads
        var evalData: [(label: String, path: String)] = [("domain", heldoutShards("domain")), ("general", heldoutShards("general"))]
        for x in config.evalExtra {
            if FileManager.default.fileExists(atPath: x.path) { evalData.append(x) } else { log("eval.extra \(x.label): \(x.path) is absent; skipped") }
        }
        if let rag = config.rag { try prepareRetrieval(rag, options: &evalOptions, data: &evalData) }
        try prepareInstruct(tokenizer: tokenizer, evalData: &evalData, options: &evalOptions)
        var exp = ExperimentRun(evalData: evalData, evalOptions: evalOptions)
        exp.log = log

        log("[base] pretraining on general text")
        let base = try exp.run(baseRecipe(vocabSize: tokenizer.vocabSize), directory: runsDir + "/base")
        let baseCheckpoint = RunDirectory.checkpoint(of: base.path)
        let synth = try synthesizeReplay(base: baseCheckpoint)
        let instruct = try runInstruct(exp, base: baseCheckpoint)
        var runs = instruct.map { [$0] } ?? [], failures = [(name: String, message: String)]()
        for arm in config.arms {
            log("[\(arm.name)] adapting " + (arm.start == .instruct ? "the instruct model " : "") + "to "
                + (arm.data == .domainSFT ? "domain SFT records" : "domain text")
                + (arm.replay > 0 ? String(format: " with %.0f%% replay", arm.replay * 100) : "")
                + [.general: "", .synthesized: " of the base's own text", .generalChat: " of general chat"][arm.replaySource]!)
            do {
                let start = try startCheckpoint(arm, base: baseCheckpoint, instruct: instruct)
                runs.append(try exp.run(try armRecipe(arm, base: start), directory: runsDir + "/" + arm.name))
            } catch let e as EvaluationError {
                log("[\(arm.name)] failed: \(e)")
                failures.append((arm.name, "\(e)"))
            }
        }
        try probeChatFormat([base.path] + runs.map(\.path), tokenizer: tokenizer)
        var c = try RunComparison(runs: runs, base: base.eval, failures: failures)
        c.base?.info = RunInfo.load(directory: base.path)
        c.base?.chat = ChatRetention(eval: base.eval, directory: base.path)
        var basePlot = SVGPlot(title: "Base pretraining loss", xLabel: "step", yLabel: "loss")
        basePlot.width = 720
        let baseCurve = basePlot.lines([.init(name: "base", points: base.trainLoss.map { (Double($0.step), $0.value) })])
        var html = HTMLReport.comparison(c, title: "Forgetting lab: \(config.name)",
                                         extra: [(baseCurve, "Training loss of the base on general text (from runs/base/metrics.jsonl).")])
        html.paragraph(String(format: "Base pretrained on %@; arms adapted on %@; evaluated on %@. Total time %.0f s.",
                              trainShards("general"), trainShards("domain"), evalData.map { "\($0.label) = \($0.path)" }.joined(separator: ", "),
                              Date().timeIntervalSince(t0)))
        if let synth { html.paragraph("Self-synthesized replay (\(synthDir)/synth_report.json): \(synth.summary).") }
        for f in failures { html.paragraph("Arm \(f.name) failed: \(f.message)") }
        let rag = RetrievalComparison(base: base.eval, runs: runs)
        rag.add(to: &html)
        let text = c.table + "\n" + (rag.isEmpty ? "" : "\n" + rag.table + "\n")
        try Data(text.utf8).write(to: URL(fileURLWithPath: config.outputDir + "/report.txt"))
        try html.write(path: config.outputDir + "/report.html")
        log(c.table)
        if !rag.isEmpty { log(rag.table) }
        log(String(format: "wrote %@/report.txt and report.html (%.0f s)", config.outputDir, Date().timeIntervalSince(t0)))
        return Outcome(comparison: c, reportText: text, reportHTML: html.html)
    }

    // MARK: - data

    /// The inputs to use: each input as given when its path exists, else its fallbacks that exist.
    func resolvedInputs(_ name: String, _ corpus: LabConfig.Corpus) throws -> [JSONValue] {
        var out = [JSONValue]()
        for (i, input) in corpus.inputs.enumerated() {
            guard var o = input.objectValue, let p = o["path"]?.stringValue else { continue }
            let fallbacks = o["fallback"]?.arrayValue ?? []
            o["fallback"] = nil
            let path = config.resolve(p)
            if FileManager.default.fileExists(atPath: path) {
                o["path"] = .string(path)
                out.append(.object(o))
                continue
            }
            var used = false
            for f in fallbacks {
                guard var fo = f.objectValue, let fp = fo["path"]?.stringValue else { continue }
                fo["fallback"] = nil
                let fpath = config.resolve(fp)
                guard FileManager.default.fileExists(atPath: fpath) else { continue }
                fo["path"] = .string(fpath)
                out.append(.object(fo))
                used = true
            }
            guard used else {
                throw EvaluationError.data("corpora.\(name).inputs[\(i)]: \(path) does not exist and no fallback exists either")
            }
            log("[\(name)] \(path) is absent; using its fallback input(s)")
        }
        return out
    }

    /// Runs the pipeline for one corpus (resuming a finished or interrupted run) and splits its shards.
    func prepare(_ name: String, _ corpus: LabConfig.Corpus) throws {
        let t0 = Date()
        let out = dataDir + "/" + name
        var stages = config.stages
        stages.append(.object(["type": .string("tokenize"), "tokenizer": .string(config.tokenizer), "append_eos": .bool(true)]))
        stages.append(.object(["type": .string("shard"), "size_limit": .int(1 << 24), "zstd_level": .int(3)]))
        let tree = JSONValue.object([
            "version": .int(1), "name": .string("\(config.name)-\(name)"),
            "inputs": .array(try resolvedInputs(name, corpus)), "stages": .array(stages),
            "output": .object(["path": .string(out), "compression": .string("zstd"), "write_rejects": .bool(false)]),
            "execution": .object(["workers": .int(Int64(config.threads))]),
        ])
        let spec: PipelineSpec
        let plan: StagePlan
        do {
            spec = try PipelineSpec.from(tree, baseDirectory: config.baseDirectory, name: name)
            plan = try StageFactory.make(spec)
        } catch { throw EvaluationError.config("corpora.\(name): \(error)") }
        log("[\(name)] preparing with the pipeline into \(out)")
        let stats: RunStats
        do { stats = try PipelineExecutor(spec: spec, plan: plan, log: { _ in }).run() } catch {
            throw EvaluationError.data("corpora.\(name): pipeline: \(error) (delete \(out) to start this corpus again)")
        }
        let counts = try HeldOutSplit.split(source: out + "/shards", train: trainShards(name), heldout: heldoutShards(name),
                                            fraction: corpus.heldoutFraction, seed: UInt64(config.seed))
        log(String(format: "[%@] %d documents in; %d train / %d held-out samples (%.1f s)", name, stats.documentsIn, counts.train, counts.heldout,
                   Date().timeIntervalSince(t0)))
    }

    // MARK: - recipes

    /// The base: a fresh model pretrained on general-train.
    func baseRecipe(vocabSize: Int) throws -> TrainRecipe {
        var model = config.model
        model["vocab_size"] = .int(Int64(vocabSize))
        let seqLens = [config.pretrain["seq_len"]?.intValue, config.adapt["seq_len"]?.intValue, config.evalSeqLen].compactMap { $0 }
        if model["max_positions"] == nil { model["max_positions"] = .int(Int64(max(seqLens.max() ?? 256, 16))) }
        var r = TrainRecipe(tree: ["objective": .string("cpt"), "seed": .int(Int64(config.seed)), "threads": .int(Int64(config.threads)),
                                   "log_every": .int(25)], baseDirectory: config.baseDirectory)
        r.merge(config.pretrain)
        r.tree["model"] = .object(model)
        r.tree["tokenizer"] = .string(config.tokenizer)  // complete HF folders; the arms inherit it from the base
        r.tree["data"] = .array([.object(["path": .string(trainShards("general")), "weight": .int(1)])])
        return r
    }

    /// An arm: the base, adapted on domain-train (+ replay of general-train), with the arm's own keys.
    func armRecipe(_ arm: LabConfig.Arm, base: String) throws -> TrainRecipe {
        var r = TrainRecipe(tree: ["objective": .string(adaptData(arm).objective), "seed": .int(Int64(config.seed)), "threads": .int(Int64(config.threads)),
                                   "log_every": .int(25)], baseDirectory: config.baseDirectory)
        r.merge(config.adapt)
        r.tree["init_from"] = .string(base)
        var data: [JSONValue] = [.object(["path": .string(adaptData(arm).path), "weight": .int(1)])]
        if arm.replay > 0 {
            data.append(.object(["path": .string(replayShards(arm)), "weight": .double(arm.replay / (1 - arm.replay))]))
        }
        r.tree["data"] = .array(data)
        let places = ["{general_train}": trainShards("general"), "{general_heldout}": heldoutShards("general"),
                      "{domain_train}": trainShards("domain"), "{domain_heldout}": heldoutShards("domain"), "{base}": base]
        r.merge(Self.substitute(.object(arm.train), places).objectValue ?? [:])
        return r
    }

    /// Replaces placeholder strings anywhere in a tree.
    static func substitute(_ v: JSONValue, _ places: [String: String]) -> JSONValue {
        switch v {
        case .string(let s):
            var t = s
            for (k, p) in places { t = t.replacingOccurrences(of: k, with: p) }
            return .string(t)
        case .array(let a): return .array(a.map { substitute($0, places) })
        case .object(let o): return .object(o.mapValues { substitute($0, places) })
        default: return v
        }
    }
}
