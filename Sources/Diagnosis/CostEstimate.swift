/// Training cost of CPT over the domain tokens and SFT over the set: FLOPs ≈ 6·N·D, wall time on this machine at
/// the measured training speed, and GPU-hours at a stated effective throughput.
public struct CostEstimate: Sendable, Equatable {
    /// Model parameters (N).
    public var parameters: Int
    /// Tokens of one epoch of CPT (domain tokens, or `--target-tokens`) and of SFT (trained response tokens).
    public var cptTokens: Double
    public var sftTokens: Double
    /// Training tokens per second on this machine: measured forward tokens/s divided by 3 (a training step is
    /// about one forward and a backward pass of twice its cost), nil when not measured.
    public var trainTokensPerSecond: Double?
    /// Effective accelerator throughput, in TFLOP/s.
    public var gpuTFLOPS: Double

    public init(parameters: Int, cptTokens: Double, sftTokens: Double, trainTokensPerSecond: Double?, gpuTFLOPS: Double) {
        self.parameters = parameters; self.cptTokens = cptTokens; self.sftTokens = sftTokens
        self.trainTokensPerSecond = trainTokensPerSecond; self.gpuTFLOPS = gpuTFLOPS
    }

    public var cptFLOPs: Double { 6 * Double(parameters) * cptTokens }
    public var sftFLOPs: Double { 6 * Double(parameters) * sftTokens }
    /// Hours on this machine.
    public var cptCPUHours: Double? { trainTokensPerSecond.map { cptTokens / $0 / 3600 } }
    public var sftCPUHours: Double? { trainTokensPerSecond.map { sftTokens / $0 / 3600 } }
    /// Hours on one accelerator at `gpuTFLOPS`.
    public var cptGPUHours: Double { gpuTFLOPS > 0 ? cptFLOPs / (gpuTFLOPS * 1e12) / 3600 : 0 }
    public var sftGPUHours: Double { gpuTFLOPS > 0 ? sftFLOPs / (gpuTFLOPS * 1e12) / 3600 : 0 }
}
