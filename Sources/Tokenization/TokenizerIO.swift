import DomainForgeCore
import Foundation

extension BPETokenizer {
    /// Loads a tokenizer from `path`: a Hugging Face `tokenizer.json`, a Mistral `tekken.json` (see ``TekkenFormat``),
    /// a GPT-2 `vocab.json` (with `merges.txt` in the same directory), or a directory containing one of them.
    /// - Throws: ``TokenizerError`` (unreadable file, non-BPE model such as WordPiece, unsupported pre-tokenizer).
    public static func load(path: String) throws(TokenizerError) -> BPETokenizer {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw .fileNotReadable(path: path) }
        if isDir.boolValue {
            for name in ["tokenizer.json", "tekken.json"] {
                let f = (path as NSString).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: f) { return try load(path: f) }
            }
            let vj = (path as NSString).appendingPathComponent("vocab.json")
            let mt = (path as NSString).appendingPathComponent("merges.txt")
            if FileManager.default.fileExists(atPath: vj) && FileManager.default.fileExists(atPath: mt) {
                return try load(vocabPath: vj, mergesPath: mt)
            }
            throw .fileNotReadable(path: path)
        }
        if (path as NSString).lastPathComponent == "vocab.json" {
            let mt = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("merges.txt")
            if FileManager.default.fileExists(atPath: mt) { return try load(vocabPath: path, mergesPath: mt) }
        }
        let bytes = try readFile(path)
        let root = try parseJSON(bytes, path: path)
        if TekkenFormat.matches(root) { return try TekkenFormat.tokenizer(root, path: path) }
        return try BPETokenizer(parsedJSON: root, path: path)
    }

    static func parseJSON(_ bytes: [UInt8], path: String) throws(TokenizerError) -> JSONValue {
        do { return try JSONParser.parse(bytes: bytes) } catch { throw .invalidJSON(path: path, detail: "\(error)") }
    }

    static func readFile(_ path: String) throws(TokenizerError) -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else { throw .fileNotReadable(path: path) }
        return [UInt8](d)
    }

    /// Loads GPT-2 style `vocab.json` + `merges.txt` (ByteLevel pre-tokenizer with the GPT-2 regex, no prefix
    /// space). `<|endoftext|>`, when in the vocabulary, is registered as a special token (as GPT2TokenizerFast does).
    public static func load(vocabPath: String, mergesPath: String) throws(TokenizerError) -> BPETokenizer {
        let vbytes = try readFile(vocabPath)
        let root: JSONValue
        do { root = try JSONParser.parse(bytes: vbytes) } catch { throw .invalidJSON(path: vocabPath, detail: "\(error)") }
        guard let vocab = root.objectValue else { throw .invalidJSON(path: vocabPath, detail: "expected an object of token -> id") }
        let mtext = String(decoding: try readFile(mergesPath), as: UTF8.self)
        var merges = [(String, String)]()
        for line in mtext.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#version") { continue }
            let l = line.hasSuffix("\r") ? line.dropLast() : line
            let parts = l.split(separator: " ", omittingEmptySubsequences: false)
            if parts.count != 2 { throw .invalidJSON(path: mergesPath, detail: "merge line '\(l)' is not two tokens separated by one space") }
            merges.append((String(parts[0]), String(parts[1])))
        }
        var added = [AddedToken]()
        if let id = vocab["<|endoftext|>"]?.intValue { added.append(AddedToken(content: "<|endoftext|>", id: UInt32(id), special: true)) }
        return try build(vocab: vocab, merges: merges, path: vocabPath, pattern: .gpt2, addPrefixSpace: false,
                         normalization: .none, added: added, ignoreMerges: false)
    }

    /// Parses a Hugging Face tokenizer.json.
    public convenience init(tokenizerJSON bytes: [UInt8], path: String = "tokenizer.json") throws(TokenizerError) {
        try self.init(parsedJSON: try Self.parseJSON(bytes, path: path), path: path)
    }

    /// Builds a tokenizer from a parsed Hugging Face tokenizer.json.
    convenience init(parsedJSON root: JSONValue, path: String) throws(TokenizerError) {
        guard let model = root["model"]?.objectValue else {
            throw .invalidJSON(path: path, detail: "no \"model\" object (expected a Hugging Face tokenizer.json or a Mistral tekken.json)")
        }
        let type = model["type"]?.stringValue ?? ((model["merges"] != nil && model["vocab"]?.objectValue != nil) ? "BPE" : "unknown")
        guard type == "BPE" else { throw .unsupportedModel(type: type) }
        if let p = model["continuing_subword_prefix"]?.stringValue, !p.isEmpty {
            throw .unsupportedComponent(kind: "BPE option", detail: "continuing_subword_prefix '\(p)'")
        }
        if let p = model["end_of_word_suffix"]?.stringValue, !p.isEmpty {
            throw .unsupportedComponent(kind: "BPE option", detail: "end_of_word_suffix '\(p)'")
        }
        if model["byte_fallback"]?.boolValue == true {
            throw .unsupportedComponent(kind: "BPE option", detail: "byte_fallback (SentencePiece-style BPE, not byte-level)")
        }
        if let d = model["dropout"]?.doubleValue, d > 0 {
            throw .unsupportedComponent(kind: "BPE option", detail: "dropout \(d) (non-deterministic encoding)")
        }
        guard let vocab = model["vocab"]?.objectValue else { throw .invalidJSON(path: path, detail: "model.vocab is not an object") }
        var merges = [(String, String)]()
        for (k, m) in (model["merges"]?.arrayValue ?? []).enumerated() {
            if let s = m.stringValue {
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw .invalidJSON(path: path, detail: "merge \(k) '\(s)' is not two tokens") }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let a = m.arrayValue, a.count == 2, let x = a[0].stringValue, let y = a[1].stringValue {
                merges.append((x, y))
            } else { throw .invalidJSON(path: path, detail: "merge \(k) is neither \"a b\" nor [a, b]") }
        }
        // Pre-tokenizer.
        var pattern: SplitPattern? = nil
        var prefix = false
        var custom: RegexSplitter? = nil
        try Self.parsePreTokenizer(root["pre_tokenizer"] ?? .null, pattern: &pattern, prefix: &prefix, custom: &custom)
        let norm = try Self.parseNormalizer(root["normalizer"] ?? .null)
        try Self.checkDecoder(root["decoder"] ?? .null)
        // Ids of added tokens follow HF's AddedVocabulary (the ids written in the file are only a hint there): the
        // model's id when the content is a vocabulary entry, else the next id after the model and earlier additions.
        var added = [AddedToken]()
        var addedIds = [String: UInt32]()
        var maxAdded: Int = -1
        let modelSize = vocab.count
        for a in root["added_tokens"]?.arrayValue ?? [] {
            guard a["id"]?.intValue != nil, let c = a["content"]?.stringValue else {
                throw .invalidJSON(path: path, detail: "added token without id/content")
            }
            if c.isEmpty || addedIds[c] != nil { continue }
            let id: Int
            if let m = vocab[c]?.intValue { id = m } else { id = maxAdded >= modelSize ? maxAdded + 1 : modelSize }
            maxAdded = max(maxAdded, id)
            addedIds[c] = UInt32(id)
            let special = a["special"]?.boolValue ?? false
            added.append(AddedToken(content: c, id: UInt32(id), special: special, lstrip: a["lstrip"]?.boolValue ?? false,
                                    rstrip: a["rstrip"]?.boolValue ?? false, singleWord: a["single_word"]?.boolValue ?? false,
                                    normalized: a["normalized"]?.boolValue ?? !special))
        }
        var pre = [UInt32](), suf = [UInt32]()
        let post = root["post_processor"] ?? .null
        try Self.parsePostProcessor(post, prefix: &pre, suffix: &suf)
        let built = try Self.build(vocab: vocab, merges: merges, path: path, pattern: pattern, addPrefixSpace: prefix,
                                   normalization: norm, added: added, ignoreMerges: model["ignore_merges"]?.boolValue ?? false,
                                   prefixIds: pre, suffixIds: suf, post: post)
        self.init(model: built.model, tokenStrings: built.tokenStrings, pattern: built.pattern, addPrefixSpace: built.addPrefixSpace,
                  normalization: built.normalization, addedTokens: built.addedTokens, prefixIds: pre, suffixIds: suf,
                  postProcessorJSON: JSONValueBox(post), regexSplitter: custom)
    }

    static func build(vocab: [String: JSONValue], merges: [(String, String)], path: String, pattern: SplitPattern?,
                      addPrefixSpace: Bool, normalization: Normalization, added: [AddedToken], ignoreMerges: Bool,
                      prefixIds: [UInt32] = [], suffixIds: [UInt32] = [], post: JSONValue = .null) throws(TokenizerError) -> BPETokenizer {
        var maxId = -1
        var pairs = [(String, Int)]()
        pairs.reserveCapacity(vocab.count)
        for (s, v) in vocab {
            guard let id = v.intValue, id >= 0, id < 1 << 31 else { throw .invalidJSON(path: path, detail: "vocab entry '\(s)' has no valid id") }
            pairs.append((s, id)); maxId = max(maxId, id)
        }
        var strings = [String](repeating: "", count: maxId + 1)
        var bytes = [[UInt8]](repeating: [], count: maxId + 1)
        for (s, id) in pairs {
            strings[id] = s
            bytes[id] = ByteLevel.decode(s) ?? Array(s.utf8)
        }
        var ml = [(UInt32, UInt32)]()
        ml.reserveCapacity(merges.count)
        for (k, (a, b)) in merges.enumerated() {
            guard let ia = vocab[a]?.intValue, let ib = vocab[b]?.intValue else {
                throw .inconsistentVocabulary(detail: "merge \(k) '\(a) \(b)' uses a token that is not in the vocabulary")
            }
            ml.append((UInt32(ia), UInt32(ib)))
        }
        let model = try BPEModel(tokenBytes: bytes, mergeList: ml, ignoreMerges: ignoreMerges)
        return BPETokenizer(model: model, tokenStrings: strings, pattern: pattern, addPrefixSpace: addPrefixSpace,
                            normalization: normalization, addedTokens: added, prefixIds: prefixIds, suffixIds: suffixIds,
                            postProcessorJSON: JSONValueBox(post))
    }

    static func splitRegex(_ v: JSONValue) -> String? {
        if let r = v["pattern"]?["Regex"]?.stringValue { return r }
        if let s = v["pattern"]?["String"]?.stringValue { return s }
        return nil
    }

    static func parsePreTokenizer(_ v: JSONValue, pattern: inout SplitPattern?, prefix: inout Bool,
                                  custom: inout RegexSplitter?) throws(TokenizerError) {
        let type = v["type"]?.stringValue ?? "none"
        switch type {
        case "ByteLevel":
            prefix = v["add_prefix_space"]?.boolValue ?? true
            pattern = (v["use_regex"]?.boolValue ?? true) ? .gpt2 : nil
        case "Sequence":
            let items = v["pretokenizers"]?.arrayValue ?? []
            if items.count == 1 { try parsePreTokenizer(items[0], pattern: &pattern, prefix: &prefix, custom: &custom); return }
            let splits = items.dropLast()
            guard items.count >= 2, splits.allSatisfy({ $0["type"]?.stringValue == "Split" }), items.last?["type"]?.stringValue == "ByteLevel" else {
                let names = items.map { $0["type"]?.stringValue ?? "?" }.joined(separator: ", ")
                throw .unsupportedComponent(kind: "pre-tokenizer", detail: "Sequence[\(names)]")
            }
            let bl = items[items.count - 1]
            var regexes = [String]()
            for split in splits {
                guard let rx = splitRegex(split) else { throw .unsupportedComponent(kind: "pre-tokenizer", detail: "Split without a pattern") }
                guard (split["behavior"]?.stringValue ?? "Isolated") == "Isolated", split["invert"]?.boolValue != true else {
                    throw .unsupportedComponent(kind: "pre-tokenizer", detail: "Split behavior \(split["behavior"]?.stringValue ?? "?") / invert")
                }
                if split["pattern"]?["String"] != nil {
                    throw .unsupportedComponent(kind: "pre-tokenizer", detail: "Split on a literal string")
                }
                regexes.append(rx)
            }
            if bl["use_regex"]?.boolValue ?? true {
                throw .unsupportedComponent(kind: "pre-tokenizer", detail: "Split followed by ByteLevel with use_regex=true (double split)")
            }
            if bl["add_prefix_space"]?.boolValue ?? true {
                throw .unsupportedComponent(kind: "pre-tokenizer", detail: "Split followed by ByteLevel with add_prefix_space=true")
            }
            prefix = false
            if regexes.count == 1, let builtin = SplitPattern(regex: regexes[0]) { pattern = builtin } else {
                pattern = nil; custom = try RegexSplitter(regexes)
            }
        case "Metaspace":
            throw .unsupportedComponent(kind: "pre-tokenizer", detail: "Metaspace (SentencePiece-style BPE, not byte-level)")
        default:
            throw .unsupportedComponent(kind: "pre-tokenizer", detail: "\(type) (a byte-level BPE needs ByteLevel)")
        }
    }

    static func parseNormalizer(_ v: JSONValue) throws(TokenizerError) -> Normalization {
        if v == .null { return .none }
        let type = v["type"]?.stringValue ?? "?"
        switch type {
        case "NFC": return .nfc
        case "NFKC": return .nfkc
        case "Sequence":
            let items = v["normalizers"]?.arrayValue ?? []
            if items.isEmpty { return .none }
            if items.count == 1 { return try parseNormalizer(items[0]) }
            throw .unsupportedComponent(kind: "normalizer", detail: "Sequence of \(items.count) normalizers")
        default: throw .unsupportedComponent(kind: "normalizer", detail: type)
        }
    }

    static func checkDecoder(_ v: JSONValue) throws(TokenizerError) {
        if v == .null { return }
        let type = v["type"]?.stringValue ?? "?"
        if type == "ByteLevel" { return }
        if type == "Sequence", (v["decoders"]?.arrayValue ?? []).allSatisfy({ $0["type"]?.stringValue == "ByteLevel" }) { return }
        throw .unsupportedComponent(kind: "decoder", detail: type)
    }

    static func parsePostProcessor(_ v: JSONValue, prefix: inout [UInt32], suffix: inout [UInt32]) throws(TokenizerError) {
        if v == .null { return }
        let type = v["type"]?.stringValue ?? "?"
        switch type {
        case "ByteLevel": return
        case "Sequence":
            for p in v["processors"]?.arrayValue ?? [] { try parsePostProcessor(p, prefix: &prefix, suffix: &suffix) }
        case "TemplateProcessing":
            var seenA = false
            let specials = v["special_tokens"]?.objectValue ?? [:]
            for item in v["single"]?.arrayValue ?? [] {
                if item["Sequence"] != nil { seenA = true; continue }
                guard let name = item["SpecialToken"]?["id"]?.stringValue, let ids = specials[name]?["ids"]?.arrayValue else {
                    throw .unsupportedComponent(kind: "post-processor", detail: "TemplateProcessing item \(item.serialized())")
                }
                let u = ids.compactMap { $0.intValue }.map { UInt32($0) }
                if seenA { suffix += u } else { prefix += u }
            }
        default:
            throw .unsupportedComponent(kind: "post-processor", detail: type)
        }
    }

    // MARK: save

    /// The tokenizer as Hugging Face tokenizer.json bytes (vocab ordered by id, merges as [a, b] pairs), loadable by
    /// `tokenizers.Tokenizer.from_file` and by ``load(path:)``.
    public func tokenizerJSON() -> [UInt8] {
        var o = [UInt8]()
        o.reserveCapacity(tokenStrings.count * 24 + model.mergeList.count * 24)
        func s(_ x: String) { JSONWriter.writeString(x, into: &o) }
        func raw(_ x: String) { o.append(contentsOf: x.utf8) }
        raw("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [")
        for (k, t) in addedTokens.enumerated() {
            raw(k == 0 ? "\n    " : ",\n    ")
            raw("{\"id\": \(t.id), \"content\": "); s(t.content)
            raw(", \"single_word\": \(t.singleWord), \"lstrip\": \(t.lstrip), \"rstrip\": \(t.rstrip), \"normalized\": \(t.normalized), \"special\": \(t.special)}")
        }
        raw(addedTokens.isEmpty ? "],\n" : "\n  ],\n")
        switch normalization {
        case .none: raw("  \"normalizer\": null,\n")
        case .nfc: raw("  \"normalizer\": {\"type\": \"NFC\"},\n")
        case .nfkc: raw("  \"normalizer\": {\"type\": \"NFKC\"},\n")
        }
        switch pattern {
        case .gpt2?:
            raw("  \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": \(addPrefixSpace), \"trim_offsets\": true, \"use_regex\": true},\n")
        case let p?:
            raw("  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": ")
            s(p.regex)
            raw("}, \"behavior\": \"Isolated\", \"invert\": false}, {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": false}]},\n")
        case nil:
            if let rs = regexSplitter {
                raw("  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [")
                for src in rs.sources {
                    raw("{\"type\": \"Split\", \"pattern\": {\"Regex\": "); s(src); raw("}, \"behavior\": \"Isolated\", \"invert\": false}, ")
                }
                raw("{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": false}]},\n")
            } else {
                raw("  \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": \(addPrefixSpace), \"trim_offsets\": true, \"use_regex\": false},\n")
            }
        }
        raw("  \"post_processor\": ")
        if postProcessorJSON.value == .null { raw("null") } else { JSONWriter.write(postProcessorJSON.value, into: &o) }
        raw(",\n  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n")
        raw("  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": \(model.ignoreMerges),\n    \"vocab\": {")
        var first = true
        for (id, t) in tokenStrings.enumerated() where !t.isEmpty {
            raw(first ? "\n      " : ",\n      "); first = false
            s(t); raw(": \(id)")
        }
        raw("\n    },\n    \"merges\": [")
        for (k, (a, b)) in model.mergeList.enumerated() {
            raw(k == 0 ? "\n      [" : ",\n      [")
            s(tokenStrings[Int(a)]); raw(", "); s(tokenStrings[Int(b)]); raw("]")
        }
        raw("\n    ]\n  }\n}\n")
        return o
    }

    /// Writes ``tokenizerJSON()`` to `path`.
    public func save(path: String) throws(TokenizerError) {
        let d = tokenizerJSON()
        guard FileManager.default.createFile(atPath: path, contents: Data(d)) else {
            throw .invalidArgument("cannot write '\(path)': check that the directory exists and is writable")
        }
    }
}
