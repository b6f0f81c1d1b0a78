import Foundation

/// Text continuation from a model: greedy when temperature is 0, else softmax sampling with optional top-k and
/// top-p (nucleus) filtering, deterministic in `seed`. Decodes incrementally with a `KVCache` (each new token runs
/// one row through the layers) while the text fits in `maxPositions`; beyond that each token recomputes the window of
/// the last `maxPositions` tokens, as a model without a cache would.
public final class Generator {
    public struct Options: Sendable {
        public var maxNewTokens = 64
        public var temperature: Float = 0
        public var topK = 0
        public var topP: Float = 1
        public var seed: UInt64 = 0
        public var stopToken: Int32?
        /// Decode with a KV cache (false recomputes the whole window for every token; same tokens up to float rounding).
        public var useCache = true
        public init() {}
    }

    public let model: LlamaModel
    private var buffers: Activations?

    public init(model: LlamaModel) { self.model = model }

    /// Activations for at least `t` positions (grown on demand; attention probabilities are T² per head).
    func buffersFor(_ t: Int) -> Activations {
        if let a = buffers, a.maxT >= t { return a }
        let a = Activations(config: model.config, batch: 1, seqLen: min(model.config.maxPositions, max(t, 64)))
        buffers = a
        return a
    }

    /// Logits [T, V] for `tokens` (row-major).
    public func logits(_ tokens: [Int32]) -> [Float] {
        let acts = buffersFor(tokens.count)
        model.forward(tokens: tokens, batch: 1, seqLen: tokens.count, acts)
        return Array(UnsafeBufferPointer(start: acts.logits, count: tokens.count * model.config.vocabSize))
    }

    /// The prompt's continuation (new tokens only).
    public func generate(prompt: [Int32], options o: Options) -> [Int32] {
        var tokens = prompt.isEmpty ? [0] : prompt
        var out: [Int32] = []
        var rng = NormalRandom(seed: o.seed)
        let V = model.config.vocabSize, maxT = model.config.maxPositions
        // the cached path has no LoRA hooks: a model with an attached (unmerged) adapter recomputes the window
        let cache = o.useCache && model.lora == nil ? KVCache(model: model, capacity: min(maxT, tokens.count + o.maxNewTokens)) : nil
        var pending = Array(tokens.suffix(maxT))      // tokens not yet in the cache
        for _ in 0..<o.maxNewTokens {
            let next: Int32
            if let cache, cache.length + pending.count <= cache.capacity {
                let row = model.forwardCached(pending, cache: cache)
                next = row.withUnsafeBufferPointer { Self.pick($0, vocab: V, options: o, uniform: rng.uniform()) }
            } else {
                let window = Array(tokens.suffix(maxT))
                let acts = buffersFor(window.count)
                model.forward(tokens: window, batch: 1, seqLen: window.count, acts)
                next = Self.pick(acts.logitsRow(window.count - 1), vocab: V, options: o, uniform: rng.uniform())
            }
            out.append(next)
            tokens.append(next)
            pending = [next]
            if let s = o.stopToken, next == s { break }
        }
        return out
    }

    static func pick(_ row: UnsafeBufferPointer<Float>, vocab V: Int, options o: Options, uniform u: Double) -> Int32 {
        if o.temperature <= 0 {
            var best = 0
            for j in 1..<V where row[j] > row[best] { best = j }
            return Int32(best)
        }
        var idx = Array(0..<V)
        idx.sort { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
        if o.topK > 0 && o.topK < V { idx.removeLast(V - o.topK) }
        let mx = row[idx[0]]
        var probs = idx.map { Double(expf((row[$0] - mx) / o.temperature)) }
        var sum = probs.reduce(0, +)
        if o.topP < 1 {
            var acc = 0.0, keep = 0
            for p in probs { acc += p / sum; keep += 1; if acc >= Double(o.topP) { break } }
            idx.removeLast(idx.count - keep); probs.removeLast(probs.count - keep)
            sum = probs.reduce(0, +)
        }
        var target = u * sum
        for (k, p) in probs.enumerated() {
            target -= p
            if target < 0 { return Int32(idx[k]) }
        }
        return Int32(idx[idx.count - 1])
    }
}
