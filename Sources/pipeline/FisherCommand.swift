import ArgumentParser
import Foundation
import Trainer

struct FisherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fisher",
        abstract: "Estimate a checkpoint's diagonal Fisher information on general shards (for EWC).",
        discussion: "Runs N windows of --seq-len tokens, one sequence at a time, and averages the squared gradients of each window's mean token loss. The output safetensors file holds F under the model's tensor names and the checkpoint's weights θ* under the same names prefixed with 'reference.'; TRAIN.yaml's ewc.fisher reads it.")

    @Argument(help: "The checkpoint folder (model.safetensors + config.json, or a LoRA adapter folder, merged).")
    var checkpoint: String

    @Argument(help: "Shard folders of general data (mixed with equal weights, read from the start).")
    var data: [String]

    @Option(help: "Number of windows.") var samples = 64
    @Option(name: .customLong("seq-len"), help: "Tokens per window.") var seqLen = 256
    @Option(help: "Seed of the data order.") var seed: UInt64 = 1
    @Option(name: .blasThreads, help: "OpenBLAS threads.") var blasThreads: Int?
    @Option(name: .customLong("threads"), help: .deprecatedAlias) var deprecatedThreads: Int?
    @Option(name: .output, help: "The output file.") var output: String
    @Flag(name: .customLong("no-verify"), help: "Skip the sha256 check of each shard file (on by default).") var noVerify = false

    mutating func validate() throws {
        blasThreads = try mergeDeprecated(blasThreads, old: deprecatedThreads, oldName: "--threads", newName: "--blas-threads")
        try validateThreads(blasThreads, option: "--blas-threads")
    }

    func run() throws {
        setBLASThreads(blasThreads ?? 1)
        let model = try Checkpoint.loadModel(from: checkpoint)
        let t0 = Date()
        let info = try FisherInformation.estimate(model: model, data: data, samples: samples, seqLen: seqLen, seed: seed,
                                                  verifyHashes: !noVerify) { print($0) }
        try info.save(path: output)
        let total = info.fisher.values.reduce(0.0) { $0 + $1.data.reduce(0.0) { $0 + Double($1) } }
        print(String(format: "wrote %@: %d tensors, %d samples × %d tokens, mean F %.3e, %.1f s", output, info.fisher.count, samples, seqLen,
                     total / Double(model.parameterCount), Date().timeIntervalSince(t0)))
    }
}
