import Evaluation
import Foundation

/// What retrieval adds, per run: every dataset of an `eval.json` that has a `LABEL+rag` twin (written by
/// `pipeline eval --rag INDEX` or the lab's `eval.rag`) beside the same dataset scored without retrieval.
///
/// For SFT records and held-out text the figure is the loss (nats per scored token) and **rag gain** = loss without
/// retrieval − loss with it (positive: the retrieved context helps); for multiple choice it is the accuracy and its
/// change. Runs without `+rag` datasets have no rows, so the table is empty when no eval used retrieval.
public struct RetrievalComparison: Sendable {
    /// One dataset of one run, with and without retrieval.
    public struct Row: Sendable, Equatable {
        public var run: String
        /// The plain label (the `+rag` twin is `label + "+rag"`).
        public var label: String
        public var loss: Double?
        public var ragLoss: Double?
        public var accuracy: Double?
        public var ragAccuracy: Double?

        /// Loss without − loss with retrieval (nil when either is missing).
        public var ragGain: Double? {
            guard let l = loss, let r = ragLoss else { return nil }
            return l - r
        }

        /// Accuracy with − accuracy without retrieval.
        public var accuracyChange: Double? {
            guard let a = accuracy, let r = ragAccuracy else { return nil }
            return r - a
        }
    }

    /// The suffix of a retrieval-augmented dataset's label.
    public static let suffix = "+rag"

    /// Rows in run order, then in the order of the datasets in each eval.json.
    public var rows: [Row]

    /// Pairs each `LABEL+rag` dataset of every `(name, eval)` with `LABEL` of the same eval.
    public init(evals: [(name: String, eval: EvalResult)]) {
        var rows = [Row]()
        for (name, e) in evals {
            for d in e.datasets where d.label.hasSuffix(Self.suffix) {
                let plain = String(d.label.dropLast(Self.suffix.count))
                guard let p = e.dataset(plain) else { continue }
                rows.append(Row(run: name, label: plain, loss: p.loss, ragLoss: d.loss, accuracy: p.accuracy, ragAccuracy: d.accuracy))
            }
        }
        self.rows = rows
    }

    /// The base (when given) and the runs of a comparison, as `pipeline report` and the lab read them.
    public init(base: EvalResult?, baseName: String = "base", runs: [RunDirectory]) {
        self.init(evals: (base.map { [(baseName, $0)] } ?? []) + runs.map { ($0.name, $0.eval) })
    }

    /// True when no eval had a `+rag` dataset.
    public var isEmpty: Bool { rows.isEmpty }

    /// The table: header, then one row per run and dataset.
    public var tableRows: [[String]] {
        func f(_ v: Double?, _ format: String = "%.4f") -> String { v.map { String(format: format, $0) } ?? "-" }
        var out = [["run", "dataset", "loss", "loss +rag", "rag gain", "mc acc", "mc acc +rag", "acc change"]]
        for r in rows {
            out.append([r.run, r.label, f(r.loss), f(r.ragLoss), f(r.ragGain, "%+.4f"),
                        f(r.accuracy, "%.3f"), f(r.ragAccuracy, "%.3f"), f(r.accuracyChange, "%+.3f")])
        }
        return out
    }

    /// The table as text, headed by a line that says what it shows (empty when there are no rows).
    public var table: String {
        guard !isEmpty else { return "" }
        return "with retrieval (+rag: the index's best chunks prepended to each question; rag gain = loss − loss +rag)\n"
            + TextTable.render(tableRows)
    }

    /// Adds the table with its explanation to an HTML page (nothing when there are no rows).
    public func add(to page: inout HTMLReport) {
        guard !isEmpty else { return }
        page.heading("What retrieval adds")
        page.paragraph("Each dataset scored a second time with the retrieval index's best chunks prepended to every question (label +rag). Rag gain = loss without − loss with retrieval (positive: the retrieved context helps); for multiple choice, the accuracy change.")
        page.table(tableRows)
    }
}
