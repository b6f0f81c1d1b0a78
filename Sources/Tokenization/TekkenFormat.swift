import DomainForgeCore
import Foundation

/// Mistral's `tekken.json` (tiktoken-style byte-level BPE, as read by mistral-common's `Tekkenizer`).
///
/// Layout: `config` (`pattern`, `default_vocab_size`, `default_num_special_tokens`), `vocab` (a list of
/// `{"rank", "token_bytes" (base64), "token_str"}` in rank order) and optional `special_tokens`
/// (`{"rank", "token_str", "is_control"}`). Ids: special tokens take 0 ..< num_special (filled with `<SPECIAL_n>`),
/// vocabulary rank r becomes id num_special + r, and the vocabulary is cut to default_vocab_size - num_special.
/// Encoding follows tiktoken: the adjacent pair whose concatenation has the lowest rank merges first, leftmost
/// among ties; special-token text in the input is plain text, and `encode(addSpecialTokens: true)` prepends `<s>`.
enum TekkenFormat {
    /// Special tokens of tekken files that do not list theirs (mistral-common's defaults for versions up to v7).
    static let defaultSpecialTokens = [
        "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]",
        "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]", "[PREFIX]", "[MIDDLE]",
        "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]",
    ]

    /// Whether a parsed JSON file has the tekken layout (and no HF `model`).
    static func matches(_ root: JSONValue) -> Bool {
        root["model"] == nil && root["config"]?["pattern"]?.stringValue != nil && root["vocab"]?.arrayValue != nil
    }

    /// Builds the tokenizer of a parsed tekken.json.
    static func tokenizer(_ root: JSONValue, path: String) throws(TokenizerError) -> BPETokenizer {
        guard let config = root["config"], let pattern = config["pattern"]?.stringValue,
              let vocabSize = config["default_vocab_size"]?.intValue, let numSpecial = config["default_num_special_tokens"]?.intValue,
              vocabSize > numSpecial, numSpecial > 1 else {
            throw .invalidJSON(path: path, detail: "tekken config needs pattern, default_vocab_size and default_num_special_tokens")
        }
        let ranked = try rankedBytes(root, count: vocabSize - numSpecial, path: path)
        let specials = try specialTokens(root, count: numSpecial, path: path)
        var tokenBytes = [[UInt8]](repeating: [], count: numSpecial)
        var tokenStrings = specials
        for b in ranked { tokenBytes.append(b); tokenStrings.append(ByteLevel.encode(b)) }
        let (merges, ranks) = mergesByRank(ranked, offset: UInt32(numSpecial))
        let model = try BPEModel(tokenBytes: tokenBytes, mergeList: merges, ignoreMerges: false, pairRanks: ranks)
        let added = specials.enumerated().map { AddedToken(content: $1, id: UInt32($0), special: true) }
        let post = try bosTemplate(specials[1], path: path)
        let splitter = try RegexSplitter([pattern])
        return BPETokenizer(model: model, tokenStrings: tokenStrings, pattern: SplitPattern(regex: pattern), addPrefixSpace: false,
                            normalization: .none, addedTokens: added, prefixIds: [1], suffixIds: [],
                            postProcessorJSON: JSONValueBox(post), regexSplitter: SplitPattern(regex: pattern) == nil ? splitter : nil)
    }

    /// The first `count` vocabulary entries' bytes, checking that entry k has rank k.
    static func rankedBytes(_ root: JSONValue, count: Int, path: String) throws(TokenizerError) -> [[UInt8]] {
        let vocab = root["vocab"]?.arrayValue ?? []
        guard vocab.count >= count else {
            throw .invalidJSON(path: path, detail: "tekken vocab has \(vocab.count) entries, fewer than default_vocab_size - default_num_special_tokens = \(count)")
        }
        var out = [[UInt8]]()
        out.reserveCapacity(count)
        for k in 0..<count {
            guard vocab[k]["rank"]?.intValue == k, let b64 = vocab[k]["token_bytes"]?.stringValue,
                  let data = Data(base64Encoded: b64), !data.isEmpty else {
                throw .invalidJSON(path: path, detail: "tekken vocab entry \(k) needs rank \(k) and base64 token_bytes")
            }
            out.append([UInt8](data))
        }
        return out
    }

    /// The special tokens by id: the file's `special_tokens` (or the defaults), then `<SPECIAL_n>` fillers.
    static func specialTokens(_ root: JSONValue, count: Int, path: String) throws(TokenizerError) -> [String] {
        var names = defaultSpecialTokens
        if let list = root["special_tokens"]?.arrayValue {
            names = []
            for (k, t) in list.enumerated() {
                guard t["rank"]?.intValue == k, let s = t["token_str"]?.stringValue else {
                    throw .invalidJSON(path: path, detail: "tekken special token \(k) needs rank \(k) and token_str")
                }
                names.append(s)
            }
        }
        guard names.count <= count, Set(names).count == names.count else {
            throw .invalidJSON(path: path, detail: "tekken special tokens must be unique and at most default_num_special_tokens (\(count))")
        }
        for k in names.count..<count { names.append("<SPECIAL_\(k)>") }
        return names
    }

    /// Every pair of tokens whose concatenation is a token, ranked by that token's rank (tiktoken's rule). The list
    /// is ordered by (made token, left, right) as HF's tiktoken conversion orders merges.
    static func mergesByRank(_ ranked: [[UInt8]], offset: UInt32) -> ([(UInt32, UInt32)], [UInt32]) {
        var index = [[UInt8]: UInt32](minimumCapacity: ranked.count)
        for (r, b) in ranked.enumerated() where index[b] == nil { index[b] = UInt32(r) }
        var merges = [(UInt32, UInt32)](), ranks = [UInt32]()
        for (r, b) in ranked.enumerated() where b.count > 1 && index[b] == UInt32(r) {
            var local = [(UInt32, UInt32)]()
            for cut in 1..<b.count {
                if let l = index[Array(b[..<cut])], let rr = index[Array(b[cut...])] { local.append((l, rr)) }
            }
            local.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            for (l, rr) in local { merges.append((l + offset, rr + offset)); ranks.append(UInt32(r)) }
        }
        return (merges, ranks)
    }

    /// A TemplateProcessing post-processor that prepends `bos` (id 1), as Mistral's HF tokenizers do.
    static func bosTemplate(_ bos: String, path: String) throws(TokenizerError) -> JSONValue {
        var b = [UInt8]()
        JSONWriter.writeString(bos, into: &b)
        let name = String(decoding: b, as: UTF8.self)
        let text = """
        {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": \(name), "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": \(name), "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {\(name): {"id": \(name), "ids": [1], "tokens": [\(name)]}}}
        """
        do { return try JSONParser.parse(text) } catch { throw .invalidJSON(path: path, detail: "internal post-processor: \(error)") }
    }
}
