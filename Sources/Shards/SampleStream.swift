import DomainForgeCore

/// A counter-based random source: the k-th draw depends only on (seed, stream, k), so any position can be
/// reproduced without saved generator state (SplitMix64 finaliser).
public struct CounterRandom: Sendable {
    public static func value(seed: UInt64, stream: UInt64, counter: UInt64) -> UInt64 {
        var z = seed &+ stream &* 0xD1B54A32D192ED03 &+ counter &* 0x9E3779B97F4A7C15
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n.
    public static func below(_ n: Int, seed: UInt64, stream: UInt64, counter: UInt64) -> Int {
        Int(value(seed: seed, stream: stream, counter: counter) % UInt64(n))
    }
    /// Uniform in [0, 1).
    public static func unit(seed: UInt64, stream: UInt64, counter: UInt64) -> Double {
        Double(value(seed: seed, stream: stream, counter: counter) >> 11) / Double(1 << 53)
    }
}

/// Where a `SampleStream` is: the epoch and how many samples it has yielded in it. Saved with a checkpoint;
/// a stream created at this position yields exactly what the original would have yielded next.
public struct SamplePosition: Sendable, Equatable, Codable {
    public var epoch: Int
    public var consumed: Int
    public init(epoch: Int = 0, consumed: Int = 0) { self.epoch = epoch; self.consumed = consumed }
}

/// An endless, deterministic stream of samples from one shard folder: each epoch visits the shards in an order
/// permuted by (seed, epoch) and shuffles samples through a buffer of `shuffleBuffer` samples (1 = no shuffle).
/// Memory: the buffer plus one shard reader.
public final class SampleStream {
    public let reader: ShardReader
    public let seed: UInt64
    public let shuffleBuffer: Int
    public private(set) var position: SamplePosition
    var order: [Int] = []
    var shardCursor = 0
    var iterator: ShardSampleIterator?
    var buffer: [ShardSample] = []
    var draws: UInt64 = 0

    public init(reader: ShardReader, seed: UInt64, shuffleBuffer: Int = 1, at start: SamplePosition = .init()) throws {
        guard reader.sampleCount > 0 else { throw ShardError(file: reader.directory, message: "has no samples") }
        self.reader = reader
        self.seed = seed
        self.shuffleBuffer = max(1, shuffleBuffer)
        position = SamplePosition(epoch: start.epoch, consumed: 0)
        startEpoch(start.epoch)
        for _ in 0..<start.consumed { _ = try next() }
    }

    func startEpoch(_ e: Int) {
        position = SamplePosition(epoch: e, consumed: 0)
        order = Array(reader.index.shards.indices)
        if shuffleBuffer > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, CounterRandom.below(i + 1, seed: seed, stream: UInt64(e) << 32 | 1, counter: UInt64(i)))
            }
        }
        shardCursor = 0
        iterator = nil
        buffer.removeAll()
        draws = 0
    }

    /// Reads the next sample in file order within this epoch, or nil at its end.
    func pull() throws -> ShardSample? {
        while true {
            if iterator == nil {
                guard shardCursor < order.count else { return nil }
                iterator = try reader.samples(inShard: order[shardCursor])
                shardCursor += 1
            }
            if let s = try iterator!.next() { return s }
            iterator = nil
        }
    }

    /// The next sample (moving to the next epoch after the last one).
    public func next() throws -> ShardSample {
        while true {
            while buffer.count < shuffleBuffer, let s = try pull() { buffer.append(s) }
            if buffer.isEmpty {
                startEpoch(position.epoch + 1)
                continue
            }
            let k = shuffleBuffer > 1 ? CounterRandom.below(buffer.count, seed: seed, stream: UInt64(position.epoch) << 32 | 2, counter: draws) : 0
            draws += 1
            let s: ShardSample
            if shuffleBuffer > 1 { buffer.swapAt(k, buffer.count - 1); s = buffer.removeLast() } else { s = buffer.removeFirst() }
            position.consumed += 1
            return s
        }
    }
}

/// A fixed-size training window: `tokens.count == length + 1` (inputs are `tokens[0..<length]`, targets
/// `tokens[1...length]`), and `lossMask[i]` says whether target `i` counts (all 1 for CPT data).
public struct TokenWindow: Sendable, Equatable {
    public var tokens: [UInt32]
    public var lossMask: [UInt8]
    public var source: String
}

/// Where a `WindowPacker` is: its stream's position before the current sample, and the offset inside it.
public struct PackerPosition: Sendable, Equatable, Codable {
    public var sample: SamplePosition
    public var offset: Int
}

/// Packs consecutive samples of a stream into windows of `length + 1` tokens, consecutive windows sharing one
/// token (the last target of one window is the first input of the next). Samples are concatenated; a long sample
/// continues into the next window.
public final class WindowPacker {
    public let stream: SampleStream
    public let length: Int
    var current: ShardSample?
    var currentStart = SamplePosition()
    var offset = 0
    var carry: (UInt32, UInt8)?

    public init(stream: SampleStream, length: Int, at start: PackerPosition? = nil) throws {
        self.stream = stream
        self.length = length
        if let p = start {
            // The stream was created at p.sample: take the sample and skip into it.
            currentStart = stream.position
            current = try stream.next()
            offset = p.offset
            if offset > 0 {
                carry = (current!.tokens[offset - 1], current!.lossMask.map { $0[offset - 1] } ?? 1)
            }
        }
    }

    /// The position to save; resume with `SampleStream(at: position.sample)` and `WindowPacker(at: position)`.
    public var position: PackerPosition {
        if let _ = current { return PackerPosition(sample: currentStart, offset: offset) }
        return PackerPosition(sample: stream.position, offset: 0)
    }

    public func next() throws -> TokenWindow {
        var toks = [UInt32](), mask = [UInt8]()
        toks.reserveCapacity(length + 1)
        mask.reserveCapacity(length + 1)
        if let (t, m) = carry { toks.append(t); mask.append(m) }
        var source = ""
        while toks.count < length + 1 {
            if current == nil || offset >= current!.tokens.count {
                currentStart = stream.position
                current = try stream.next()
                offset = 0
            }
            let s = current!
            if source.isEmpty { source = s.source }
            let take = min(length + 1 - toks.count, s.tokens.count - offset)
            toks.append(contentsOf: s.tokens[offset..<(offset + take)])
            if let m = s.lossMask { mask.append(contentsOf: m[offset..<(offset + take)]) } else { mask.append(contentsOf: repeatElement(1, count: take)) }
            offset += take
        }
        carry = (toks[length], mask[length])
        // The mask of a window describes its targets: drop the first input's entry.
        return TokenWindow(tokens: toks, lossMask: Array(mask.dropFirst()), source: source)
    }
}

/// Mixes several packed streams by weight, deterministically: draw k picks a source with probability proportional
/// to its weight from (seed, k) alone, so a saved draw count restores the mix exactly.
public final class WeightedMixer {
    public let names: [String]
    public let packers: [WindowPacker]
    let cumulative: [Double]
    public let seed: UInt64
    public private(set) var draws: UInt64
    /// Windows taken from each source so far.
    public private(set) var taken: [Int]

    public init(sources: [(name: String, weight: Double, packer: WindowPacker)], seed: UInt64, draws: UInt64 = 0, taken: [Int]? = nil) throws {
        guard !sources.isEmpty, sources.allSatisfy({ $0.weight > 0 }) else {
            throw ShardError(file: "mix", message: "every source needs a positive weight")
        }
        names = sources.map(\.name)
        packers = sources.map(\.packer)
        let total = sources.reduce(0) { $0 + $1.weight }
        var acc = 0.0
        cumulative = sources.map { acc += $0.weight / total; return acc }
        self.seed = seed
        self.draws = draws
        self.taken = taken ?? Array(repeating: 0, count: sources.count)
    }

    /// Which source draw `k` picks.
    public func choice(_ k: UInt64) -> Int {
        let u = CounterRandom.unit(seed: seed, stream: 7, counter: k)
        return cumulative.firstIndex { u < $0 } ?? cumulative.count - 1
    }

    public func next() throws -> (source: Int, window: TokenWindow) {
        let c = choice(draws)
        draws += 1
        taken[c] += 1
        return (c, try packers[c].next())
    }
}
