/// Text decoded from bytes, with how it was decoded, so that no byte is lost silently.
public struct DecodedText: Sendable, Equatable {
    /// The decoded text (invalid bytes are U+FFFD).
    public var text: String
    /// The charset used.
    public var charset: TextDecoding.Charset
    /// Bytes that could not be decoded and became U+FFFD.
    public var replacedBytes: Int
    /// How the charset was chosen: `bom`, `utf8`, `declared`, `forced`, `detected` or `fallback`.
    public var source: String

    public init(text: String, charset: TextDecoding.Charset, replacedBytes: Int, source: String) {
        self.text = text
        self.charset = charset
        self.replacedBytes = replacedBytes
        self.source = source
    }
}
