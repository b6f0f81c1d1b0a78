import DomainForgeCore

extension LabConfig {
    /// Where an arm's replay share comes from (`replay_source`).
    public enum ReplaySource: String, Sendable, CaseIterable {
        /// The general training shards (real general data).
        case general
        /// Text the base generated itself (`SyntheticReplay`, unconditional), for when the general data is gone.
        case synthesized
        /// The general chat SFT shards of the instruct start (mixed SFT).
        case generalChat = "general_chat"
    }

    /// The lab's `synth:` section: how the base generates its replay set (schema defaults when absent).
    public struct SynthSettings: Sendable, Equatable {
        public var count = 1000
        public var temperature: Float = 1
        public var topP: Float = 0.95
        public var seed: UInt64 = 1
        public var maxNewTokens = 128
        /// Cleaning stages (nil: `SyntheticReplay.defaultStages`).
        public var stages: [JSONValue]?

        /// The defaults.
        public init() {}

        /// Reads a `synth:` mapping (already validated against the schema); missing keys keep their defaults.
        public init(_ tree: JSONValue?) {
            guard let t = tree else { return }
            if let v = t["n"]?.intValue { count = v }
            if let v = t["temperature"]?.doubleValue { temperature = Float(v) }
            if let v = t["top_p"]?.doubleValue { topP = Float(v) }
            if let v = t["seed"]?.intValue { seed = UInt64(max(0, v)) }
            if let v = t["max_new_tokens"]?.intValue { maxNewTokens = v }
            stages = t["stages"]?.arrayValue
        }

        /// The `SyntheticReplay` options for these settings.
        public var options: SyntheticReplay.Options {
            var o = SyntheticReplay.Options()
            o.count = count; o.temperature = temperature; o.topP = topP; o.seed = seed; o.maxNewTokens = maxNewTokens
            if let stages { o.stages = stages }
            return o
        }
    }

    /// True when an arm replays the base's own generations.
    public var needsSynthesizedReplay: Bool { arms.contains { $0.replaySource == .synthesized && $0.replay > 0 } }
}
