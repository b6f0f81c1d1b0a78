import DomainForgeCore
import Tokenization

/// The `tokenize` stage: encodes each document with a byte-level BPE tokenizer (``TokenizeStage``) and hands the
/// tokenizer to a `shard` stage after it.
public enum TokenizeStep {
    /// End-of-text tokens tried, in order, when `eos_token` is not given (the schema's description lists them).
    public static let eosCandidates = ["<|endoftext|>", "<|end_of_text|>", "</s>", "<|im_end|>", "<eos>"]

    /// The options of `tokenize` (their schema: ``schema``).
    public struct Options: StageOptions {
        /// Path to tokenizer.json, relative to the config file (required).
        public var tokenizer: String = ""
        /// Append the end-of-text token after each document.
        public var appendEOS: Bool = true
        /// The end-of-text token (nil: the first of ``TokenizeStep/eosCandidates`` the tokenizer has).
        public var eosToken: String? = nil
        /// Encode special-token strings inside document text as plain text.
        public var splitSpecialTokens: Bool = true

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case tokenizer
            case appendEOS = "append_eos"
            case eosToken = "eos_token"
            case splitSpecialTokens = "split_special_tokens"
        }
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Encodes each document with a byte-level BPE tokenizer (Hugging Face tokenizer.json, or a folder with vocab.json + merges.txt).", keys: Options.CodingKeys.self, [
        .string(.tokenizer, minLength: 1, required: true, "Path to tokenizer.json (relative to the config file)."),
        .bool(.appendEOS, "Append the end-of-text token after each document."),
        .string(.eosToken, "The end-of-text token (default: the first of \(eosCandidates.joined(separator: ", ")) that the tokenizer has)."),
        .bool(.splitSpecialTokens, "Treat special-token strings inside document text as plain text (true) or as control tokens (false)."),
    ])

    /// The registry entry.
    public static let declaration = StageDeclaration(
        type: "tokenize", kind: .parallel, optionKeys: Options.optionKeys, defaults: StageOptionsDecoder.defaults(Options.self),
        schema: schema
    ) { options, context in
        let o: Options
        do { o = try StageOptionsDecoder.decode(Options.self, options) } catch {
            context.fail("\(error)")
            return nil
        }
        let file = context.resolve(o.tokenizer)
        let tok: BPETokenizer
        do { tok = try BPETokenizer.load(path: file) } catch {
            context.fail("\(error)", key: "tokenizer")
            return nil
        }
        var eos: UInt32?
        if o.appendEOS {
            if let name = o.eosToken {
                guard let id = tok.tokenId(name) else {
                    context.fail("'\(name)' is not a token of \(file)", key: "eos_token")
                    return nil
                }
                eos = id
            } else {
                eos = eosCandidates.lazy.compactMap { tok.tokenId($0) }.first
                if eos == nil {
                    context.fail("the tokenizer has none of \(eosCandidates.joined(separator: ", ")); name its end-of-text "
                                 + "token or set append_eos: false", key: "eos_token")
                    return nil
                }
            }
        }
        context.tokenizer = (tok, eos)
        return .document(TokenizeStage(tokenizer: tok, appendId: eos, splitSpecialTokens: o.splitSpecialTokens))
    }
}
