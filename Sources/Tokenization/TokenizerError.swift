/// Errors thrown by the tokenizer: each message says what went wrong and what to do about it.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case fileNotReadable(path: String)
    /// The file is not valid JSON (or not the expected shape).
    case invalidJSON(path: String, detail: String)
    /// The tokenizer model is not a byte-level BPE (e.g. WordPiece, Unigram, WordLevel).
    case unsupportedModel(type: String)
    /// A pre-tokenizer, normalizer, decoder or option that this implementation does not reproduce exactly.
    case unsupportedComponent(kind: String, detail: String)
    /// A merge names a token that is not in the vocabulary, or the vocabulary is inconsistent.
    case inconsistentVocabulary(detail: String)
    /// Invalid argument (vocab size, corpus, ids out of range, ...).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .fileNotReadable(let p):
            return "cannot read tokenizer file '\(p)': check the path (a tokenizer.json, or a directory with tokenizer.json or vocab.json + merges.txt)"
        case .invalidJSON(let p, let d):
            return "'\(p)' is not a valid tokenizer file: \(d)"
        case .unsupportedModel(let t):
            return "unsupported tokenizer model type '\(t)': only byte-level BPE (GPT-2, Llama-3/cl100k style) is supported; use the Python tokenizers package for \(t) models"
        case .unsupportedComponent(let k, let d):
            return "unsupported \(k): \(d). Supported: ByteLevel pre-tokenizer (GPT-2 regex) or Split(regex)...+ByteLevel(use_regex=false); normalizer none/NFC/NFKC; ByteLevel decoder"
        case .inconsistentVocabulary(let d):
            return "inconsistent vocabulary: \(d); the tokenizer file may be truncated or hand-edited"
        case .invalidArgument(let d):
            return d
        }
    }
}
