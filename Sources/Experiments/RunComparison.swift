import Evaluation
import Foundation

/// `pipeline report`: runs compared with their base model on a domain and a general held-out set.
/// Domain gain = base loss − run loss on the domain set (higher is better); forgetting = run loss − base loss on the
/// general set (the general loss rise; lower is better). Datasets are found by label in each `eval.json`.
public struct RunComparison: Sendable {
    /// One compared model.
    public struct Row: Sendable {
        public var name: String
        public var domainLoss: Double?
        public var generalLoss: Double?
        public var domainAccuracy: Double?
        public var generalAccuracy: Double?
        /// Nil without a base.
        public var domainGain: Double?
        public var forgetting: Double?
        /// Accuracy of each multiple-choice dataset of the eval, by label.
        public var multipleChoice: [(label: String, accuracy: Double, chance: Double)]
        /// Why the row has no numbers (an arm that failed).
        public var failure: String?
        public var trainLoss: [RunDirectory.Point] = []
        /// Training wall time and trainable parameters (`run_info.json`; nil for runs without it).
        public var info: RunInfo?
        /// Chat-format retention (held-out chat loss, JSON checks, template adherence), where measured.
        public var chat: ChatRetention?
    }

    public var domainLabel: String
    public var generalLabel: String
    public var base: Row?
    public var runs: [Row]

    /// Builds the comparison; `base` is the base model's eval (nil: losses only, no gains).
    public init(runs: [RunDirectory], base: EvalResult?, baseName: String = "base", domainLabel: String = "domain",
                generalLabel: String = "general", failures: [(name: String, message: String)] = []) throws {
        self.domainLabel = domainLabel
        self.generalLabel = generalLabel
        func row(_ name: String, _ e: EvalResult) throws -> Row {
            guard e.dataset(domainLabel) != nil || e.dataset(generalLabel) != nil else {
                throw EvaluationError.data("\(name): eval.json has neither a '\(domainLabel)' nor a '\(generalLabel)' dataset (labels: \(e.datasets.map(\.label).joined(separator: ", ")))")
            }
            let d = e.dataset(domainLabel), g = e.dataset(generalLabel)
            return Row(name: name, domainLoss: d?.loss, generalLoss: g?.loss, domainAccuracy: d?.tokenAccuracy, generalAccuracy: g?.tokenAccuracy,
                       multipleChoice: e.datasets.compactMap { x in x.accuracy.map { (x.label, $0, x.chance ?? 0) } })
        }
        let b = try base.map { try row(baseName, $0) }
        self.base = b
        var rows = [Row]()
        for r in runs {
            var x = try row(r.name, r.eval)
            if let b {
                if let bl = b.domainLoss, let l = x.domainLoss { x.domainGain = bl - l }
                if let bl = b.generalLoss, let l = x.generalLoss { x.forgetting = l - bl }
            }
            x.trainLoss = r.trainLoss
            x.info = RunInfo.load(directory: r.path)
            x.chat = ChatRetention(eval: r.eval, directory: r.path)
            rows.append(x)
        }
        for f in failures {
            rows.append(Row(name: f.name, multipleChoice: [], failure: f.message))
        }
        self.runs = rows
    }

    /// Every row, base first.
    public var allRows: [Row] { (base.map { [$0] } ?? []) + runs }

    /// The table printed on stdout (and put in the HTML page).
    public var tableRows: [[String]] {
        func f(_ v: Double?, _ signed: Bool = false) -> String { v.map { String(format: signed ? "%+.4f" : "%.4f", $0) } ?? "-" }
        let mcLabels = Array(Set(allRows.flatMap { $0.multipleChoice.map(\.label) })).sorted()
        var rows = [["run", "\(domainLabel) loss", "\(generalLabel) loss", "domain gain", "forgetting", "\(domainLabel) acc", "\(generalLabel) acc"]
                    + mcLabels.map { "\($0) mc acc" }]
        for r in allRows {
            if let fail = r.failure { rows.append([r.name, "failed: \(fail)"]); continue }
            let isBase = base != nil && r.name == base!.name && r.domainGain == nil && r.forgetting == nil
            rows.append([r.name, f(r.domainLoss), f(r.generalLoss), isBase ? "(base)" : f(r.domainGain, true), isBase ? "(base)" : f(r.forgetting, true),
                         f(r.domainAccuracy), f(r.generalAccuracy)]
                        + mcLabels.map { l in r.multipleChoice.first { $0.label == l }.map { String(format: "%.3f", $0.accuracy) } ?? "-" })
        }
        return withRunInfoColumns(withChatColumns(rows))
    }

    /// The table as text.
    public var table: String { TextTable.render(tableRows) }

    /// Loss curves of the runs (training loss by step).
    public func lossCurvePlot() -> String {
        var p = SVGPlot(title: "Training loss", xLabel: "step", yLabel: "loss")
        p.width = 720
        return p.lines(runs.filter { !$0.trainLoss.isEmpty }.map { r in
            SVGPlot.Series(name: r.name, points: r.trainLoss.map { (Double($0.step), $0.value) })
        })
    }

    /// Domain gain against forgetting, one point per run.
    public func tradeOffScatter() -> String {
        let p = SVGPlot(title: "Domain gain vs forgetting", xLabel: "forgetting: \(generalLabel) loss − base (lower is better)",
                        yLabel: "domain gain: base − \(domainLabel) loss")
        return p.scatter(runs.compactMap { r in
            guard let g = r.domainGain, let f = r.forgetting else { return nil }
            return SVGPlot.Series(name: r.name, points: [(f, g)])
        })
    }
}
