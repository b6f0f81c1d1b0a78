import DomainForgeCore
import Foundation
import SFT
import Shards
import Tokenization

/// One training run: model, AdamW, schedule and the mixed shard streams, stepping and checkpointing.
/// Data comes only through the shard streaming reader (deterministic shuffle, weighted mixing); nothing is loaded whole.
public final class TrainingRun {
    public let config: TrainConfig
    public let model: LlamaModel
    public let optimizer: AdamW
    public let schedule: LRSchedule
    /// True when the loss counts only targets whose loss_mask is 1 (SFT); false counts every target (CPT).
    public let maskedLoss: Bool
    /// Elastic weight consolidation, when the config has `ewc:`.
    public let ewc: EWCPenalty?
    /// Dual-objective regularization with layer-wise coefficients, when the config has `layerwise_reg:`.
    public let layerwise: LayerwiseRegularizer?
    /// The EWC penalty of the last training step (nil without EWC).
    public private(set) var lastEWCPenalty: Double?
    public private(set) var step = 0
    public private(set) var tokensSeen = 0
    /// Receives progress lines; defaults to stdout.
    public var log: (String) -> Void = { print($0) }
    /// The tokenizer files written into every checkpoint folder (nil: the config names no tokenizer and init_from
    /// has none; the checkpoints then hold only the model).
    public let tokenizerFiles: HFTokenizerFiles?
    /// How the model's vocabulary relates to the tokenizer's (padding, or no tokenizer), logged when the run starts.
    public let vocabularyNote: String?
    let mixer: WeightedMixer
    /// Forward/backward of each micro-batch, its sequences split over `config.threads` worker threads.
    let stepper: BatchParallel

    /// Starts a run from `config` (fresh weights, `init_from`, or a resumed checkpoint folder written by this class).
    /// A resumed folder is first checked against its `checkpoint.sha256.json` (when it has one); NaN or Inf in its
    /// weights or optimizer moments is refused.
    public init(config: TrainConfig, resumeFrom: String? = nil) throws {
        self.config = config
        setBLASThreads(config.threads)
        var state: TrainerState?
        if let r = resumeFrom {
            try CheckpointManifest.verify(directory: r)
            state = try TrainerState.load(from: r)
        }
        if config.lora != nil || config.prefix != nil {
            // the frozen base always comes from init_from; a resumed adapter run reads only its adapter from the checkpoint
            guard let from = config.initFrom else { throw TrainerError.config("\(config.lora != nil ? "lora" : "prefix") needs init_from") }
            model = try Checkpoint.loadModel(from: from)
        } else if let r = resumeFrom {
            model = try Checkpoint.loadModel(from: r, verify: false)  // verified above
        } else if let from = config.initFrom {
            var m = try Checkpoint.loadModel(from: from)
            if let nv = config.extendVocabSize, nv != m.config.vocabSize {
                guard let mapPath = config.vocabPieces else { throw TrainerError.config("extend_vocab_size needs vocab_pieces") }
                m = try Checkpoint.extendVocabulary(m, newVocabSize: nv, pieces: Checkpoint.loadPieceMap(path: mapPath))
            }
            model = m
        } else {
            guard var mc = config.model else { throw TrainerError.config("no model dimensions") }
            if mc.eosTokenId == nil, let e = try ShardReader(directory: config.data[0].path, verifyHashes: config.verifyShards).manifest?.tokenizer.eosID { mc.eosTokenId = Int(e) }
            model = try LlamaModel(config: mc)
            model.initialize(seed: config.seed)
        }
        guard config.seqLen <= model.config.maxPositions else {
            throw TrainerError.config("seq_len \(config.seqLen) exceeds the model's max_positions \(model.config.maxPositions) "
                + "(model.max_positions, or max_position_embeddings of init_from's config.json); lower seq_len")
        }
        if let e = config.ewc {
            ewc = try Self.ewcPenalty(e, config: config, model: model, resumed: resumeFrom != nil)
        } else {
            ewc = nil
        }
        var importance: FisherInformation?
        if let e = config.layerwise { importance = try Self.layerwiseImportance(e, config: config, model: model, resumed: resumeFrom != nil) }
        if let lc = config.lora {
            let adapter = try LoRAAdapter(config: lc, model: model.config, seed: config.seed)
            if let r = resumeFrom {
                let saved = try LoRAAdapter.loadConfig(from: r).config
                guard saved.rank == lc.rank, saved.alpha == lc.alpha, saved.rslora == lc.rslora, saved.modules == lc.modules else {
                    throw TrainerError.config("the checkpoint's adapter (r \(saved.rank), alpha \(saved.alpha), \(saved.modules.map(\.hfName))) differs from the config's lora section")
                }
                try adapter.loadWeights(from: r)
            }
            try model.attach(lora: adapter)
        }
        layerwise = try Self.layerwiseRegularizer(importance, config: config, model: model, resumeFrom: resumeFrom)
        if let pc = config.prefix { try model.attach(prefix: Self.prefixAdapter(pc, model: model, seed: config.seed, resumeFrom: resumeFrom)) }
        optimizer = AdamW(parameterCount: model.trainableAdapter?.params.count ?? model.parameterCount, beta1: Float(config.beta1), beta2: Float(config.beta2),
                          eps: Float(config.eps), weightDecay: Float(config.weightDecay))
        schedule = LRSchedule(maxLR: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.steps, minLRRatio: config.minLRRatio)
        if let r = resumeFrom, let s = state {
            let moments = try Safetensors.read(path: r + "/optimizer.safetensors")
            let n = optimizer.m.count
            guard let m = moments["exp_avg"], let v = moments["exp_avg_sq"], m.data.count == n, v.data.count == n else {
                throw TrainerError.checkpoint(file: r + "/optimizer.safetensors", message: "moments missing or of the wrong size")
            }
            optimizer.m = m.data; optimizer.v = v.data; optimizer.t = s.adamStep
            step = s.step; tokensSeen = s.tokensSeen
        }
        let tf = try Self.tokenizerFiles(config, vocabSize: model.config.vocabSize)
        tokenizerFiles = tf.0; vocabularyNote = tf.1
        let readers = try config.data.map { try ShardReader(directory: $0.path, verifyHashes: config.verifyShards) }
        switch config.objective {
        case .cpt: maskedLoss = false
        case .sft: maskedLoss = true
        case .auto: maskedLoss = readers.contains { $0.hasLossMask }
        }
        mixer = try Self.mixer(config.data, readers: readers, seqLen: config.seqLen, seed: config.seed, shuffle: config.shuffleBuffer, state: state)
        stepper = BatchParallel(model: model, batch: config.batchSize, seqLen: config.seqLen, workers: config.threads)
    }

    /// The tokenizer files of a run: the config's tokenizer, else init_from's tokenizer.json; the chat template of
    /// the config, else the tokenizer's default. Throws when the model has fewer rows than the tokenizer has ids.
    static func tokenizerFiles(_ config: TrainConfig, vocabSize: Int) throws -> (HFTokenizerFiles?, String?) {
        var path = config.tokenizer
        if path == nil, let from = config.initFrom {
            let dir = FileManager.default.fileExists(atPath: from + "/config.json") ? from
                : (try? LoRAAdapter.loadConfig(from: from)).map { Checkpoint.adapterBase($0.baseModel, adapterDir: from) }
                ?? (try? PrefixAdapter.loadConfig(from: from))?.map { Checkpoint.adapterBase($0.baseModel, adapterDir: from) } ?? from
            for d in [from, dir] where FileManager.default.fileExists(atPath: d + "/tokenizer.json") { path = d + "/tokenizer.json"; break }
        }
        guard let path else {
            return (nil, "no tokenizer: set tokenizer: in TRAIN.yaml so that checkpoints are complete Hugging Face folders")
        }
        let files = try HFTokenizerFiles(tokenizerPath: path, chatTemplate: try config.chatTemplate.map { name in
            do { return try ChatTemplate.named(name) } catch { throw TrainerError.config("chat_template: \(error)") }
        })
        let n = files.tokenizer.vocabSize
        guard vocabSize >= n else {
            throw TrainerError.config("the model's vocab_size \(vocabSize) is smaller than the tokenizer's \(n) ids (\(path)); "
                + "leave model.vocab_size out to use the tokenizer's size")
        }
        let note = vocabSize > n ? "vocab_size \(vocabSize) pads the tokenizer's \(n) ids with \(vocabSize - n) unused rows" : nil
        return (files, note)
    }

    /// The EWC penalty of a run: the Fisher file named in the config, or one estimated now on `fisher_data` from the
    /// init_from weights and saved as output_dir/fisher.safetensors (reused when resuming).
    static func ewcPenalty(_ e: TrainConfig.EWC, config: TrainConfig, model: LlamaModel, resumed: Bool) throws -> EWCPenalty {
        let saved = config.outputDir + "/fisher.safetensors"
        let info: FisherInformation
        if let f = e.fisher {
            info = try FisherInformation.load(path: f, layout: model.layout)
        } else if resumed, FileManager.default.fileExists(atPath: saved) {
            info = try FisherInformation.load(path: saved, layout: model.layout)
        } else {
            info = try FisherInformation.estimate(model: model, data: e.fisherData, samples: e.fisherSamples, seqLen: config.seqLen,
                                                  seed: config.seed, verifyHashes: config.verifyShards)
            try makeDirectory(config.outputDir)
            try info.save(path: saved)
        }
        return try EWCPenalty(fisher: info, lambda: e.lambda, model: model)
    }

    static func mixer(_ sources: [TrainConfig.Source], readers: [ShardReader], seqLen: Int, seed: UInt64, shuffle: Int,
                      state: TrainerState?) throws -> WeightedMixer {
        if let s = state, s.packers.count != sources.count {
            throw TrainerError.config("checkpoint has \(s.packers.count) data positions, config has \(sources.count) sources")
        }
        var list: [(name: String, weight: Double, packer: WindowPacker)] = []
        for (i, src) in sources.enumerated() {
            let pos = state?.packers[i]
            let stream = try SampleStream(reader: readers[i], seed: seed &+ UInt64(i) &* 1_000_003, shuffleBuffer: shuffle,
                                          at: pos?.sample ?? SamplePosition())
            list.append((src.path, src.weight, try WindowPacker(stream: stream, length: seqLen, at: pos)))
        }
        return try WeightedMixer(sources: list, seed: seed, draws: state?.mixerDraws ?? 0, taken: state?.taken)
    }

    /// Inputs, targets and loss weights [B, T] for `windows`.
    func batch(_ windows: [TokenWindow], masked: Bool) throws -> (inputs: [Int32], targets: [Int32], weights: [Float]) {
        let T = config.seqLen, V = model.config.vocabSize
        var x = [Int32](), y = [Int32](), w = [Float]()
        x.reserveCapacity(windows.count * T); y.reserveCapacity(windows.count * T); w.reserveCapacity(windows.count * T)
        for win in windows {
            for i in 0..<T {
                let a = win.tokens[i], b = win.tokens[i + 1]
                guard Int(a) < V, Int(b) < V else { throw TrainerError.data("token id \(max(a, b)) in \(win.source) is outside the model vocabulary \(V)") }
                x.append(Int32(a)); y.append(Int32(b))
                w.append(masked ? Float(win.lossMask[i]) : 1)
            }
        }
        return (x, y, w)
    }

    /// One optimizer step over `grad_accum` micro-batches of `batch_size` windows. The loss is the mean over every
    /// counted target of the whole step (so accumulation equals one big batch). Returns that loss. A NaN or Inf loss
    /// or gradient norm throws `TrainerError.diverged` before the weights or optimizer state change.
    @discardableResult
    public func trainStep() throws -> (loss: Double, lr: Double, gradNorm: Float) {
        let B = config.batchSize, T = config.seqLen
        var micro: [(inputs: [Int32], targets: [Int32], weights: [Float])] = []
        var counted: Float = 0
        for _ in 0..<config.gradAccum {
            var wins = [TokenWindow]()
            for _ in 0..<B { wins.append(try mixer.next().window) }
            let mb = try batch(wins, masked: maskedLoss)
            counted += mb.weights.reduce(0, +)
            micro.append(mb)
        }
        let scale = 1 / max(counted, 1)
        let lr = schedule.lr(at: step)
        model.lora?.training = true
        defer { model.lora?.training = false }
        // this run's thread count on this thread, whatever other runs in the process use
        let (total, norm, penalty, stepped) = Parallel.withWorkers(config.threads) { () -> (Double, Float, Double?, Bool) in
            stepper.zeroGrad()
            var total = 0.0
            for (k, mb) in micro.enumerated() {
                model.lora?.dropoutKey = UInt64(step * config.gradAccum + k)
                total += stepper.accumulate(inputs: mb.inputs, targets: mb.targets, weights: mb.weights, scale: scale)
            }
            stepper.reduceGradients()
            let reg = layerwise?.apply(to: model, step: step)
            let penalty = ewc.map { $0.apply(to: model, gradient: true) }
            guard (total + (penalty ?? 0) + (reg ?? 0)).isFinite else { return (total, .nan, penalty, false) }
            let norm: Float
            if let adapter = model.trainableAdapter {
                norm = clipGradients(adapter.grads, maxNorm: Float(config.gradClip))
                guard norm.isFinite else { return (total, norm, penalty, false) }
                optimizer.step(params: adapter.params, grads: UnsafeBufferPointer(adapter.grads), lr: Float(lr))
            } else {
                norm = clipGradients(model, maxNorm: Float(config.gradClip))
                guard norm.isFinite else { return (total, norm, penalty, false) }
                optimizer.step(model: model, lr: Float(lr))
            }
            return (total, norm, penalty, true)
        }
        lastEWCPenalty = penalty
        var loss = total / Double(max(counted, 1)) + (penalty ?? 0)
        if let lw = layerwise { loss += lw.lastPenalty }
        guard stepped else {
            throw TrainerError.diverged(step: step + 1, message: "loss \(loss), gradient norm \(norm): stopped without updating or saving; "
                + "resume from the last checkpoint with a lower optimizer.lr or check the data and weights")
        }
        step += 1
        tokensSeen += config.gradAccum * B * T
        return (loss, lr, norm)
    }

    /// Mean loss over `eval_batches` batches from the start of the held-out sources (no shuffle): the same
    /// batches every time. Nil without eval data.
    public func evaluate() throws -> Double? {
        guard !config.evalData.isEmpty else { return nil }
        let readers = try config.evalData.map { try ShardReader(directory: $0.path, verifyHashes: config.verifyShards) }
        let mix = try Self.mixer(config.evalData, readers: readers, seqLen: config.seqLen, seed: config.seed, shuffle: 1, state: nil)
        var total = 0.0, count = 0.0
        for _ in 0..<config.evalBatches {
            var wins = [TokenWindow]()
            for _ in 0..<config.batchSize { wins.append(try mix.next().window) }
            let mb = try batch(wins, masked: maskedLoss)
            total += Parallel.withWorkers(config.threads) { stepper.lossSum(inputs: mb.inputs, targets: mb.targets, weights: mb.weights) }
            count += Double(mb.weights.reduce(0, +))
        }
        return total / max(count, 1)
    }

    /// Writes weights, config, the tokenizer files, optimizer moments and data positions to `dir`, then
    /// `checkpoint.sha256.json` over them. A LoRA run writes its adapter in the PEFT layout instead of the weights
    /// (`base_model_name_or_path`: the init_from folder relative to `dir` when the two share a parent folder, else
    /// absolute).
    public func saveCheckpoint(to dir: String) throws {
        var files = ["optimizer.safetensors", TrainerState.fileName]
        if let lora = model.lora, let base = config.initFrom {
            let absolute = URL(fileURLWithPath: base).standardizedFileURL.path
            try lora.save(to: dir, baseModel: Checkpoint.relativePath(from: dir, to: absolute) ?? absolute)
            files += ["adapter_config.json", "adapter_model.safetensors"]
            if let t = tokenizerFiles { files += try t.write(to: dir, config: try t.apply(to: model.config)) }
        } else if let prefix = model.prefix, let base = config.initFrom {
            let absolute = URL(fileURLWithPath: base).standardizedFileURL.path
            files += try prefix.save(to: dir, baseModel: Checkpoint.relativePath(from: dir, to: absolute) ?? absolute)
            if let t = tokenizerFiles { files += try t.write(to: dir, config: try t.apply(to: model.config)) }
        } else {
            files += try Checkpoint.saveModelFiles(model, to: dir, tokenizer: tokenizerFiles)
        }
        try optimizer.m.withUnsafeBufferPointer { m in
            try optimizer.v.withUnsafeBufferPointer { v in
                try Safetensors.write(path: dir + "/optimizer.safetensors", tensors: [
                    (name: "exp_avg", shape: [m.count], data: m), (name: "exp_avg_sq", shape: [v.count], data: v),
                ])
            }
        }
        try TrainerState(step: step, adamStep: optimizer.t, tokensSeen: tokensSeen, mixerDraws: mixer.draws, taken: mixer.taken,
                         packers: mixer.packers.map(\.position)).save(to: dir)
        if let lw = layerwise { files.append(try lw.save(to: dir)) }
        try CheckpointManifest.write(directory: dir, files: files)
    }

    /// The checkpoint folder for a step, and the folder named in `output_dir/latest`.
    public func checkpointDir(step s: Int) -> String { config.outputDir + "/checkpoint-" + String(format: "%06d", s) }
    public static func latestCheckpoint(outputDir: String) -> String? {
        guard let d = FileManager.default.contents(atPath: outputDir + "/latest") else { return nil }
        let name = String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? nil : outputDir + "/" + name
    }

    /// Trains up to `config.steps` (or `maxSteps` more steps), logging progress, writing `metrics.jsonl`, evaluating
    /// and checkpointing on schedule, and a final checkpoint. Returns the training loss of each step run.
    @discardableResult
    public func run(maxSteps: Int? = nil) throws -> [Double] {
        try makeDirectory(config.outputDir)
        let metrics = try MetricsLog(path: config.outputDir + "/metrics.jsonl", keepThrough: step)
        let end = min(config.steps, maxSteps.map { step + $0 } ?? config.steps)
        var losses: [Double] = []
        let t0 = Date()
        let startStep = step
        let trained = model.lora.map { "LoRA r=\($0.rank) on \($0.config.modules.map(\.hfName).joined(separator: ",")), \($0.parameterCount) trainable of" }
            ?? model.prefix.map { "prefix P=\($0.length)\($0.config.projection ? " (projection, hidden \($0.hidden))" : ""), \($0.parameterCount) trainable of" } ?? "training"
        if let n = vocabularyNote { log(n) }
        log("\(trained) \(model.parameterCount) parameters, \(maskedLoss ? "SFT (loss on loss_mask)" : "CPT (loss on all tokens)"), steps \(step)..<\(end), \(config.gradAccum * config.batchSize * config.seqLen) tokens/step")
        while step < end {
            let r = try trainStep()
            losses.append(r.loss)
            let elapsed = Date().timeIntervalSince(t0)
            let done = step - startStep
            let tps = Double(done * config.gradAccum * config.batchSize * config.seqLen) / max(elapsed, 1e-9)
            let eta = elapsed / Double(done) * Double(end - step)
            var row: [String: JSONValue] = ["step": .int(Int64(step)), "loss": .double(r.loss), "lr": .double(r.lr),
                                            "grad_norm": .double(Double(r.gradNorm)), "tokens": .int(Int64(tokensSeen)), "tokens_per_s": .double(tps.rounded())]
            if let p = lastEWCPenalty { row["ewc_penalty"] = .double(p) }
            layerwise?.addMetrics(to: &row)
            try metrics.write(row)
            if config.logEvery > 0 && (step % config.logEvery == 0 || step == end) {
                log(String(format: "step %d/%d loss %.4f lr %.3e gnorm %.3f tokens %d tok/s %.0f ETA %@", step, config.steps, r.loss, r.lr,
                           Double(r.gradNorm), tokensSeen, tps, formatDuration(eta)))
                if let lw = layerwise { log(lw.logLine(step: step)) }
            }
            if config.evalEvery > 0 && step % config.evalEvery == 0, let e = try evaluate() {
                log(String(format: "step %d eval loss %.4f", step, e))
                try metrics.write(["step": .int(Int64(step)), "eval_loss": .double(e)])
            }
            if config.checkpointEvery > 0 && step % config.checkpointEvery == 0 && step != end { try checkpoint() }
        }
        try checkpoint()
        return losses
    }

    func checkpoint() throws {
        let dir = checkpointDir(step: step)
        try saveCheckpoint(to: dir)
        let f = try AtomicOutputFile(path: config.outputDir + "/latest")
        try f.write(Array(((dir as NSString).lastPathComponent + "\n").utf8))
        try f.commit()
        log("saved \(dir)")
    }
}

func formatDuration(_ s: Double) -> String {
    guard s.isFinite else { return "?" }
    let t = Int(s.rounded())
    return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
}

/// Appends one JSON object per line.
final class MetricsLog {
    let handle: FileHandle
    /// Opens `path` for appending after dropping its lines of steps after `keepThrough` (a fresh run keeps none; a
    /// resumed run keeps those up to its checkpoint, so steps a killed run logged past it are not listed twice).
    init(path: String, keepThrough step: Int) throws {
        var kept = Data()
        if step > 0, let old = FileManager.default.contents(atPath: path) {
            for line in old.split(separator: UInt8(ascii: "\n")) {
                guard let v = try? JSONParser.parse(bytes: [UInt8](line)), let s = v["step"]?.intValue, s <= step else { continue }
                kept.append(line); kept.append(UInt8(ascii: "\n"))
            }
        }
        guard FileManager.default.createFile(atPath: path, contents: kept), let h = FileHandle(forWritingAtPath: path) else {
            throw TrainerError.config("cannot write \(path)")
        }
        h.seekToEndOfFile()
        handle = h
    }
    deinit { try? handle.close() }
    func write(_ o: [String: JSONValue]) throws {
        try handle.write(contentsOf: Data((JSONValue.object(o).serialized() + "\n").utf8))
    }
}
