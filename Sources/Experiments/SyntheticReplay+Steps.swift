import DomainForgeCore
import Evaluation
import Foundation
import PipelineConfig
import PipelineRunner
import SFT
import Shards
import Tokenization
import Trainer

extension SyntheticReplay {
    /// The token that ends a generation: the template's end of turn (prompt mode) or the end-of-text token.
    func stopToken(model: LlamaModel, tokenizer tok: BPETokenizer, renderer: SFTRenderer?) throws -> Int32 {
        if let renderer { return try ChatFormatProbe.endOfTurn(renderer) }
        guard let eos = model.config.eosTokenId ?? tok.specialTokenId("<|endoftext|>").map({ Int($0) }) else {
            throw EvaluationError.config("the checkpoint has no eos_token_id and the tokenizer no <|endoftext|>: unconditional generation needs a document separator")
        }
        return Int32(eos)
    }

    /// The prompt tokens of sample `i`: the chat-rendered instruction up to the assistant's first token, or the
    /// document separator alone.
    func promptTokens(_ i: Int, prompts: [SFTRecord]?, renderer: SFTRenderer?, stop: Int32) throws -> (tokens: [Int32], index: Int?) {
        guard let prompts, let renderer else { return ([stop], nil) }
        let k = i % prompts.count
        return (try ChatFormatProbe.promptTokens(prompts[k], renderer: renderer), k)
    }

    /// Generates every sample into `path` (temporary name, then renamed); returns how many hit the token limit.
    func generate(model: LlamaModel, tokenizer tok: BPETokenizer, prompts: [SFTRecord]?, renderer: SFTRenderer?, into path: String) throws -> Int {
        let t0 = Date()
        let g = Generator(model: model)
        let stop = try stopToken(model: model, tokenizer: tok, renderer: renderer)
        var text = "", unterminated = 0, tokens = 0
        for i in 0..<options.count {
            var o = Generator.Options()
            o.temperature = options.temperature
            o.topP = options.topP
            o.seed = Self.sampleSeed(options.seed, i)
            o.maxNewTokens = options.maxNewTokens
            o.stopToken = stop
            let (prompt, k) = try promptTokens(i, prompts: prompts, renderer: renderer, stop: stop)
            var out = g.generate(prompt: prompt, options: o)
            tokens += out.count
            let ended = out.last == stop
            if ended { out.removeLast() } else { unterminated += 1 }
            var line: [String: JSONValue] = ["id": .string(Self.sampleID(i)), "text": .string(tok.decode(out.map { UInt32($0) }, skipSpecialTokens: true)),
                                             "terminated": .bool(ended)]
            if let k { line["prompt_index"] = .int(Int64(k)) }
            text += JSONValue.object(line).serialized() + "\n"
            if (i + 1) % 500 == 0 { log("synth-replay: \(i + 1) of \(options.count) generated") }
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + ".tmp"))
        try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        let s = Date().timeIntervalSince(t0)
        log(String(format: "synth-replay: generated %d texts, %d tokens in %.1f s (%.0f tokens/s)", options.count, tokens, s, Double(tokens) / max(s, 1e-9)))
        return unterminated
    }

    /// Generations of an existing `generated.jsonl` that reached the token limit.
    static func countUnterminated(_ path: String) -> Int {
        guard let d = FileManager.default.contents(atPath: path) else { return 0 }
        return d.split(separator: UInt8(ascii: "\n")).filter { (try? JSONParser.parse(bytes: [UInt8]($0)))?["terminated"]?.boolValue == false }.count
    }

    /// Runs the generated texts through the pipeline (stages, plus tokenize and shard for CPT output) with
    /// `outputDir` as its output folder, and counts kept, dropped and rejected texts.
    func clean(_ input: String, outputDir: String, sft: Bool, report: inout SynthReport) throws {
        var stages = options.stages
        if !sft {
            stages.append(.object(["type": .string("tokenize"), "tokenizer": .string(tokenizerPath), "append_eos": .bool(true)]))
            stages.append(.object(["type": .string("shard"), "size_limit": .int(1 << 24), "zstd_level": .int(3)]))
        }
        let tree = JSONValue.object([
            "version": .int(1), "name": .string("synth-replay"),
            "inputs": .array([.object(["path": .string(input), "format": .string("jsonl"), "name": .string("synth")])]),
            "stages": .array(stages),
            "output": .object(["path": .string(outputDir), "compression": .string("none"), "write_rejects": .bool(false)]),
            "execution": .object(["workers": .int(Int64(max(1, options.workers)))]),
        ])
        let spec: PipelineSpec
        let plan: StagePlan
        do {
            spec = try PipelineSpec.from(tree, baseDirectory: outputDir, name: "synth-replay")
            plan = try StageFactory.make(spec)
        } catch { throw EvaluationError.config("synth-replay stages: \(error)") }
        let stats: RunStats
        do { stats = try PipelineExecutor(spec: spec, plan: plan, log: { _ in }).run() } catch {
            throw EvaluationError.data("synth-replay: pipeline: \(error) (delete \(outputDir) to start again)")
        }
        report.dropped = [:]
        for s in stats.stages { for (reason, n) in s.dropped { report.dropped["\(s.name)/\(reason)", default: 0] += n } }
        report.rejected = stats.rejected
        report.kept = stats.kept
        guard !sft else { return }
        report.shards = outputDir + "/shards"
        let manifest: ShardManifest?
        do { manifest = try ShardManifest.load(directory: report.shards) } catch { throw EvaluationError.data("\(report.shards): \(error)") }
        report.tokens = manifest?.stats.tokens ?? 0
        report.trainedTokens = report.tokens
    }

    /// Writes each kept answer after its prompt as SFT shards with loss masks into `outputDir/shards`.
    func writeSFTShards(outputDir: String, prompts: [SFTRecord], renderer: SFTRenderer, report: inout SynthReport) throws {
        let fm = FileManager.default
        let docsDir = outputDir + "/documents"
        let files = ((try? fm.contentsOfDirectory(atPath: docsDir)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
        let tmp = outputDir + "/shards.tmp", final = outputDir + "/shards"
        if fm.fileExists(atPath: tmp) { try fm.removeItem(atPath: tmp) }
        let hash = SHA256Hasher.hex(Array(parameters.serialized().utf8))
        let writer = try SFTShardWriter(directory: tmp, tokenizer: renderer.tokenizer, configHash: hash)
        var trained = 0
        for f in files {
            guard let d = fm.contents(atPath: docsDir + "/" + f) else { continue }
            for line in d.split(separator: UInt8(ascii: "\n")) {
                guard let j = try? JSONParser.parse(bytes: [UInt8](line)), let id = j["id"]?.stringValue, let text = j["text"]?.stringValue,
                      let i = Int(id.dropFirst("synth-".count)) else {
                    throw EvaluationError.data("\(docsDir)/\(f): a kept document without a synth id; delete \(outputDir) to start again")
                }
                var r = prompts[i % prompts.count]
                r.id = id
                r.messages.append(SFTMessage(role: "assistant", content: text))
                let rendered = try renderer.render(r)
                trained += rendered.trainedTokens
                try writer.add(id: id, source: "synth", rendered: rendered)
            }
        }
        let manifest = try writer.finish()
        if fm.fileExists(atPath: final) { try fm.removeItem(atPath: final) }
        try fm.moveItem(atPath: tmp, toPath: final)
        report.shards = final
        report.tokens = manifest.stats.tokens
        report.trainedTokens = trained
    }
}
