import Evaluation
import Foundation

extension ForgettingLab {
    /// `data/rag`: the lab's retrieval index and held-out SFT files (`eval.rag`).
    public var ragDir: String { dataDir + "/rag" }

    /// Builds the index and the held-out SFT sets of `eval.rag`, adds those sets to `data` and points the evaluator
    /// at the index, so every run's eval.json gets `LABEL+rag` datasets.
    func prepareRetrieval(_ rag: LabRetrieval, options: inout Evaluator.Options, data: inout [(label: String, path: String)]) throws {
        let taken = Set(data.map(\.label))
        for (label, _) in rag.heldoutSFT where taken.contains(label) || label.hasSuffix(RetrievalComparison.suffix) {
            throw EvaluationError.config("eval.rag.heldout_sft: the label '\(label)' is already used or ends in \(RetrievalComparison.suffix)")
        }
        let p = try rag.prepare(domainRun: dataDir + "/domain", ragDir: ragDir, fraction: config.domain.heldoutFraction,
                                seed: UInt64(config.seed), log: log)
        data += p.heldoutSFT.map { ($0.label, $0.path) }
        let labels = Set(data.map(\.label))
        for l in rag.datasets ?? [] where !labels.contains(l) {
            log("eval.rag.datasets: no dataset is labelled '\(l)' (labels: \(data.map(\.label).joined(separator: ", ")))")
        }
        options.ragIndex = p.indexPath
        options.ragK = rag.k
        options.ragLabels = rag.datasets.map(Set.init)
    }
}
