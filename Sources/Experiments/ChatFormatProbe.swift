import DomainForgeCore
import Evaluation
import Foundation
import SFT
import Tokenization
import Trainer

/// Template adherence of a chat model: the model answers held-out chat prompts greedily, and an answer adheres
/// when it ends its turn with the template's end-of-turn token (`<|im_end|>` for ChatML) within `maxNewTokens`.
/// Forgetting at the alignment level (an instruct model adapted on plain domain text that stops closing its turns)
/// shows here before it shows in a loss. Writes `RUN/chat_format.json`.
public struct ChatFormatProbe {
    /// What the probe measured.
    public struct Result: Sendable, Equatable {
        /// Prompts answered.
        public var checked = 0
        /// Answers that ended with the end-of-turn token within the bound.
        public var ended = 0
        /// The bound, in new tokens.
        public var maxNewTokens = 0
        /// `ended / checked` (nil when nothing was checked).
        public var adherence: Double? { checked > 0 ? Double(ended) / Double(checked) : nil }

        public init(checked: Int = 0, ended: Int = 0, maxNewTokens: Int = 0) {
            self.checked = checked; self.ended = ended; self.maxNewTokens = maxNewTokens
        }
    }

    /// The prompts: each record's turns up to its last user turn.
    public let prompts: [SFTRecord]
    public let renderer: SFTRenderer
    public var maxNewTokens: Int

    /// A probe of at most `maxRecords` records of an SFT file (records without a user turn are skipped).
    public init(recordsPath: String, renderer: SFTRenderer, maxRecords: Int, maxNewTokens: Int) throws {
        self.renderer = renderer
        self.maxNewTokens = maxNewTokens
        prompts = Array(try Self.promptRecords(path: recordsPath).prefix(maxRecords))
    }

    /// The records of an SFT file cut after their last user turn, and how many had none or could not be read.
    public static func promptRecords(path: String) throws -> [SFTRecord] {
        let reader: SFTFileReader
        do { reader = try SFTFileReader(path: path) } catch { throw EvaluationError.io("\(path): \(error)") }
        var out = [SFTRecord]()
        while let item = try reader.next() {
            guard item.readError == nil, let value = item.value ?? (try? JSONParser.parse(bytes: item.bytes)) else { continue }
            let (rec, _) = SFTNormalizer.normalize(value, format: .auto, file: path, line: item.line, index: item.index,
                                                  fallbackID: "\(path):\(item.line)", source: "prompts")
            guard var r = rec, let lastUser = r.messages.lastIndex(where: { $0.role == "user" }) else { continue }
            r.messages = Array(r.messages[...lastUser])
            out.append(r)
        }
        return out
    }

    /// The tokens that prompt the assistant's answer to `record` (its turns, then the assistant's turn opening).
    public static func promptTokens(_ record: SFTRecord, renderer: SFTRenderer) throws -> [Int32] {
        var r = record
        r.messages.append(SFTMessage(role: "assistant", content: ""))
        let rendered = try renderer.render(r)
        guard var start = rendered.lossMask.lastIndex(of: 1) else { return rendered.tokens.map { Int32($0) } }
        while start > 0 && rendered.lossMask[start - 1] == 1 { start -= 1 }
        return rendered.tokens[..<start].map { Int32($0) }
    }

    /// The template's end-of-turn token after an assistant answer.
    public static func endOfTurn(_ renderer: SFTRenderer) throws -> Int32 {
        let suffix = renderer.template.roles["assistant"]?.suffix ?? ""
        guard let first = renderer.tokenizer.encode(suffix, addSpecialTokens: false, splitSpecialTokens: false).first else {
            throw EvaluationError.config("template \(renderer.template.name) has no end-of-turn text after an assistant turn")
        }
        return Int32(first)
    }

    /// Answers every prompt greedily with `model`.
    public func run(model: LlamaModel) throws -> Result {
        let g = Generator(model: model)
        let stop = try Self.endOfTurn(renderer)
        var r = Result(maxNewTokens: maxNewTokens)
        let room = max(1, model.config.maxPositions - maxNewTokens)
        for p in prompts {
            var o = Generator.Options()
            o.maxNewTokens = maxNewTokens
            o.stopToken = stop
            let out = g.generate(prompt: Array(try Self.promptTokens(p, renderer: renderer).suffix(room)), options: o)
            r.checked += 1
            if out.last == stop { r.ended += 1 }
        }
        return r
    }

    /// Runs the probe on a run's checkpoint and writes `RUN/chat_format.json`.
    @discardableResult
    public func run(runDirectory dir: String) throws -> Result {
        let model = try Checkpoint.loadModel(from: RunDirectory.checkpoint(of: dir))
        let r = try run(model: model)
        let j = JSONValue.object(["checked": .int(Int64(r.checked)), "ended_turn": .int(Int64(r.ended)), "max_new_tokens": .int(Int64(r.maxNewTokens))])
        let path = dir + "/chat_format.json"
        try Data((j.serialized() + "\n").utf8).write(to: URL(fileURLWithPath: path + ".tmp"))
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        return r
    }

    /// Reads `RUN/chat_format.json`; nil when absent.
    public static func load(directory: String) -> Result? {
        guard let d = FileManager.default.contents(atPath: directory + "/chat_format.json"), let j = try? JSONParser.parse(bytes: [UInt8](d)),
              let c = j["checked"]?.intValue, let e = j["ended_turn"]?.intValue else { return nil }
        return Result(checked: c, ended: e, maxNewTokens: j["max_new_tokens"]?.intValue ?? 0)
    }
}
