import DomainForgeCore
import Evaluation
import SFT
import Tokenization
import Trainer

/// How the base model behaves on an SFT set: loss on responses under the chat template, JSON answers where the
/// prompt asks for JSON, and whether greedy answers stop at the end-of-turn token, run on or stop early.
public struct BehaviourGap: Sendable, Equatable {
    /// Records of the whole file that normalize to a valid SFT record, and those that do not.
    public var validRecords = 0
    public var invalidRecords = 0
    /// Mean trained (response) tokens per scored record, for the SFT token count.
    public var meanResponseTokens = 0.0
    /// Response loss over the scored records (nats), and the records and tokens scored.
    public var responseLoss: Double?
    public var scoredRecords = 0
    public var scoredTokens = 0
    /// JSON-asking prompts checked and answered with valid JSON.
    public var jsonChecked = 0
    public var jsonPassed = 0
    /// Greedy answers generated; stopped at the end-of-turn token; of those, stopped before a quarter of the
    /// reference answer's length; not stopped within twice the reference length (run on).
    public var generated = 0
    public var stopped = 0
    public var earlyStops = 0
    public var runOns = 0
    /// The end-of-turn token used ("" when the tokenizer has none: stops not measured).
    public var endOfTurn = ""

    /// Estimated trained tokens of the whole set (valid records × mean response tokens).
    public var sftTokens: Double { Double(validRecords) * meanResponseTokens }
    public var jsonCompliance: Double? { jsonChecked > 0 ? Double(jsonPassed) / Double(jsonChecked) : nil }
    public var stopCompliance: Double? { generated > 0 && !endOfTurn.isEmpty ? Double(stopped) / Double(generated) : nil }
    public var runOnShare: Double? { stopCompliance == nil ? nil : Double(runOns) / Double(generated) }
    public var earlyStopShare: Double? { stopCompliance == nil ? nil : Double(earlyStops) / Double(generated) }

    public init() {}

    /// Measures `path` (SFT JSONL/JSON in any supported shape): counts every record, scores the first `maxRecords`,
    /// generates greedy answers for the first `generateRecords` (each at most `maxNewTokens` tokens).
    public static func measure(model: LlamaModel, renderer: SFTRenderer, path: String, seqLen: Int, maxRecords: Int,
                               generateRecords: Int, maxNewTokens: Int) throws -> BehaviourGap {
        var g = BehaviourGap()
        let scorer = try TokenScorer(model: model, batchSize: 1, seqLen: seqLen)
        let eval = try SFTRecordEvaluator(scorer: scorer, renderer: renderer, maxRecords: maxRecords).evaluate(path: path, label: "sft")
        g.responseLoss = eval.loss
        g.scoredRecords = eval.windows
        g.scoredTokens = eval.tokens
        g.jsonChecked = eval.formatChecked ?? 0
        g.jsonPassed = eval.formatPassed ?? 0
        let tok = renderer.tokenizer
        let eot = ["<|im_end|>", "<|eot_id|>", "<|endoftext|>", "</s>"].first { tok.specialTokenId($0) != nil }
        g.endOfTurn = eot ?? ""
        let stopId = eot.flatMap { tok.specialTokenId($0) }
        let generator = Generator(model: model)
        let reader = try SFTFileReader(path: path)
        var trainedSum = 0, rendered = 0
        while let item = try reader.next() {
            guard item.readError == nil, let value = item.value ?? (try? JSONParser.parse(bytes: item.bytes)) else { g.invalidRecords += 1; continue }
            let (rec, _) = SFTNormalizer.normalize(value, format: .auto, file: path, line: item.line, index: item.index,
                                                   fallbackID: "\(path):\(item.line)", source: "sft")
            guard let r = rec else { g.invalidRecords += 1; continue }
            g.validRecords += 1
            guard rendered < maxRecords, let out = try? renderer.render(r) else { continue }
            rendered += 1
            trainedSum += out.trainedTokens
            guard let stopId, g.generated < generateRecords, let start = Self.lastResponseStart(out.lossMask) else { continue }
            let refLen = out.lossMask[start...].prefix { $0 == 1 }.count
            var o = Generator.Options()
            o.stopToken = Int32(stopId)
            o.maxNewTokens = max(1, min(maxNewTokens, 2 * refLen))
            let room = model.config.maxPositions - o.maxNewTokens
            guard room > 0 else { continue }
            let prompt = out.tokens[..<start].suffix(room).map { Int32($0) }
            let answer = generator.generate(prompt: prompt, options: o)
            g.generated += 1
            if answer.last == Int32(stopId) {
                g.stopped += 1
                if Double(answer.count) < 0.25 * Double(refLen) { g.earlyStops += 1 }
            } else {
                g.runOns += 1
            }
        }
        g.meanResponseTokens = rendered > 0 ? Double(trainedSum) / Double(rendered) : 0
        return g
    }

    /// Where the last run of trained tokens (the last response) starts.
    static func lastResponseStart(_ mask: [UInt8]) -> Int? {
        guard var i = mask.lastIndex(of: 1) else { return nil }
        while i > 0 && mask[i - 1] == 1 { i -= 1 }
        return i
    }
}
