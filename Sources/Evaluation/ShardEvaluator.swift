import Foundation
import Shards
import Trainer

/// Scores a shard folder in file order (no shuffle, so every run sees the same windows): samples are concatenated
/// and cut into windows of `seqLen + 1` tokens that share one token, as the trainer packs them; a shorter last window
/// is scored too. CPT folders count every target; folders with a loss_mask count only targets whose mask is 1.
/// Streaming: one shard sample and one batch of windows in memory.
public struct ShardEvaluator {
    public let scorer: TokenScorer
    /// Stop after this many batches (nil: the whole folder).
    public var maxBatches: Int?
    /// Check each shard file's sha256 when it is opened (false: `--no-verify`).
    public var verifyHashes: Bool

    public init(scorer: TokenScorer, maxBatches: Int? = nil, verifyHashes: Bool = true) {
        self.scorer = scorer; self.maxBatches = maxBatches; self.verifyHashes = verifyHashes
    }

    /// Scores `directory` and returns its entry for `eval.json`.
    public func evaluate(directory: String, label: String) throws -> DatasetEval {
        let reader: ShardReader
        do { reader = try ShardReader(directory: directory, verifyHashes: verifyHashes) } catch { throw EvaluationError.data("\(error)") }
        let before = scorer.totals
        let T = scorer.seqLen, B = scorer.batchSize
        var toks = [UInt32](), mask = [UInt8]()
        var pending: [(tokens: [UInt32], weights: [UInt8])] = []
        var batches = 0
        func full() -> Bool { maxBatches.map { batches >= $0 } ?? false }
        func flush() throws {
            guard !pending.isEmpty, !full() else { return }
            try scorer.score(pending)
            pending.removeAll(keepingCapacity: true)
            batches += 1
        }
        do {
            try reader.forEach { s in
                toks.append(contentsOf: s.tokens)
                if let m = s.lossMask { mask.append(contentsOf: m) } else { mask.append(contentsOf: repeatElement(1, count: s.tokens.count)) }
                var start = 0
                defer { toks.removeFirst(start); mask.removeFirst(start) }
                while toks.count - start >= T + 1 {
                    // weights describe targets: the mask of tokens start+1 ... start+T
                    pending.append((Array(toks[start...(start + T)]), Array(mask[(start + 1)...(start + T)])))
                    start += T
                    if pending.count == B { try flush() }
                    if full() { return false }
                }
                return true
            }
        } catch let e as EvaluationError { throw e } catch { throw EvaluationError.data("\(error)") }
        try flush()
        if toks.count >= 2 && !full() {
            pending = [(toks, Array(mask.dropFirst()))]
            try flush()
        }
        var d = DatasetEval(label: label, path: directory, kind: reader.hasLossMask ? .sftShards : .cptShards)
        let after = scorer.totals
        let n = after.counted - before.counted
        d.tokens = n
        d.windows = after.windows - before.windows
        if n > 0 {
            let l = (after.lossSum - before.lossSum) / Double(n)
            d.loss = l
            d.perplexity = exp(l)
            d.tokenAccuracy = Double(after.correct - before.correct) / Double(n)
        }
        return d
    }
}
