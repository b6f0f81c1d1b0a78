import Foundation
import Trainer

/// Next-token scoring of token windows with a model: summed cross-entropy (in Double, from the logits), argmax
/// accuracy and the number of counted targets. Windows of the same length are run as one batch.
public final class TokenScorer {
    /// Running sums over everything scored so far.
    public struct Totals: Sendable, Equatable {
        public var lossSum = 0.0
        public var counted = 0
        public var correct = 0
        public var windows = 0
        public init() {}
        /// Mean loss over counted targets (nil when none counted).
        public var meanLoss: Double? { counted > 0 ? lossSum / Double(counted) : nil }
        public var perplexity: Double? { meanLoss.map { exp($0) } }
        public var accuracy: Double? { counted > 0 ? Double(correct) / Double(counted) : nil }
    }

    public let model: LlamaModel
    public let batchSize: Int
    public let seqLen: Int
    public private(set) var totals = Totals()
    let acts: Activations

    /// Scores windows of up to `seqLen` targets (`seqLen + 1` tokens), `batchSize` at a time.
    public init(model: LlamaModel, batchSize: Int, seqLen: Int) throws {
        guard batchSize > 0, seqLen > 0 else { throw EvaluationError.config("batch size and sequence length must be positive") }
        guard seqLen <= model.config.maxPositions else {
            throw EvaluationError.config("seq_len \(seqLen) exceeds the model's max_positions \(model.config.maxPositions)")
        }
        self.model = model; self.batchSize = batchSize; self.seqLen = seqLen
        acts = Activations(config: model.config, batch: batchSize, seqLen: seqLen)
    }

    /// Scores `windows` (each `tokens.count == T + 1` for one T ≤ seqLen, `weights.count == T`: weight of target i,
    /// 0 or 1). Returns the per-window log-likelihood of the weighted targets (sum of log p).
    @discardableResult
    public func score(_ windows: [(tokens: [UInt32], weights: [UInt8])]) throws -> [Double] {
        guard let first = windows.first else { return [] }
        let T = first.tokens.count - 1, B = windows.count, V = model.config.vocabSize
        guard T >= 1, T <= seqLen, B <= batchSize else { throw EvaluationError.data("window of \(T) targets × \(B) does not fit the scorer") }
        var x = [Int32](), y = [Int32](), w = [UInt8]()
        x.reserveCapacity(B * T); y.reserveCapacity(B * T); w.reserveCapacity(B * T)
        for win in windows {
            guard win.tokens.count == T + 1, win.weights.count == T else { throw EvaluationError.data("windows of one batch must have the same length") }
            if let bad = win.tokens.first(where: { Int($0) >= V }) {
                throw EvaluationError.data("token id \(bad) is outside the model vocabulary (\(V)); was the data made with another tokenizer?")
            }
            for i in 0..<T { x.append(Int32(win.tokens[i])); y.append(Int32(win.tokens[i + 1])) }
            w.append(contentsOf: win.weights)
        }
        model.forward(tokens: x, batch: B, seqLen: T, acts)
        var perWindow = [Double](repeating: 0, count: B)
        for r in 0..<(B * T) where w[r] != 0 {
            let row = acts.logitsRow(r)
            let (logp, argmax) = Self.logProbability(row, target: Int(y[r]))
            totals.lossSum -= logp
            totals.counted += 1
            if argmax == Int(y[r]) { totals.correct += 1 }
            perWindow[r / T] += logp
        }
        totals.windows += B
        return perWindow
    }

    /// log softmax(row)[target] computed in Double, and the argmax (lowest id among ties, as greedy decoding picks).
    public static func logProbability(_ row: UnsafeBufferPointer<Float>, target: Int) -> (Double, Int) {
        var best = 0
        for j in 1..<row.count where row[j] > row[best] { best = j }
        let mx = Double(row[best])
        var sum = 0.0
        for j in 0..<row.count { sum += exp(Double(row[j]) - mx) }
        return (Double(row[target]) - mx - log(sum), best)
    }
}
