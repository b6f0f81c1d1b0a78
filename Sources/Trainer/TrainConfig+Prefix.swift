import DomainForgeCore
import PipelineConfig

extension TrainConfig {
    /// The `prefix:` section: needs init_from (the frozen base); refused with lora (one adapter per run: both freeze
    /// the base and train their own parameters, and a PEFT folder holds one adapter type), with ewc and layerwise_reg (which pull the
    /// base weights back, and prefix tuning never changes them) and with extend_vocab_size (the base is frozen).
    static func prefix(_ pf: JSONValue, _ c: TrainConfig, problems: inout [ConfigError]) throws -> PrefixConfig {
        var p = PrefixConfig()
        if let v = pf["num_virtual_tokens"]?.intValue { p.numVirtualTokens = v }
        if let v = pf["projection"]?.boolValue { p.projection = v }
        p.encoderHiddenSize = pf["encoder_hidden_size"]?.intValue
        try p.validate()
        if c.initFrom == nil { problems.append(ConfigError(path: "prefix", message: "needs init_from (the base checkpoint)")) }
        if c.lora != nil {
            problems.append(ConfigError(path: "prefix", message: "cannot be combined with lora: one adapter per run (each freezes the base and trains its own parameters, and a PEFT adapter folder holds one type); drop one of the two sections"))
        }
        if c.ewc != nil {
            problems.append(ConfigError(path: "prefix", message: "cannot be combined with ewc: prefix tuning leaves the base weights unchanged, so the EWC penalty would be zero; drop ewc"))
        }
        if c.layerwise != nil {
            problems.append(ConfigError(path: "prefix", message: "cannot be combined with layerwise_reg: prefix tuning leaves the base weights unchanged, so the distance to the base would be zero; drop layerwise_reg"))
        }
        if c.extendVocabSize != nil {
            problems.append(ConfigError(path: "extend_vocab_size", message: "cannot be used with prefix: its base is frozen"))
        }
        if pf["encoder_hidden_size"] != nil && !p.projection {
            problems.append(ConfigError(path: "prefix.encoder_hidden_size", message: "only used with projection: true; set projection: true or drop it"))
        }
        return p
    }
}
