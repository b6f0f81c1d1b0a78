import Foundation
import Trainer

/// Training throughput of the Llama trainer on random tokens (speed depends only on shapes), comparable to
/// `bench_gpt_cpu.py` (4 layers, 4 heads, d_model 256, context 256, batch 8, vocab 8,192, tied embeddings).
/// Usage: bench train [--generate N] [--threads 1,2] [--rounds 1] [--steps 10] [--warmup 2] [--layers 4] [--heads 4] [--kv-heads 4]
///                    [--dim 256] [--hidden 683] [--ctx 256] [--batch 8] [--vocab 8192] [--python PY [--tokens NPY]]
///                    [--lora R [--quant nf4|int8]] [--profile]
/// Each thread count runs in a process of its own (so peak RSS is per run), one step = one batch of batch × ctx
/// tokens (forward, loss, backward, gradient reduction, clipping, AdamW). With --python (a Python with torch and
/// numpy), ../shared/bench/reference/bench_gpt_cpu.py runs after each of ours with the same thread count and shape
/// (ours, torch, ours, torch, … so machine load hits both); --tokens is its token file (default: 2 M random ids
/// written to a temporary .npy). The SwiGLU width defaults to 683 ≈ 8·d/3, the same multiply count as the
/// reference's 4·d GELU MLP. `--generate N` instead times greedy decoding of N new tokens after a 16-token prompt
/// (one thread, random weights), with and without the KV cache. `--lora R` trains rank-R adapters on all seven
/// projections of a frozen base instead (alpha 2R), `--quant nf4|int8` stores that base quantized; the report adds
/// the bytes of the projection weights and the resident memory after setup. `--profile` runs one measurement in this
/// process on one thread and prints the step's wall-clock time by phase (StepProfile).
func runTrainerBench(_ args: [String]) throws {
    var o: [String: Int] = ["generate": 0, "rounds": 1, "steps": 10, "warmup": 2, "layers": 4, "heads": 4, "kv-heads": 4, "dim": 256,
                            "hidden": 683, "ctx": 256, "batch": 8, "vocab": 8192, "lora": 0]
    var threads = [1, 2], python: String?, tokens: String?, single = false, profile = false
    var quant = LoRAConfig.BaseQuantization.none
    var i = 0
    while i < args.count {
        let k = args[i].hasPrefix("--") ? String(args[i].dropFirst(2)) : args[i]
        if k == "single" { single = true; i += 1; continue }
        if k == "profile" { profile = true; i += 1; continue }
        guard i + 1 < args.count else { say("missing value for \(args[i])"); return }
        let v = args[i + 1]
        switch k {
        case "threads": threads = v.split(separator: ",").compactMap { Int($0) }
        case "python": python = v
        case "tokens": tokens = v
        case "quant":
            guard let q = LoRAConfig.BaseQuantization(rawValue: v) else { say("--quant is none, nf4 or int8"); return }
            quant = q
        default:
            guard o[k] != nil, let n = Int(v) else { say("bad argument \(args[i])"); return }
            o[k] = n
        }
        i += 2
    }
    guard quant == .none || o["lora"]! > 0 else { say("--quant needs --lora R"); return }
    if profile { try trainOnce(o, threads: 1, quant: quant, profile: true); return }
    if single { try trainOnce(o, threads: threads.first ?? 1, quant: quant); return }
    if let n = o["generate"], n > 0 { try generateOnce(o, newTokens: n); return }

    // Parent: one child process per (round, thread count), each followed by the reference with the same threads.
    let shape = ["layers", "heads", "kv-heads", "dim", "hidden", "ctx", "batch", "vocab", "steps", "warmup", "lora"].flatMap { ["--" + $0, String(o[$0]!)] }
        + ["--quant", quant.rawValue]
    if python != nil && tokens == nil {
        let path = NSTemporaryDirectory() + "bench-train-tokens-\(getpid()).npy"
        let r = try runChild(python!, ["-c", "import numpy as np, sys; np.save(sys.argv[1], np.random.default_rng(0).integers(0, 32000, 2000000).astype(np.uint32))", path])
        guard r.status == 0 else { say("could not write \(path): \(r.out)"); return }
        tokens = path
    }
    defer { if let t = tokens, t.hasPrefix(NSTemporaryDirectory() + "bench-train-tokens-") { try? FileManager.default.removeItem(atPath: t) } }
    var ours: [Int: [Double]] = [:], torch: [Int: [Double]] = [:]
    for round in 1...max(1, o["rounds"]!) {
        for t in threads {
            let r = try runChild(Bundle.main.executablePath ?? CommandLine.arguments[0], ["train", "--single", "--threads", String(t)] + shape)
            say("round \(round) ours  threads \(t): " + r.out.trimmingCharacters(in: .whitespacesAndNewlines))
            if let v = figure(r.out, after: "tokens/s ") { ours[t, default: []].append(v) }
            guard let py = python, let tok = tokens else { continue }
            // peak RSS of the reference process itself, via resource.getrusage after it finishes
            let wrapper = "import runpy, sys, resource; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__'); " +
                "print('peak_rss_mib %.1f' % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))"
            let ref = "../shared/bench/reference/bench_gpt_cpu.py"
            let p = try runChild(py, ["-c", wrapper, ref, tok, "--mode", "full", "--vocab", String(o["vocab"]!),
                                      "--steps", String(o["steps"]! + o["warmup"]!), "--warmup", String(o["warmup"]!),
                                      "--threads", String(t), "--n-layer", String(o["layers"]!), "--n-head", String(o["heads"]!),
                                      "--n-embd", String(o["dim"]!), "--block", String(o["ctx"]!), "--batch", String(o["batch"]!)])
            let json = p.out.split(separator: "\n").first { $0.hasPrefix("{") }.map(String.init) ?? p.out
            let rss = p.out.split(separator: "\n").first { $0.hasPrefix("peak_rss_mib") }.map(String.init) ?? ""
            let tps = figure(json, after: "\"tokens_per_s_steady\": ")
            let med = figure(json, after: "\"step_s_median\": ")
            if let v = tps { torch[t, default: []].append(v) }
            let rssText = rss.replacingOccurrences(of: "peak_rss_mib", with: "peak RSS") + " MiB"
            say("round \(round) torch threads \(t): " + (tps.map { String(format: "tokens/s %.0f  median step %.1f ms  ", $0, (med ?? 0) * 1000) + rssText } ?? p.out))
        }
    }
    for t in threads {
        let a = ours[t] ?? [], b = torch[t] ?? []
        let fa = a.map { String(format: "%.0f", $0) }.joined(separator: ", ")
        if b.isEmpty { say("threads \(t): ours \(fa) tokens/s"); continue }
        let fb = b.map { String(format: "%.0f", $0) }.joined(separator: ", ")
        let ratios = zip(a, b).map { String(format: "%.2fx", $0 / $1) }.joined(separator: ", ")
        say("threads \(t): ours \(fa) vs torch \(fb) tokens/s; paired ratios \(ratios)")
    }
}

/// One measured run in this process: `steps` steps after `warmup`, printing tokens/s, ms/step and peak RSS.
private func trainOnce(_ o: [String: Int], threads: Int, quant: LoRAConfig.BaseQuantization, profile: Bool = false) throws {
    setBLASThreads(threads)
    let cfg = LlamaConfig(vocabSize: o["vocab"]!, hiddenSize: o["dim"]!, intermediateSize: o["hidden"]!, numLayers: o["layers"]!,
                          numHeads: o["heads"]!, numKVHeads: o["kv-heads"]!, maxPositions: o["ctx"]!, tieEmbeddings: true)
    let model = try LlamaModel(config: cfg)
    model.initialize(seed: 0)
    let B = o["batch"]!, T = o["ctx"]!
    if o["lora"]! > 0 {
        let r = o["lora"]!
        try model.attach(lora: LoRAAdapter(config: LoRAConfig(rank: r, alpha: Double(2 * r), modules: LoRAConfig.Module.allCases,
                                                              baseQuantization: quant), model: cfg, seed: 1))
    }
    let stepper = BatchParallel(model: model, batch: B, seqLen: T, workers: threads)
    let opt = AdamW(parameterCount: model.lora?.parameterCount ?? model.parameterCount, beta1: 0.9, beta2: 0.95, weightDecay: 0.1)
    var state: UInt64 = 12345
    func rand() -> Int32 { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int32((state >> 33) % UInt64(cfg.vocabSize)) }
    let weights = [Float](repeating: 1, count: B * T)
    let setupRSS = residentBytes()
    var times: [Double] = [], losses: [Double] = []
    let phases = StepProfile()
    for s in 0..<(o["warmup"]! + o["steps"]!) {
        let x = (0..<(B * T)).map { _ in rand() }, y = (0..<(B * T)).map { _ in rand() }
        if profile && s == o["warmup"]! { model.profile = phases }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let timed = model.profile
        func measure(_ p: StepProfile.Phase, _ body: () -> Void) { if let timed { timed.measure(p, body) } else { body() } }
        measure(.zeroGrad) { stepper.zeroGrad() }
        let loss = stepper.accumulate(inputs: x, targets: y, weights: weights, scale: 1 / Float(B * T)) / Double(B * T)
        measure(.reduce) { stepper.reduceGradients() }
        if let lora = model.lora {
            measure(.clip) { _ = clipGradients(lora.grads, maxNorm: 1) }
            measure(.adamW) { opt.step(params: lora.params, grads: UnsafeBufferPointer(lora.grads), lr: 6e-4) }
        } else {
            measure(.clip) { _ = clipGradients(model, maxNorm: 1) }
            measure(.adamW) { opt.step(model: model, lr: 6e-4) }
        }
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        if s >= o["warmup"]! { times.append(dt); losses.append(loss) }
    }
    var ru = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
    let total = times.reduce(0, +)
    let sorted = times.sorted()
    say(String(format: "tokens/s %.0f  mean step %.1f ms  median %.1f ms  peak RSS %.1f MiB  (%d steps; loss %.4f → %.4f; %d layers, %d heads, kv %d, d %d, mlp %d, ctx %d, batch %d, vocab %d, %d params, %d threads)",
                 Double(times.count * B * T) / total, total / Double(times.count) * 1000, sorted[sorted.count / 2] * 1000,
                 Double(ru.ru_maxrss) / 1024, times.count, losses.first ?? 0, losses.last ?? 0, cfg.numLayers, cfg.numHeads,
                 cfg.numKVHeads, cfg.hiddenSize, cfg.intermediateSize, T, B, cfg.vocabSize, model.parameterCount, threads))
    if profile {
        model.profile = nil
        let steps = Double(times.count), stepMs = total / steps * 1000
        let parts = phases.seconds
        let timed = parts.reduce(0) { $0 + $1.seconds } / steps * 1000
        for (phase, sec) in parts.sorted(by: { $0.seconds > $1.seconds }) where sec > 0 {
            say("  " + "\(phase)".padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: "%8.2f ms/step  %5.1f%%", sec / steps * 1000, sec / steps * 1000 / stepMs * 100))
        }
        say("  " + "untimed".padding(toLength: 22, withPad: " ", startingAt: 0)
            + String(format: "%8.2f ms/step  %5.1f%%", stepMs - timed, (stepMs - timed) / stepMs * 100))
    }
    let mode = model.lora.map { "LoRA r=\($0.rank) on all projections, \($0.parameterCount) trainable, base \(quant.rawValue)" } ?? "full training"
    guard o["lora"]! > 0 else { return }
    say(String(format: "%@: projection weights %.2f MiB, all parameters as float32 %.2f MiB, resident after setup %.1f MiB, at end %.1f MiB",
                 mode, Double(model.projectionWeightBytes) / 1048576, Double(4 * model.parameterCount) / 1048576,
                 Double(setupRSS) / 1048576, Double(residentBytes()) / 1048576))
}

/// Resident set size now (Linux /proc/self/statm; 0 elsewhere).
func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let f = s.split(separator: " ")
    return f.count > 1 ? (Int(f[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

/// Greedy decoding speed with and without the KV cache.
private func generateOnce(_ o: [String: Int], newTokens n: Int) throws {
    setBLASThreads(1)
    let cfg = LlamaConfig(vocabSize: o["vocab"]!, hiddenSize: o["dim"]!, intermediateSize: o["hidden"]!, numLayers: o["layers"]!,
                          numHeads: o["heads"]!, numKVHeads: o["kv-heads"]!, maxPositions: o["ctx"]!, tieEmbeddings: true)
    let model = try LlamaModel(config: cfg)
    model.initialize(seed: 0, std: 0.2)
    let prompt = (0..<16).map { Int32($0 * 37 % cfg.vocabSize) }
    var outputs: [[Int32]] = []
    for cache in [true, false] {
        var opt = Generator.Options()
        opt.maxNewTokens = n
        opt.useCache = cache
        let t0 = DispatchTime.now().uptimeNanoseconds
        let out = Generator(model: model).generate(prompt: prompt, options: opt)
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        outputs.append(out)
        say("generate \(out.count) tokens after a \(prompt.count)-token prompt, " + (cache ? "KV cache" : "no cache (window recomputed)")
            + String(format: ": %.1f tokens/s (%.3f s)", Double(out.count) / dt, dt))
    }
    say("same tokens: \(outputs[0] == outputs[1])")
}

/// The number right after `key` in `text`.
private func figure(_ text: String, after key: String) -> Double? {
    guard let r = text.range(of: key) else { return nil }
    let rest = text[r.upperBound...].prefix { "0123456789.eE+-".contains($0) }
    return Double(rest)
}

/// Runs a program to completion; stdout and stderr together.
private func runChild(_ exe: String, _ args: [String]) throws -> (status: Int32, out: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe.contains("/") ? exe : "/usr/bin/env")
    p.arguments = exe.contains("/") ? args : [exe] + args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Prints one line unbuffered (each run's line appears as it finishes, also when stdout is a file).
private func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
