import TestSupport
import DomainForgeCore
import Foundation
import Shards
import Testing
@testable import Evaluation
@testable import Experiments
@testable import Tokenization
@testable import Trainer

@Suite struct SyntheticReplayTests {
    /// A random model over the sample tokenizer's vocabulary, saved as a checkpoint folder.
    static func baseCheckpoint(_ d: TmpDir) throws -> String {
        let vocab = try BPETokenizer.load(path: sampleTokenizer).vocabSize
        let m = try LlamaModel(config: LlamaConfig(vocabSize: vocab, hiddenSize: 16, intermediateSize: 24, numLayers: 1, numHeads: 2,
                                                   numKVHeads: 1, maxPositions: 64))
        m.initialize(seed: 11, std: 0.5)
        try Checkpoint.saveModel(m, to: d.path + "/base")
        return d.path + "/base"
    }

    static func synth(_ ckpt: String, _ mode: SyntheticReplay.Mode = .unconditional, n: Int = 10, seed: UInt64 = 5,
                      temperature: Float = 1, stages: [JSONValue]? = nil) -> SyntheticReplay {
        var o = SyntheticReplay.Options()
        o.count = n; o.seed = seed; o.temperature = temperature; o.topP = 0.9; o.maxNewTokens = 16
        if let stages { o.stages = stages }
        var s = SyntheticReplay(checkpoint: ckpt, tokenizerPath: sampleTokenizer, mode: mode, options: o)
        s.log = { _ in }
        return s
    }

    static func accounted(_ r: SynthReport) -> Bool {
        r.generated == r.kept + r.dropped.values.reduce(0, +) + r.rejected.values.reduce(0, +)
    }

    /// Without Gopher's repetition rules, which drop most of a random model's text.
    static let lightStages: [JSONValue] = Array(SyntheticReplay.defaultStages.prefix(4))

    @Test func sameSeedSameSetOtherSeedOtherSet() throws {
        let d = TmpDir()
        let ckpt = try Self.baseCheckpoint(d)
        let a = try Self.synth(ckpt, stages: Self.lightStages).run(outputDir: d.path + "/a")
        let b = try Self.synth(ckpt, stages: Self.lightStages).run(outputDir: d.path + "/b")
        let c = try Self.synth(ckpt, seed: 6).run(outputDir: d.path + "/c")
        #expect(d.read("a/generated.jsonl") == d.read("b/generated.jsonl"))
        #expect(d.read("a/generated.jsonl") != d.read("c/generated.jsonl"))
        #expect(d.lines("a/generated.jsonl").count == 10)
        #expect(a.generated == 10 && Self.accounted(a) && Self.accounted(c))
        var b2 = b
        b2.shards = a.shards
        #expect(a == b2)
        #expect(a.kept > 0 && a.tokens > 0 && a.trainedTokens == a.tokens)
        // the CPT shards hold every kept text, tokenized with an end-of-text token
        let samples = try ShardFixtures.readAll(d.path + "/a/shards")
        #expect(samples.count == a.kept && samples.reduce(0) { $0 + $1.tokens.count } == a.tokens)
        #expect(samples.allSatisfy { $0.lossMask == nil })
        // a rerun with the same parameters returns the finished report
        var again = Self.synth(ckpt, stages: Self.lightStages)
        var lines = [String]()
        again.log = { lines.append($0) }
        #expect(try again.run(outputDir: d.path + "/a") == a)
        #expect(lines.contains { $0.contains("finished for these parameters") })
    }

    @Test func greedyDuplicatesAreDroppedAndCounted() throws {
        let d = TmpDir()
        let ckpt = try Self.baseCheckpoint(d)
        let r = try Self.synth(ckpt, n: 7, temperature: 0, stages: [.object(["type": .string("exact_dedup")])]).run(outputDir: d.path + "/g")
        // greedy decoding from the same start gives one text seven times: dedup against itself keeps one
        #expect(Set(d.lines("g/generated.jsonl").map { try! JSONParser.parse($0)["text"]!.stringValue! }).count == 1)
        #expect(r.generated == 7 && r.kept == 1 && r.rejected.isEmpty)
        #expect(r.dropped.values.reduce(0, +) == 6 && r.dropped.keys.allSatisfy { $0.hasPrefix("exact_dedup/") })
        let saved = try #require(SynthReport.load(path: d.path + "/g/synth_report.json"))
        #expect(saved == r)
    }

    @Test func promptModeWritesSFTShardsWithMaskedPrompts() throws {
        let d = TmpDir()
        let ckpt = try Self.baseCheckpoint(d)
        try d.write("prompts.jsonl", """
            {"instruction": "Name a river.", "output": "The Nile."}
            not json
            {"messages": [{"role": "user", "content": "Say hello in JSON."}]}
            {"messages": [{"role": "assistant", "content": "no question here"}]}

            """)
        let r = try Self.synth(ckpt, .prompts(d.path + "/prompts.jsonl"), n: 4, stages: []).run(outputDir: d.path + "/p")
        #expect(r.generated == 4 && r.kept + r.rejected.values.reduce(0, +) == 4 && Self.accounted(r))
        let gen = d.lines("p/generated.jsonl").map { try! JSONParser.parse($0) }
        #expect(gen.map { $0["prompt_index"]!.intValue! } == [0, 1, 0, 1])
        let samples = try ShardFixtures.readAll(d.path + "/p/shards")
        #expect(samples.count == r.kept && r.kept > 0)
        let tok = try BPETokenizer.load(path: sampleTokenizer)
        let imEnd = try #require(tok.specialTokenId("<|im_end|>"))
        for s in samples {
            let mask = try #require(s.lossMask)
            let first = try #require(mask.firstIndex(of: 1))
            // the prompt, up to "<|im_start|>assistant\n", is not trained; the answer and its end of turn are
            #expect(tok.decode(Array(s.tokens[..<first])).hasSuffix("<|im_start|>assistant\n"))
            #expect(s.tokens[mask.lastIndex(of: 1)!] == imEnd)
        }
        #expect(samples.reduce(0) { $0 + Int($1.lossMask!.reduce(0) { $0 + Int($1) }) } == r.trainedTokens)
    }

    @Test func badRequestsAreClearErrors() throws {
        let d = TmpDir()
        let ckpt = try Self.baseCheckpoint(d)
        try d.write("other/notes.txt", "mine")
        #expect(throws: EvaluationError.self) { try Self.synth(ckpt).run(outputDir: d.path + "/other") }
        #expect(d.read("other/notes.txt") == Array("mine".utf8))
        try d.write("empty.jsonl", "{\"messages\": [{\"role\": \"assistant\", \"content\": \"x\"}]}\n")
        #expect(throws: EvaluationError.self) { try Self.synth(ckpt, .prompts(d.path + "/empty.jsonl")).run(outputDir: d.path + "/e") }
        #expect(throws: EvaluationError.self) { try Self.synth(ckpt, n: 0).run(outputDir: d.path + "/z") }
        // other parameters in an earlier output folder: started again
        _ = try Self.synth(ckpt, n: 3, stages: []).run(outputDir: d.path + "/r")
        let r = try Self.synth(ckpt, n: 4, stages: []).run(outputDir: d.path + "/r")
        #expect(r.generated == 4 && d.lines("r/generated.jsonl").count == 4)
    }
}
