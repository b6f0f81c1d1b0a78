import Foundation
import Trainer

/// Training throughput of the Llama trainer on random tokens (speed depends only on shapes), comparable to
/// `bench_gpt_cpu.py` (4 layers, 4 heads, d_model 256, context 256, batch 8, vocab 8,192, tied embeddings).
/// Usage: bench train [--threads 1] [--steps 10] [--warmup 2] [--layers 4] [--heads 4] [--kv-heads 4] [--dim 256]
///                    [--hidden 683] [--ctx 256] [--batch 8] [--vocab 8192]
/// The SwiGLU width defaults to 683 ≈ 8·d/3, the same multiply count as the reference's 4·d GELU MLP.
/// `--lora R` trains rank-R adapters on all seven projections of a frozen base instead (alpha 2R), `--quant nf4|int8`
/// stores that base quantized; the report adds the bytes of the projection weights and the resident memory after setup.
func runTrainerBench(_ args: [String]) throws {
    var o: [String: Int] = ["threads": 1, "steps": 10, "warmup": 2, "layers": 4, "heads": 4, "kv-heads": 4, "dim": 256,
                            "hidden": 683, "ctx": 256, "batch": 8, "vocab": 8192, "lora": 0]
    var quant = LoRAConfig.BaseQuantization.none
    var i = 0
    while i < args.count {
        let k = args[i].hasPrefix("--") ? String(args[i].dropFirst(2)) : args[i]
        if k == "quant", i + 1 < args.count, let q = LoRAConfig.BaseQuantization(rawValue: args[i + 1]) { quant = q; i += 2; continue }
        guard o[k] != nil, i + 1 < args.count, let v = Int(args[i + 1]) else { print("bad argument \(args[i])"); return }
        o[k] = v
        i += 2
    }
    guard quant == .none || o["lora"]! > 0 else { print("--quant needs --lora R"); return }
    setBLASThreads(o["threads"]!)
    let cfg = LlamaConfig(vocabSize: o["vocab"]!, hiddenSize: o["dim"]!, intermediateSize: o["hidden"]!, numLayers: o["layers"]!,
                          numHeads: o["heads"]!, numKVHeads: o["kv-heads"]!, maxPositions: o["ctx"]!, tieEmbeddings: true)
    let model = try LlamaModel(config: cfg)
    model.initialize(seed: 0)
    let B = o["batch"]!, T = o["ctx"]!
    let acts = Activations(config: cfg, batch: B, seqLen: T)
    if o["lora"]! > 0 {
        let r = o["lora"]!
        try model.attach(lora: LoRAAdapter(config: LoRAConfig(rank: r, alpha: Double(2 * r), modules: LoRAConfig.Module.allCases,
                                                              baseQuantization: quant), model: cfg, seed: 1))
    }
    let opt = AdamW(parameterCount: model.lora?.parameterCount ?? model.parameterCount, beta1: 0.9, beta2: 0.95, weightDecay: 0.1)
    var state: UInt64 = 12345
    func rand() -> Int32 { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int32((state >> 33) % UInt64(cfg.vocabSize)) }
    let weights = [Float](repeating: 1, count: B * T)
    let setupRSS = residentBytes()
    var times: [Double] = [], losses: [Double] = []
    for s in 0..<(o["warmup"]! + o["steps"]!) {
        let x = (0..<(B * T)).map { _ in rand() }, y = (0..<(B * T)).map { _ in rand() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        model.zeroGrad()
        model.forward(tokens: x, batch: B, seqLen: T, acts)
        let loss = model.loss(targets: y, weights: weights, scale: 1 / Float(B * T), gradient: true, acts) / Double(B * T)
        model.backward(acts)
        if let lora = model.lora {
            clipGradients(lora.grads, maxNorm: 1)
            opt.step(params: lora.params, grads: UnsafeBufferPointer(lora.grads), lr: 6e-4)
        } else {
            clipGradients(model, maxNorm: 1)
            opt.step(model: model, lr: 6e-4)
        }
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        if s >= o["warmup"]! { times.append(dt); losses.append(loss) }
    }
    var ru = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
    let total = times.reduce(0, +)
    let sorted = times.sorted()
    print("train: \(cfg.numLayers) layers, \(cfg.numHeads) heads (kv \(cfg.numKVHeads)), d \(cfg.hiddenSize), mlp \(cfg.intermediateSize), ctx \(T), batch \(B), vocab \(cfg.vocabSize), tied; \(model.parameterCount) params; BLAS threads \(o["threads"]!)")
    print(String(format: "tokens/s %.0f (mean over %d steps; median step %.3f s)  first loss %.4f last %.4f  peak RSS %.1f MiB",
                 Double(times.count * B * T) / total, times.count, sorted[sorted.count / 2], losses.first ?? 0, losses.last ?? 0,
                 Double(ru.ru_maxrss) / 1024))
    let mode = model.lora.map { "LoRA r=\($0.rank) on all projections, \($0.parameterCount) trainable, base \(quant.rawValue)" } ?? "full training"
    print(String(format: "%@: projection weights %.2f MiB, all parameters as float32 %.2f MiB, resident after setup %.1f MiB, at end %.1f MiB",
                 mode, Double(model.projectionWeightBytes) / 1048576, Double(4 * model.parameterCount) / 1048576,
                 Double(setupRSS) / 1048576, Double(residentBytes()) / 1048576))
}

/// Resident set size now (Linux /proc/self/statm; 0 elsewhere).
func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let f = s.split(separator: " ")
    return f.count > 1 ? (Int(f[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}
