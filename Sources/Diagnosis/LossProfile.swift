import Evaluation
import Foundation
import Segmentation
import Tokenization
import Trainer

/// The base model's next-token loss over a text sample: mean loss, the loss on tokens inside domain terms against
/// the other tokens, a histogram of per-token losses, and the forward-pass speed.
public struct LossProfile: Sendable, Equatable {
    /// Width of a histogram bin, in nats.
    public static let binWidth = 0.5
    /// Number of bins; the last one also holds every larger loss.
    public static let binCount = 24

    public var tokens = 0
    public var lossSum = 0.0
    /// Targets whose bytes overlap a domain term, and their summed loss.
    public var termTokens = 0
    public var termLossSum = 0.0
    /// Per-token loss counts in bins of `binWidth` nats.
    public var histogram = [Int](repeating: 0, count: LossProfile.binCount)
    /// Seconds spent in forward passes (not compared in tests).
    public var forwardSeconds = 0.0

    public var meanLoss: Double? { tokens > 0 ? lossSum / Double(tokens) : nil }
    public var perplexity: Double? { meanLoss.map { exp($0) } }
    public var termLoss: Double? { termTokens > 0 ? termLossSum / Double(termTokens) : nil }
    public var otherLoss: Double? { tokens > termTokens ? (lossSum - termLossSum) / Double(tokens - termTokens) : nil }
    /// Forward tokens per second.
    public var forwardTokensPerSecond: Double? { forwardSeconds > 0 ? Double(tokens) / forwardSeconds : nil }

    public init() {}

    /// Adds one target's loss.
    mutating func add(loss: Double, isTerm: Bool) {
        tokens += 1; lossSum += loss
        if isTerm { termTokens += 1; termLossSum += loss }
        histogram[min(Self.binCount - 1, max(0, Int(loss / Self.binWidth)))] += 1
    }

    /// Scores `texts` with `model`: each text is tokenized without special tokens and cut into windows of
    /// `seqLen + 1` tokens (stride `seqLen`); at most `maxTokens` targets in all. `terms` marks term tokens.
    public static func measure(model: LlamaModel, tokenizer tok: BPETokenizer, texts: [String], terms: Set<String>,
                               seqLen: Int, maxTokens: Int) throws(DiagnosisError) -> LossProfile {
        guard seqLen >= 1, seqLen <= model.config.maxPositions else {
            throw .model("sequence length \(seqLen) must be between 1 and the model's max_positions \(model.config.maxPositions)")
        }
        var p = LossProfile()
        let acts = Activations(config: model.config, batch: 1, seqLen: seqLen)
        let V = model.config.vocabSize
        for text in texts where p.tokens < maxTokens {
            let ids = tok.encode(text, addSpecialTokens: false, splitSpecialTokens: true)
            if let bad = ids.first(where: { Int($0) >= V }) {
                throw .model("token id \(bad) is outside the model vocabulary (\(V)); give the tokenizer the model was trained with")
            }
            let termFlags = termTokenFlags(tok, text: text, ids: ids, terms: terms)
            var start = 0
            while start + 1 < ids.count && p.tokens < maxTokens {
                let n = min(seqLen, ids.count - 1 - start, maxTokens - p.tokens)
                let x = ids[start..<(start + n)].map { Int32($0) }
                let t0 = Date()
                model.forward(tokens: x, batch: 1, seqLen: n, acts)
                p.forwardSeconds += Date().timeIntervalSince(t0)
                for i in 0..<n {
                    let target = Int(ids[start + i + 1])
                    let (logp, _) = TokenScorer.logProbability(acts.logitsRow(i), target: target)
                    p.add(loss: -logp, isTerm: termFlags[start + i + 1])
                }
                start += n
            }
        }
        return p
    }

    /// For each token of `ids` (the encoding of `text`): whether its bytes overlap a word of `terms`. Token byte
    /// spans come from decoding each token alone, so text the tokenizer normalizes may shift them slightly.
    public static func termTokenFlags(_ tok: BPETokenizer, text: String, ids: [UInt32], terms: Set<String>) -> [Bool] {
        guard !terms.isEmpty else { return [Bool](repeating: false, count: ids.count) }
        let bytes = Array(text.utf8)
        var inTerm = [Bool](repeating: false, count: bytes.count + 1)
        for s in WordSegmenter.segments(of: text) where s.isWord {
            let w = String(decoding: bytes[s.start..<s.end], as: UTF8.self)
            if terms.contains(w) { for i in s.start..<s.end { inTerm[i] = true } }
        }
        var flags = [Bool](), offset = 0
        flags.reserveCapacity(ids.count)
        for id in ids {
            let len = tok.decodeBytes([id]).count
            let end = min(bytes.count, offset + len)
            flags.append(offset < end && inTerm[offset..<end].contains(true))
            offset = end
        }
        return flags
    }
}
