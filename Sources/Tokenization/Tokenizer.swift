import DomainForgeCore
import Foundation

/// A byte-level BPE tokenizer (GPT-2, Llama-3 / cl100k style) whose ids match Hugging Face `tokenizers`
/// for the same tokenizer.json.
///
/// Load with ``load(path:)`` (a `tokenizer.json`, a GPT-2 `vocab.json` beside a `merges.txt`, or a directory
/// holding either), train with ``BPETrainer``, extend with ``VocabularyExtender``. Instances are immutable and
/// `Sendable`: share one across threads.
///
/// Cost: linear in the text for ordinary words (whole-word lookup, else a quadratic scan over words of at most 96
/// bytes); a longer pre-token (a 50 MB line of letters, a run of whitespace) uses an O(n log n) heap merge needing
/// about 20-25 bytes of memory per byte of that pre-token (a 50 MB line of letters peaks at about 1.1 GB RSS).
///
/// ```swift
/// let tok = try BPETokenizer.load(path: "tokenizer.json")
/// let ids = tok.encode("Hello world")      // [15496, 995] with GPT-2
/// let text = tok.decode(ids)               // "Hello world"
/// ```
public final class BPETokenizer: Sendable {
    let model: BPEModel
    /// Vocabulary strings (byte-level form, as in the file), indexed by id; empty where the model has no id.
    let tokenStrings: [String]
    /// The pre-tokenizer regex, or nil when the whole text is one word (ByteLevel with `use_regex: false` alone)
    /// or when a regex without a built-in state machine runs through the slower ICU fallback (``customRegex``).
    public let pattern: SplitPattern?
    /// The Split regexes handled by the ICU fallback (applied in order), when ``pattern`` is nil.
    public var customRegexes: [String] { regexSplitter?.sources ?? [] }
    let regexSplitter: RegexSplitter?
    /// Whether a space is prepended to text that does not start with one (ByteLevel `add_prefix_space`).
    public let addPrefixSpace: Bool
    /// Unicode normalization applied to text between added tokens.
    public let normalization: Normalization
    /// Added tokens (special and not), in the file's order.
    public let addedTokens: [AddedToken]
    let addedById: [UInt32: Int]
    let rawMatcher: AddedTokenMatcher
    let rawMatcherNoSpecial: AddedTokenMatcher
    let normalizedMatcher: AddedTokenMatcher
    let normalizedMatcherNoSpecial: AddedTokenMatcher
    /// Ids a post-processor (TemplateProcessing) adds before / after the text when `addSpecialTokens` is true.
    public let prefixIds: [UInt32]
    public let suffixIds: [UInt32]
    /// The post-processor JSON from the file, written back unchanged on save.
    let postProcessorJSON: JSONValueBox

    /// Number of ids: one more than the largest id of the model vocabulary and the added tokens (the size of an
    /// embedding table for this tokenizer).
    public let vocabSize: Int

    init(model: BPEModel, tokenStrings: [String], pattern: SplitPattern?, addPrefixSpace: Bool,
         normalization: Normalization, addedTokens: [AddedToken], prefixIds: [UInt32] = [], suffixIds: [UInt32] = [],
         postProcessorJSON: JSONValueBox = JSONValueBox(.null), regexSplitter: RegexSplitter? = nil) {
        self.regexSplitter = regexSplitter
        self.model = model
        self.tokenStrings = tokenStrings
        self.pattern = pattern
        self.addPrefixSpace = addPrefixSpace
        self.normalization = normalization
        self.addedTokens = addedTokens
        var byId = [UInt32: Int]()
        for (k, t) in addedTokens.enumerated() { byId[t.id] = k }
        addedById = byId
        let raw = addedTokens.filter { !$0.normalized || normalization == .none }
        let norm = addedTokens.filter { $0.normalized && normalization != .none }
        rawMatcher = AddedTokenMatcher(raw)
        rawMatcherNoSpecial = AddedTokenMatcher(raw.filter { !$0.special })
        normalizedMatcher = AddedTokenMatcher(norm)
        normalizedMatcherNoSpecial = AddedTokenMatcher(norm.filter { !$0.special })
        self.prefixIds = prefixIds
        self.suffixIds = suffixIds
        self.postProcessorJSON = postProcessorJSON
        var maxId = tokenStrings.count - 1
        for t in addedTokens { maxId = max(maxId, Int(t.id)) }
        vocabSize = maxId + 1
    }

    // MARK: lookup

    /// Number of merges in the model.
    public var mergeCount: Int { model.mergeList.count }

    /// Id of a vocabulary entry given in its file form (byte-level string such as "Ġworld"), or of an added token.
    public func tokenId(_ token: String) -> UInt32? {
        if let a = addedTokens.first(where: { $0.content == token }) { return a.id }
        if let b = ByteLevel.decode(token), let id = model.vocab.value(b), tokenStrings[Int(id)] == token { return UInt32(id) }
        if let id = model.vocab.value(Array(token.utf8)), tokenStrings[Int(id)] == token { return UInt32(id) }
        return nil
    }

    /// The file form of a token (byte-level string, or an added token's content), or nil for an unknown id.
    public func token(for id: UInt32) -> String? {
        if let k = addedById[id] { return addedTokens[k].content }
        if Int(id) < tokenStrings.count, !tokenStrings[Int(id)].isEmpty { return tokenStrings[Int(id)] }
        return nil
    }

    /// Raw bytes of a token (what it contributes to decoded text), or nil for an unknown id.
    public func tokenBytes(for id: UInt32) -> [UInt8]? {
        if let k = addedById[id] { return Array(addedTokens[k].content.utf8) }
        if Int(id) < model.tokenBytes.count, !model.tokenBytes[Int(id)].isEmpty { return model.tokenBytes[Int(id)] }
        return nil
    }

    /// Id of a special token such as `<|endoftext|>`, or nil.
    public func specialTokenId(_ content: String) -> UInt32? {
        addedTokens.first(where: { $0.special && $0.content == content })?.id
    }

    /// The special tokens.
    public var specialTokens: [AddedToken] { addedTokens.filter { $0.special } }

    // MARK: encode

    /// Encodes text to ids exactly as HF `tokenizers` `Tokenizer.encode(text).ids` does.
    ///
    /// - Parameters:
    ///   - addSpecialTokens: apply the post-processor template (e.g. Llama-3's `<|begin_of_text|>`), like HF's
    ///     `add_special_tokens=True` default. No effect for tokenizers without a template (GPT-2, most trained ones).
    ///   - splitSpecialTokens: when true, special tokens written in the text are encoded as ordinary text (safe for
    ///     untrusted documents, like tiktoken's `encode_ordinary`); when false (HF default) they become their ids.
    public func encode(_ text: String, addSpecialTokens: Bool = true, splitSpecialTokens: Bool = false) -> [UInt32] {
        var out = [UInt32]()
        out.reserveCapacity(text.utf8.count / 3 + 4)
        encode(text, into: &out, addSpecialTokens: addSpecialTokens, splitSpecialTokens: splitSpecialTokens)
        return out
    }

    /// Appends the ids of `text` to `out` (see ``encode(_:addSpecialTokens:splitSpecialTokens:)``).
    public func encode(_ text: String, into out: inout [UInt32], addSpecialTokens: Bool = true, splitSpecialTokens: Bool = false) {
        var s = text
        if addSpecialTokens { out.append(contentsOf: prefixIds) }
        s.withUTF8 { buf in
            if let base = buf.baseAddress, buf.count > 0 {
                encodeBytes(base, buf.count, into: &out, splitSpecialTokens: splitSpecialTokens)
            }
        }
        if addSpecialTokens { out.append(contentsOf: suffixIds) }
    }

    /// Encodes UTF-8 bytes (must be valid UTF-8) without the post-processor template.
    public func encode(utf8 buf: UnsafeBufferPointer<UInt8>, into out: inout [UInt32], splitSpecialTokens: Bool = false) {
        guard let base = buf.baseAddress, buf.count > 0 else { return }
        encodeBytes(base, buf.count, into: &out, splitSpecialTokens: splitSpecialTokens)
    }

    /// Encodes many texts on `threads` threads (0: all cores); results are in input order.
    public func encodeBatch(_ texts: [String], threads: Int = 0, addSpecialTokens: Bool = true, splitSpecialTokens: Bool = false) -> [[UInt32]] {
        let nThreads = max(1, min(threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount, texts.count))
        if nThreads == 1 { return texts.map { encode($0, addSpecialTokens: addSpecialTokens, splitSpecialTokens: splitSpecialTokens) } }
        let results = ResultSlots<[UInt32]>(count: texts.count)
        // Contiguous chunks balanced by bytes.
        var bounds = [0]
        let total = texts.reduce(0) { $0 + $1.utf8.count }
        var acc = 0
        for (k, t) in texts.enumerated() {
            acc += t.utf8.count
            if acc * nThreads >= total * bounds.count && bounds.count < nThreads { bounds.append(k + 1) }
        }
        while bounds.count <= nThreads { bounds.append(texts.count) }
        bounds[nThreads] = texts.count
        let ranges = bounds
        DispatchQueue.concurrentPerform(iterations: nThreads) { w in
            for k in ranges[w]..<ranges[w + 1] {
                results.set(k, encode(texts[k], addSpecialTokens: addSpecialTokens, splitSpecialTokens: splitSpecialTokens))
            }
        }
        return results.values()
    }

    func encodeBytes(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [UInt32], splitSpecialTokens: Bool) {
        let raw = splitSpecialTokens ? rawMatcherNoSpecial : rawMatcher
        if raw.isEmpty { encodeSegment(p, n, into: &out, splitSpecialTokens: splitSpecialTokens); return }
        raw.split(p, n, text: { s, e in
            encodeSegment(p + s, e - s, into: &out, splitSpecialTokens: splitSpecialTokens)
        }, token: { k in out.append(raw.tokens[k].id) })
    }

    /// Normalizes one piece of text between raw added tokens, splits normalized added tokens, pre-tokenizes, merges.
    func encodeSegment(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [UInt32], splitSpecialTokens: Bool) {
        if let norm = normalization.apply(p, n) {
            norm.withUnsafeBufferPointer { b in
                guard let base = b.baseAddress, b.count > 0 else { return }
                let nm = splitSpecialTokens ? normalizedMatcherNoSpecial : normalizedMatcher
                if nm.isEmpty { encodeWords(base, b.count, into: &out); return }
                nm.split(base, b.count, text: { s, e in encodeWords(base + s, e - s, into: &out) },
                         token: { k in out.append(nm.tokens[k].id) })
            }
            return
        }
        let nm = splitSpecialTokens ? normalizedMatcherNoSpecial : normalizedMatcher
        if nm.isEmpty { encodeWords(p, n, into: &out); return }
        nm.split(p, n, text: { s, e in encodeWords(p + s, e - s, into: &out) }, token: { k in out.append(nm.tokens[k].id) })
    }

    @inline(__always)
    func encodeWords(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [UInt32]) {
        if n == 0 { return }
        if addPrefixSpace && p[0] != 0x20 {
            var buf = [UInt8](repeating: 0x20, count: n + 1)
            buf.withUnsafeMutableBufferPointer { b in
                (b.baseAddress! + 1).update(from: p, count: n)
                splitAndMerge(UnsafePointer(b.baseAddress!), n + 1, into: &out)
            }
            return
        }
        splitAndMerge(p, n, into: &out)
    }

    @inline(__always)
    func splitAndMerge(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [UInt32]) {
        guard let pattern else {
            if let rs = regexSplitter { rs.split(p, n) { s, e in model.encodeWord(p + s, e - s, into: &out) }; return }
            model.encodeWord(p, n, into: &out); return
        }
        pattern.split(p, n) { s, e in model.encodeWord(p + s, e - s, into: &out) }
    }

    // MARK: decode

    /// Decodes ids to text. Byte sequences that are not valid UTF-8 (a prefix of a multi-byte character) become
    /// U+FFFD, as in HF. Unknown ids are skipped.
    /// - Parameter skipSpecialTokens: drop special tokens (HF's `decode` default is true; ours keeps them so that
    ///   `decode(encode(x)) == x`).
    public func decode(_ ids: [UInt32], skipSpecialTokens: Bool = false) -> String {
        String(decoding: decodeBytes(ids, skipSpecialTokens: skipSpecialTokens), as: UTF8.self)
    }

    /// The raw bytes of the ids.
    public func decodeBytes(_ ids: [UInt32], skipSpecialTokens: Bool = false) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(ids.count * 4)
        for id in ids {
            if let k = addedById[id] {
                let t = addedTokens[k]
                if t.special && skipSpecialTokens { continue }
                // HF passes added tokens through the ByteLevel decoder: byte-level text maps to its bytes.
                if let b = ByteLevel.decode(t.content) { out.append(contentsOf: b) } else { out.append(contentsOf: t.content.utf8) }
                continue
            }
            if Int(id) < model.tokenBytes.count { out.append(contentsOf: model.tokenBytes[Int(id)]) }
        }
        return out
    }

    // MARK: identity

    /// SHA-256 (hex) of the canonical vocabulary, merges, added tokens, pre-tokenizer and normalizer: equal for
    /// tokenizers that encode identically, whatever the JSON formatting. Record it in shard manifests.
    public var fingerprint: String {
        var d = [UInt8]()
        d.append(contentsOf: "domainforge-bpe-v1\npattern=\(pattern?.rawValue ?? regexSplitter.map { "regex:" + $0.sources.joined(separator: "\u{1}") } ?? "none")\nprefix_space=\(addPrefixSpace)\nnormalizer=\(normalization.rawValue)\nignore_merges=\(model.ignoreMerges)\n".utf8)
        for (id, s) in tokenStrings.enumerated() where !s.isEmpty { d.append(contentsOf: "v\t\(id)\t\(s)\n".utf8) }
        for (a, b) in model.mergeList { d.append(contentsOf: "m\t\(a)\t\(b)\n".utf8) }
        for t in addedTokens { d.append(contentsOf: "a\t\(t.id)\t\(t.content)\t\(t.special)\t\(t.normalized)\t\(t.lstrip)\t\(t.rstrip)\t\(t.singleWord)\n".utf8) }
        d.append(contentsOf: "t\t\(prefixIds)\t\(suffixIds)\n".utf8)
        return SHA256Hasher.hex(d)
    }
}

/// Boxes a JSONValue so the tokenizer can keep parts of the file it writes back unchanged.
struct JSONValueBox: Sendable {
    let value: JSONValue
    init(_ v: JSONValue) { value = v }
}

/// Thread-safe write-once slots for parallel results.
final class ResultSlots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()
    init(count: Int) { storage = [T?](repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); storage[i] = v; lock.unlock() }
    func values() -> [T] { storage.map { $0! } }
}
