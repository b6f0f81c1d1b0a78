import DomainForgeCore
import Foundation
import SFT
import Tokenization
import Trainer

/// Scores SFT records (alpaca, Dolly, ShareGPT or messages; JSONL or JSON) rendered with a chat template: the loss
/// counts only response tokens (the template's loss mask). Format check: when a system or user turn asks for JSON
/// (mentions "json"), the model answers the last prompt greedily and the answer must parse as JSON (after removing
/// a Markdown code fence). Records are read one at a time; unusable ones are reported with file:line.
public struct SFTRecordEvaluator {
    public let scorer: TokenScorer
    public let renderer: SFTRenderer
    /// Stop after this many records (nil: all).
    public var maxRecords: Int?
    /// Longest greedy answer for the format check, in tokens.
    public var maxNewTokens = 128
    /// With RAG-augmented evaluation: retrieved chunks are prepended to each record's last user turn.
    public var context: RetrievalContext?

    /// `scorer` should have batch size 1.
    public init(scorer: TokenScorer, renderer: SFTRenderer, maxRecords: Int? = nil) {
        self.scorer = scorer; self.renderer = renderer; self.maxRecords = maxRecords
    }

    /// True when the record's prompt asks for JSON output.
    public static func asksForJSON(_ r: SFTRecord) -> Bool {
        r.messages.contains { $0.role != "assistant" && $0.content.lowercased().contains("json") }
    }

    /// True when `text` (optionally inside a ``` fence) is one JSON value.
    public static func isJSON(_ text: String) -> Bool {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.hasPrefix("```") {
            t = String(t.drop { $0 != "\n" })
            if t.hasSuffix("```") { t = String(t.dropLast(3)) }
            t = t.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard !t.isEmpty else { return false }
        return (try? JSONParser.parse(t)) != nil
    }

    public func evaluate(path: String, label: String) throws -> DatasetEval {
        var d = DatasetEval(label: label, path: path, kind: .sftRecords)
        let before = scorer.totals
        var records = 0, checked = 0, passed = 0
        let reader: SFTFileReader
        do { reader = try SFTFileReader(path: path) } catch { throw EvaluationError.io("\(path): \(error)") }
        let generator = Generator(model: scorer.model)
        let tok = renderer.tokenizer
        let stops = Set(["<|im_end|>", "<|eot_id|>", "<|endoftext|>", "</s>"].compactMap { tok.specialTokenId($0) })
        while let item = try reader.next() {
            if let m = maxRecords, records >= m { break }
            if let e = item.readError { d.addProblem("\(path):\(e.line): \(e.message)"); continue }
            let value: JSONValue
            if let v = item.value { value = v } else {
                do { value = try JSONParser.parse(bytes: item.bytes) } catch { d.addProblem("\(path):\(item.line): invalid JSON: \(error)"); continue }
            }
            let (rec, issues) = SFTNormalizer.normalize(value, format: .auto, file: path, line: item.line, index: item.index,
                                                        fallbackID: "\(path):\(item.line)", source: label)
            guard let plain = rec else { d.addProblem("\(path):\(item.line): \(issues.first?.message ?? "not an SFT record")"); continue }
            let r = try context.map { try $0.augment(plain) } ?? plain
            let rendered: RenderedSFT
            do { rendered = try renderer.render(r) } catch { d.addProblem("\(path):\(item.line): \(error)"); continue }
            guard let lastStart = Self.lastTrainedRun(rendered.lossMask) else { d.addProblem("\(path):\(item.line): no response tokens to score"); continue }
            records += 1
            // loss on the response tokens: the window is cut to seq_len + 1 tokens, keeping the start of the last response
            let keepFrom = max(0, min(lastStart - 1, rendered.tokens.count - (scorer.seqLen + 1)))
            let toks = Array(rendered.tokens[keepFrom...].prefix(scorer.seqLen + 1))
            let mask = Array(rendered.lossMask[keepFrom...].prefix(scorer.seqLen + 1))
            if toks.count >= 2 { try scorer.score([(toks, Array(mask.dropFirst()))]) }
            if Self.asksForJSON(r) {
                checked += 1
                var o = Generator.Options()
                o.maxNewTokens = min(maxNewTokens, max(1, scorer.model.config.maxPositions - lastStart))
                let prompt = Array(rendered.tokens[..<lastStart].suffix(scorer.model.config.maxPositions - o.maxNewTokens)).map { Int32($0) }
                var out = generator.generate(prompt: prompt, options: o).map { UInt32($0) }
                if let i = out.firstIndex(where: { stops.contains($0) }) { out.removeSubrange(i...) }
                if Self.isJSON(tok.decode(out, skipSpecialTokens: true)) { passed += 1 }
            }
        }
        let after = scorer.totals
        d.windows = records
        d.tokens = after.counted - before.counted
        if d.tokens > 0 {
            let l = (after.lossSum - before.lossSum) / Double(d.tokens)
            d.loss = l; d.perplexity = exp(l); d.tokenAccuracy = Double(after.correct - before.correct) / Double(d.tokens)
        }
        d.formatChecked = checked; d.formatPassed = passed
        return d
    }

    /// Index where the last run of 1s in `mask` starts (the last response).
    static func lastTrainedRun(_ mask: [UInt8]) -> Int? {
        guard var i = mask.lastIndex(of: 1) else { return nil }
        while i > 0 && mask[i - 1] == 1 { i -= 1 }
        return i
    }
}
