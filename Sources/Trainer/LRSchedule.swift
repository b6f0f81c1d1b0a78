import Foundation

/// Learning rate per step: linear warmup from lr/warmup to lr over `warmupSteps`, then cosine annealing down to
/// `lr · minLRRatio` at `totalSteps` (nanoGPT's `get_lr`, HF `cosine_with_min_lr`).
public struct LRSchedule: Sendable, Equatable {
    public var maxLR: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minLRRatio: Double

    public init(maxLR: Double, warmupSteps: Int, totalSteps: Int, minLRRatio: Double = 0.1) {
        self.maxLR = maxLR; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps; self.minLRRatio = minLRRatio
    }

    /// The rate for step `s` (0-based).
    public func lr(at s: Int) -> Double {
        // 1) linear warmup
        if s < warmupSteps { return maxLR * Double(s + 1) / Double(warmupSteps) }
        let minLR = maxLR * minLRRatio
        // 2) past the end: the floor
        if s >= totalSteps { return minLR }
        // 3) cosine from maxLR to minLR
        let progress = Double(s - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        return minLR + 0.5 * (1 + cos(Double.pi * progress)) * (maxLR - minLR)
    }
}
