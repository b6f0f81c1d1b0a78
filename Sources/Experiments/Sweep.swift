import DomainForgeCore
import Evaluation
import Foundation
import PipelineConfig

/// `pipeline sweep SWEEP.yaml` (`schemas/sweep.schema.json`): one parameter of a TRAIN.yaml over several values.
/// Each value is trained through the Trainer library and evaluated into `output_dir/<parameter>=<value>/`; the base
/// is evaluated into `output_dir/base/`; then `report.txt` (the table) and `report.html` (table, loss curves,
/// domain-vs-general scatter and the trade-off plot: parameter value against domain gain and forgetting) are written.
public struct Sweep {
    public var name: String
    public var recipe: TrainRecipe
    /// `replay` or a dotted TRAIN.yaml key.
    public var parameter: String
    public var replaySource: String?
    public var values: [JSONValue]
    public var overrides: [String: JSONValue]
    public var base: String?
    public var evalData: [(label: String, path: String)]
    public var evalOptions: Evaluator.Options
    public var threads: Int?
    public var outputDir: String
    public var log: (String) -> Void = ProgressOutput.line

    /// Reads and validates a sweep file; paths are resolved against its folder.
    public static func load(path: String) throws -> Sweep {
        let file: ConfigFile
        do { file = try ConfigFile.load(path: path, as: .sweep) } catch let e as ConfigErrors {
            throw EvaluationError.config(e.errors.map { "\(path): \($0)" }.joined(separator: "\n"))
        }
        let tree = ConfigKind.sweep.validator.applyingDefaults(file.tree)  // the defaults are the schema's
        let res = PathResolver(baseDirectory: (path as NSString).deletingLastPathComponent, style: .absolute).resolve
        let e = tree["eval"]!
        var o = Evaluator.Options()
        o.seqLen = e["seq_len"]?.intValue
        o.batchSize = e["batch_size"]!.intValue!
        o.maxBatches = e["max_batches"]?.intValue
        o.maxItems = e["max_items"]?.intValue
        o.tokenizerPath = e["tokenizer"]?.stringValue.map(res)
        if let t = tree["threads"]?.intValue { o.threads = t }
        let data = (e["data"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.compactMap { k, v in v.stringValue.map { (k, res($0)) } }
        let parameter = tree["parameter"]!.stringValue!
        let replay = tree["replay_source"]?.stringValue
        if parameter == "replay" && replay == nil { throw EvaluationError.config("\(path): parameter replay needs replay_source") }
        return Sweep(name: tree["name"]?.stringValue ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension,
                     recipe: try TrainRecipe.load(path: res(tree["train"]!.stringValue!)), parameter: parameter, replaySource: replay,
                     values: tree["values"]!.arrayValue!, overrides: tree["overrides"]?.objectValue ?? [:],
                     base: tree["base"]?.stringValue.map(res), evalData: data, evalOptions: o, threads: tree["threads"]?.intValue,
                     outputDir: res(tree["output_dir"]!.stringValue!))
    }

    /// A file-name-safe rendering of a value.
    static func valueName(_ v: JSONValue) -> String {
        let s = v.stringValue ?? v.serialized()
        return String(s.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    /// The recipe for one value.
    public func recipe(for value: JSONValue) throws -> TrainRecipe {
        var r = recipe
        r.merge(overrides)
        if let t = threads { r.tree["threads"] = .int(Int64(t)) }
        if parameter == "replay" {
            guard let x = value.doubleValue else { throw EvaluationError.config("replay values must be numbers, got \(value.serialized())") }
            try r.setReplay(ratio: x, source: replaySource!)
        } else {
            try r.set(parameter, value)
        }
        return r
    }

    /// Runs every value (a value the trainer rejects is reported and skipped), then writes the report.
    /// Returns the comparison.
    @discardableResult
    public func run() throws -> RunComparison {
        try makeDirectory(outputDir)
        var exp = ExperimentRun(evalData: evalData, evalOptions: evalOptions)
        exp.log = log
        // the base: given, or the recipe's init_from
        var baseEval: EvalResult?
        let baseCkpt = base ?? recipe.tree["init_from"]?.stringValue.map(PathResolver(baseDirectory: recipe.baseDirectory, style: .absolute).resolve)
        if let b = baseCkpt {
            log("base: evaluating \(b)")
            baseEval = try exp.evaluate(checkpoint: RunDirectory.checkpoint(of: b), into: outputDir + "/base")
        }
        var runs = [RunDirectory](), failures = [(name: String, message: String)](), points = [(x: JSONValue, run: String)]()
        for v in values {
            let name = "\(parameter)=\(Self.valueName(v))"
            log("\(name): training")
            do {
                let r = try exp.run(try recipe(for: v), directory: outputDir + "/" + name)
                runs.append(r)
                points.append((v, r.name))
            } catch let e as EvaluationError {
                log("\(name): \(e)")
                failures.append((name, "\(e)"))
            }
        }
        let c = try RunComparison(runs: runs, base: baseEval, failures: failures)
        try Data((c.table + "\n").utf8).write(to: URL(fileURLWithPath: outputDir + "/report.txt"))
        var html = HTMLReport.comparison(c, title: "Sweep \(name): \(parameter)", extra: [(tradeOffPlot(c, points: points), "Domain gain and forgetting against \(parameter).")])
        html.paragraph("Values that failed: \(failures.isEmpty ? "none" : failures.map { "\($0.name): \($0.message)" }.joined(separator: "; "))")
        try html.write(path: outputDir + "/report.html")
        log(c.table)
        log("wrote \(outputDir)/report.txt and \(outputDir)/report.html")
        return c
    }

    /// Parameter value (x; non-numeric values by position) against domain gain and forgetting.
    func tradeOffPlot(_ c: RunComparison, points: [(x: JSONValue, run: String)]) -> String {
        var gain = [(x: Double, y: Double)](), forget = [(x: Double, y: Double)]()
        for (i, p) in points.enumerated() {
            guard let row = c.runs.first(where: { $0.name == p.run }) else { continue }
            let x = p.x.doubleValue ?? Double(i)
            if let g = row.domainGain { gain.append((x, g)) }
            if let f = row.forgetting { forget.append((x, f)) }
        }
        let plot = SVGPlot(title: "Trade-off: \(parameter)", xLabel: parameter, yLabel: "loss difference (nats)")
        return plot.lines([.init(name: "domain gain", points: gain), .init(name: "forgetting", points: forget)], markers: true)
    }
}
