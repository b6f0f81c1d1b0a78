// Optional wall-clock breakdown of a training step by phase (`bench train --profile`). Off unless a profile is
// handed to the model (`LlamaModel.profile`): each timed region then costs one nil check. One profile belongs to one
// model and is meant for one thread: time single-threaded steps only.
import Foundation

/// Accumulated wall-clock time per phase of the forward, loss, backward and optimizer step.
public final class StepProfile {
    /// The phases timed.
    public enum Phase: Int, CaseIterable, Sendable {
        case embedding, rmsnormForward, qkvForward, ropeForward, attentionForward, oForward, residualAdd, gateUpForward,
             swigluForward, downForward, lmHeadForward, crossEntropy,
             lmHeadBackwardInput, lmHeadBackwardWeight, rmsnormBackward, downBackward, swigluBackward, gateUpBackward,
             oBackward, attentionBackward, ropeBackward, qkvBackward, embeddingBackward,
             zeroGrad, reduce, clip, adamW
    }

    private var nanos = [UInt64](repeating: 0, count: Phase.allCases.count)

    /// An empty profile.
    public init() {}

    /// Runs `body`, adding its wall-clock time to `phase`.
    @inline(__always) public func measure<R>(_ phase: Phase, _ body: () throws -> R) rethrows -> R {
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer { nanos[phase.rawValue] &+= DispatchTime.now().uptimeNanoseconds &- t0 }
        return try body()
    }

    /// Seconds accumulated per phase since the last `reset`.
    public var seconds: [(phase: Phase, seconds: Double)] { Phase.allCases.map { ($0, Double(nanos[$0.rawValue]) / 1e9) } }

    /// Clears the accumulators.
    public func reset() { for i in nanos.indices { nanos[i] = 0 } }
}
