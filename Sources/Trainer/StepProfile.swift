// Optional wall-clock breakdown of a training step by phase (`bench train --profile`). Off by default: each timed
// region then costs one branch. Meant for one thread: the accumulators are plain globals.
import Foundation

/// Accumulated wall-clock time per phase of the forward, loss, backward and optimizer step.
public enum StepProfile {
    /// The phases timed.
    public enum Phase: Int, CaseIterable, Sendable {
        case embedding, rmsnormForward, qkvForward, ropeForward, attentionForward, oForward, residualAdd, gateUpForward,
             swigluForward, downForward, lmHeadForward, crossEntropy,
             lmHeadBackwardInput, lmHeadBackwardWeight, rmsnormBackward, downBackward, swigluBackward, gateUpBackward,
             oBackward, attentionBackward, ropeBackward, qkvBackward, embeddingBackward,
             zeroGrad, reduce, clip, adamW
    }

    /// Whether regions are timed. Set from one thread before stepping; only time single-threaded steps.
    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) static var nanos = [UInt64](repeating: 0, count: Phase.allCases.count)

    /// Runs `body`, adding its wall-clock time to `phase` when enabled.
    @inline(__always) public static func measure<R>(_ phase: Phase, _ body: () throws -> R) rethrows -> R {
        guard enabled else { return try body() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer { nanos[phase.rawValue] &+= DispatchTime.now().uptimeNanoseconds &- t0 }
        return try body()
    }

    /// Seconds accumulated per phase since the last `reset`.
    public static var seconds: [(phase: Phase, seconds: Double)] { Phase.allCases.map { ($0, Double(nanos[$0.rawValue]) / 1e9) } }

    /// Clears the accumulators.
    public static func reset() { for i in nanos.indices { nanos[i] = 0 } }
}
