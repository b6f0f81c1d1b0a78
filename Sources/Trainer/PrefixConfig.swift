/// Prefix-tuning settings (the `prefix:` section of TRAIN.yaml; Li & Liang 2021, PEFT's `PREFIX_TUNING`): how many
/// virtual key/value positions every layer gets, and whether they come from a trained MLP over a small embedding.
public struct PrefixConfig: Sendable, Equatable {
    /// P, PEFT's `num_virtual_tokens`: key/value positions prepended to every layer's attention.
    public var numVirtualTokens: Int
    /// PEFT's `prefix_projection`: the prefixes are MLP(embedding) (Linear → tanh → Linear) rather than trained directly.
    public var projection: Bool
    /// PEFT's `encoder_hidden_size`: width of the MLP's hidden layer; nil means the key/value width (PEFT's default).
    public var encoderHiddenSize: Int?

    /// Defaults as TRAIN.yaml's: 16 virtual tokens, no projection.
    public init(numVirtualTokens: Int = 16, projection: Bool = false, encoderHiddenSize: Int? = nil) {
        self.numVirtualTokens = numVirtualTokens; self.projection = projection; self.encoderHiddenSize = encoderHiddenSize
    }

    /// Throws on a non-positive length or hidden size.
    public func validate() throws {
        guard numVirtualTokens > 0 else { throw TrainerError.config("prefix.num_virtual_tokens must be positive") }
        if let e = encoderHiddenSize, e <= 0 { throw TrainerError.config("prefix.encoder_hidden_size must be positive") }
    }
}
