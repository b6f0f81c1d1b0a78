import DomainForgeCore
import Shards
import Tokenization

/// The `shard` stage, the pipeline's writer: tokenized documents go into MDS shards (``ShardOutput``), and a document
/// that reaches it without tokens is dropped (`no_tokens`) so nothing is lost silently.
public enum ShardStep {
    /// Token column type of the shards.
    public enum DType: String, Codable, Sendable, CaseIterable {
        case auto, uint16, uint32
    }

    /// The options of `shard` (their schema: ``schema``).
    public struct Options: StageOptions {
        /// Bytes per shard before compression.
        public var sizeLimit: Int = 1 << 26
        /// zstd level of the shards.
        public var zstdLevel: Int = 3
        /// Token column type; auto picks uint16 when the vocabulary fits.
        public var dtype: DType = .auto

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case sizeLimit = "size_limit"
            case zstdLevel = "zstd_level"
            case dtype
        }
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Writes the tokenized documents as MosaicML MDS shards (zstd) with index.json and manifest.json under <output>/shards. Must be the last stage, after tokenize.", keys: Options.CodingKeys.self, [
        .integer(.sizeLimit, min: 4096, max: 4294967295, "Bytes per shard before compression."),
        .integer(.zstdLevel, min: 1, max: 19, "zstd level of the shards."),
        .choice(.dtype, ["auto", "uint16", "uint32"], "Token column type; auto picks uint16 when the vocabulary fits."),
    ])

    /// The registry entry.
    public static let declaration = StageDeclaration(
        type: "shard", kind: .writer, optionKeys: Options.optionKeys, defaults: StageOptionsDecoder.defaults(Options.self),
        schema: schema
    ) { options, context in
        if !context.isLast { context.fail("the shard stage must be the last stage") }
        guard let (tok, eos) = context.tokenizer else {
            context.fail("needs a tokenize stage before it")
            return nil
        }
        let o: Options
        do { o = try StageOptionsDecoder.decode(Options.self, options) } catch {
            context.fail("\(error)")
            return nil
        }
        let dt: TokenDType
        switch o.dtype {
        case .uint16:
            if tok.vocabSize > 65_536 { context.fail("uint16 cannot hold a vocabulary of \(tok.vocabSize)", key: "dtype") }
            dt = .uint16
        case .uint32: dt = .uint32
        case .auto: dt = TokenDType.forVocab(tok.vocabSize)
        }
        context.shards = ShardOutput(sizeLimit: o.sizeLimit, zstdLevel: Int32(o.zstdLevel), dtype: dt,
                                     tokenizer: .init(fingerprint: tok.fingerprint, vocabSize: tok.vocabSize, eosID: eos))
        return .document(ShardGate())
    }
}

/// Drops documents that reach the shard writer without tokens (reason `no_tokens`), so nothing is lost silently.
struct ShardGate: DocumentStage {
    var name: String { "shard" }
    func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        guard let t = document.tokens, !t.isEmpty else { return .drop(reason: "no_tokens") }
        counters.add("tokens", t.count)
        return .keep
    }
}
