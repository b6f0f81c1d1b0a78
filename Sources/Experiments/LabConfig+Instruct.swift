import DomainForgeCore
import Evaluation

extension LabConfig {
    /// The model an arm starts from (`start`).
    public enum Start: String, Sendable, CaseIterable {
        case base, instruct
    }

    /// What an arm adapts on (`data`).
    public enum ArmData: String, Sendable, CaseIterable {
        /// The domain training text, as continual pre-training.
        case domainText = "domain_text"
        /// The domain SFT records of `instruct.domain_sft`, with the loss on the answers.
        case domainSFT = "domain_sft"
    }

    /// The lab's `instruct:` section: general chat SFT of the base into an instruct model, and the chat-format
    /// retention measurements (paths resolved against the lab file).
    public struct InstructSettings: Sendable, Equatable {
        public var data: [String]
        public var fallback: [String]
        public var domainSFT: [String]
        public var domainSFTFallback: [String]
        public var maxRecords: Int?
        public var heldoutFraction: Double
        public var template: String
        public var steps: Int
        public var lr: Double
        public var probeRecords: Int
        public var probeMaxNewTokens: Int

        /// Reads the section (defaults from the schema already applied) and checks that the arms needing it have it.
        static func parse(_ tree: JSONValue?, arms: [Arm], file: String, resolve: (String) -> String) throws -> InstructSettings? {
            for (i, a) in arms.enumerated() where tree == nil {
                let need = [a.start == .instruct ? "start: instruct" : nil, a.data == .domainSFT ? "data: domain_sft" : nil,
                            a.replaySource == .generalChat && a.replay > 0 ? "replay_source: general_chat" : nil].compactMap { $0 }
                if let n = need.first { throw EvaluationError.config("\(file): arms[\(i)] '\(a.name)': \(n) needs an instruct: section") }
            }
            for (i, a) in arms.enumerated() where a.replaySource == .generalChat && a.replay == 0 {
                throw EvaluationError.config("\(file): arms[\(i)] '\(a.name)': replay_source general_chat needs a replay share above 0")
            }
            guard let t = tree else { return nil }
            func paths(_ k: String) -> [String] { (t[k]?.arrayValue ?? []).compactMap(\.stringValue).map(resolve) }
            let s = InstructSettings(data: paths("data"), fallback: paths("fallback"), domainSFT: paths("domain_sft"),
                                     domainSFTFallback: paths("domain_sft_fallback"), maxRecords: t["max_records"]?.intValue,
                                     heldoutFraction: t["heldout_fraction"]?.doubleValue ?? 0.05, template: t["template"]?.stringValue ?? "chatml",
                                     steps: t["steps"]?.intValue ?? 400, lr: t["lr"]?.doubleValue ?? 0.002,
                                     probeRecords: t["probe_records"]?.intValue ?? 64, probeMaxNewTokens: t["probe_max_new_tokens"]?.intValue ?? 48)
            if arms.contains(where: { $0.data == .domainSFT }) && s.domainSFT.isEmpty && s.domainSFTFallback.isEmpty {
                throw EvaluationError.config("\(file): an arm has data: domain_sft but instruct.domain_sft lists no record file")
            }
            return s
        }
    }
}
