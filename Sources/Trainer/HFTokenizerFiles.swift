import DomainForgeCore
import Foundation
import SFT
import Tokenization

/// The tokenizer half of a Hugging Face model folder, written beside `config.json` (or an adapter's files) so that
/// `AutoTokenizer.from_pretrained(folder)` loads the tokenizer the model was trained with and nothing else:
///
/// - `tokenizer.json`: the file given, copied byte for byte;
/// - `tokenizer_config.json`: `tokenizer_class: PreTrainedTokenizerFast` (without it transformers picks
///   `LlamaTokenizerFast` from `model_type: llama`, which adds a `<s>` to every sequence), the bos/eos/pad tokens,
///   `add_bos_token` as the tokenizer's own post-processor does (false for a tokenizer without one: our shards have
///   no BOS), `model_max_length` (the model's `max_position_embeddings`) and the chat template as jinja;
/// - `special_tokens_map.json`;
/// - `generation_config.json`: bos, pad, and as `eos_token_id` the end-of-text id plus the template's end-of-turn
///   token (ChatML `<|im_end|>`, Llama 3 `<|eot_id|>`), so generation stops at the end of an answer.
///
/// Ids: eos is the model's `eos_token_id` (the end-of-text id the shards were written with), else `<|endoftext|>`;
/// bos is the template's `bos` when the tokenizer has it as one token (Llama 3's `<|begin_of_text|>`), else the
/// eos token (as GPT-2 does: never added, so only a name); pad is the eos token.
public struct HFTokenizerFiles: Sendable {
    /// The files ``write(to:config:)`` writes.
    public static let fileNames = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"]

    /// The tokenizer.json copied into each folder.
    public let tokenizerPath: String
    public let tokenizer: BPETokenizer
    /// The chat template written as `chat_template` (none: the key is left out).
    public let chatTemplate: ChatTemplate?
    /// Whether the jinja trims message content (`| trim`).
    public let trimContent: Bool

    /// Loads the tokenizer; `chatTemplate` nil picks ChatML when the tokenizer has `<|im_start|>` and `<|im_end|>`,
    /// Llama 3 when it has `<|start_header_id|>`, else none.
    public init(tokenizerPath: String, chatTemplate: ChatTemplate? = nil, trimContent: Bool = false) throws {
        self.tokenizerPath = tokenizerPath
        do { tokenizer = try BPETokenizer.load(path: tokenizerPath) } catch {
            throw TrainerError.config("tokenizer \(tokenizerPath): \(error)")
        }
        self.chatTemplate = chatTemplate ?? Self.defaultTemplate(for: tokenizer)
        self.trimContent = trimContent
    }

    static func defaultTemplate(for tok: BPETokenizer) -> ChatTemplate? {
        if tok.specialTokenId("<|im_start|>") != nil && tok.specialTokenId("<|im_end|>") != nil { return .chatml }
        if tok.specialTokenId("<|start_header_id|>") != nil && tok.specialTokenId("<|eot_id|>") != nil { return .llama3 }
        return nil
    }

    /// The bos, eos and pad ids for a model whose config names `eos` (nil: `<|endoftext|>`, else the last special
    /// token). Throws when no eos can be found.
    public func specialIds(eos configEOS: Int?) throws -> (bos: Int, eos: Int, pad: Int) {
        guard let eos = configEOS ?? tokenizer.specialTokenId("<|endoftext|>").map({ Int($0) })
                ?? tokenizer.specialTokens.last.map({ Int($0.id) }) else {
            throw TrainerError.config("tokenizer \(tokenizerPath) has no special token to use as end-of-text; add one (e.g. <|endoftext|>)")
        }
        var bos = eos
        if let b = chatTemplate?.bos, let id = tokenizer.specialTokenId(b) { bos = Int(id) }
        return (bos, eos, eos)
    }

    /// Token ids after which generation stops: eos, then the template's end-of-turn and eos tokens when they are
    /// single special tokens of this tokenizer.
    public func stopIds(eos: Int) -> [Int] {
        var ids = [eos]
        for s in [chatTemplate?.roles["assistant"]?.suffix, chatTemplate?.eos].compactMap({ $0 }) {
            if let id = tokenizer.specialTokenId(s), !ids.contains(Int(id)) { ids.append(Int(id)) }
        }
        return ids
    }

    /// `config` with bos/eos/pad ids set as ``specialIds(eos:)`` chooses them.
    public func apply(to config: LlamaConfig) throws -> LlamaConfig {
        let ids = try specialIds(eos: config.eosTokenId)
        var c = config
        c.bosTokenId = ids.bos; c.eosTokenId = ids.eos; c.padTokenId = ids.pad
        return c
    }

    /// Writes the four files of ``fileNames`` into `dir` (each atomically) and returns their names.
    @discardableResult
    public func write(to dir: String, config: LlamaConfig) throws -> [String] {
        guard let bytes = FileManager.default.contents(atPath: tokenizerPath) else {
            throw TrainerError.config("cannot read tokenizer \(tokenizerPath)")
        }
        try makeDirectory(dir)
        let f = try AtomicOutputFile(path: dir + "/tokenizer.json")
        try f.write([UInt8](bytes))
        try f.commit()
        let ids = try specialIds(eos: config.eosTokenId)
        func name(_ id: Int) -> JSONValue { .string(tokenizer.token(for: UInt32(id)) ?? "") }
        var tc: [String: JSONValue] = [
            "tokenizer_class": .string("PreTrainedTokenizerFast"),
            "bos_token": name(ids.bos), "eos_token": name(ids.eos), "pad_token": name(ids.pad),
            "add_bos_token": .bool(!tokenizer.prefixIds.isEmpty), "add_eos_token": .bool(!tokenizer.suffixIds.isEmpty),
            "model_max_length": .int(Int64(config.maxPositions)),
            "clean_up_tokenization_spaces": .bool(false),
            "added_tokens_decoder": .object(Dictionary(uniqueKeysWithValues: tokenizer.addedTokens.map { t in
                (String(t.id), JSONValue.object(["content": .string(t.content), "lstrip": .bool(t.lstrip), "rstrip": .bool(t.rstrip),
                                                 "normalized": .bool(t.normalized), "single_word": .bool(t.singleWord),
                                                 "special": .bool(t.special)]))
            })),
        ]
        if let t = chatTemplate { tc["chat_template"] = .string(t.jinja(trimContent: trimContent)) }
        try Checkpoint.writeJSON(.object(tc), to: dir + "/tokenizer_config.json")
        try Checkpoint.writeJSON(.object(["bos_token": name(ids.bos), "eos_token": name(ids.eos), "pad_token": name(ids.pad)]),
                                 to: dir + "/special_tokens_map.json")
        let stops = stopIds(eos: ids.eos)
        try Checkpoint.writeJSON(.object([
            "bos_token_id": .int(Int64(ids.bos)), "pad_token_id": .int(Int64(ids.pad)),
            "eos_token_id": stops.count == 1 ? .int(Int64(stops[0])) : .array(stops.map { .int(Int64($0)) }),
            "max_length": .int(Int64(config.maxPositions)), "do_sample": .bool(false),
        ]), to: dir + "/generation_config.json")
        return Self.fileNames
    }
}
