import Foundation
import Shards

/// The diagonal Fisher information of a model's parameters on general data, with the reference weights θ* it was
/// measured at (for EWC). Estimated from per-example squared gradients: N windows of `seqLen` tokens, one sequence at a
/// time, each gradient that of the window's mean token loss; F = (1/N)·Σ g².
///
/// File layout (safetensors): F under the model's own tensor names (`model.layers.0.self_attn.q_proj.weight`, …),
/// θ* under the same names prefixed with `reference.`.
public struct FisherInformation: Sendable {
    /// Prefix of the reference-weight tensors in the file.
    public static let referencePrefix = "reference."

    /// F per tensor name.
    public var fisher: [String: Safetensors.Tensor]
    /// θ* per tensor name.
    public var reference: [String: Safetensors.Tensor]

    /// Wraps given tensors (F must be non-negative; `EWCPenalty` checks names and shapes against a model).
    public init(fisher: [String: Safetensors.Tensor], reference: [String: Safetensors.Tensor]) {
        self.fisher = fisher; self.reference = reference
    }

    /// Estimates F for a plain (no adapter) `model` from the first `samples` windows of `data` (shard folders mixed
    /// with equal weights, unshuffled, deterministic in `seed`). Only loss_mask tokens count when the shards have one.
    /// `verifyHashes` false skips the shard files' sha256 checks (`--no-verify`).
    public static func estimate(model: LlamaModel, data: [String], samples: Int, seqLen: Int, seed: UInt64 = 1,
                                verifyHashes: Bool = true, log: (String) -> Void = { _ in }) throws -> FisherInformation {
        guard samples > 0 else { throw TrainerError.config("fisher samples must be positive") }
        let windows = try WindowGradients(model: model, data: data, seqLen: seqLen, seed: seed, verifyHashes: verifyHashes,
                                          what: "Fisher")
        var sum = [Double](repeating: 0, count: model.parameterCount)
        for n in 0..<samples {
            if try windows.next() {
                for i in 0..<sum.count { let g = Double(model.grads[i]); sum[i] += g * g }
            }
            if (n + 1) % 16 == 0 || n + 1 == samples { log("fisher: \(n + 1)/\(samples) samples") }
        }
        model.zeroGrad()
        return windows.result(value: { Float(sum[$0] / Double(samples)) }, reference: Array(model.params))
    }

    /// Writes F and θ* to one safetensors file (names sorted).
    public func save(path: String) throws {
        var arrays: [(String, [Int], [Float])] = []
        for name in fisher.keys.sorted() {
            arrays.append((name, fisher[name]!.shape, fisher[name]!.data))
            if let ref = reference[name] { arrays.append((Self.referencePrefix + name, ref.shape, ref.data)) }
        }
        try Self.write(arrays, index: 0, path: path, collected: [])
    }

    /// Nests withUnsafeBufferPointer over every array, then writes them.
    private static func write(_ arrays: [(String, [Int], [Float])], index: Int, path: String,
                              collected: [(name: String, shape: [Int], data: UnsafeBufferPointer<Float>)]) throws {
        if index == arrays.count { try Safetensors.write(path: path, tensors: collected); return }
        let (n, s, d) = arrays[index]
        try d.withUnsafeBufferPointer { try write(arrays, index: index + 1, path: path, collected: collected + [(n, s, $0)]) }
    }

    /// Reads a file written by `save`; every tensor of `layout` must be there, with its reference, in its shape.
    public static func load(path: String, layout: ParameterLayout) throws -> FisherInformation {
        let all = try Safetensors.read(path: path)
        var f: [String: Safetensors.Tensor] = [:], r: [String: Safetensors.Tensor] = [:]
        for t in layout.tensors {
            guard let x = all[t.name], let ref = all[referencePrefix + t.name] else {
                throw TrainerError.checkpoint(file: path, message: "missing Fisher or reference tensor for \(t.name)")
            }
            guard x.shape == t.shape, ref.shape == t.shape else {
                throw TrainerError.checkpoint(file: path, message: "\(t.name) has shape \(x.shape), the model \(t.shape)")
            }
            guard x.data.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw TrainerError.checkpoint(file: path, message: "\(t.name): Fisher values must be finite and non-negative")
            }
            f[t.name] = x; r[t.name] = ref
        }
        return FisherInformation(fisher: f, reference: r)
    }
}
