import DomainForgeCore
import Foundation

/// `decontaminate`: finds documents sharing a word n-gram with evaluation sets and drops them (`mode: drop`) or
/// cuts the matching spans out (`mode: cut`).
///
/// - Words are the normalized words of `TextKit` (lowercased `\w+`-like; punctuation and whitespace ignored), in
///   both eval items and documents, so "What is 2+2?" matches "what is 2 + 2". Chinese and Japanese text (an
///   eval field by its script share, a document by `DocumentLanguage`) is split into ICU's words
///   (`cjk_shingle: words`, default) or characters in n-grams of `cjk_char_ngram` (`chars`); see `DedupWords`.
/// - Each eval item is one JSONL record / CSV row / text paragraph (text files: items separated by blank lines).
///   Every listed field of the item is n-grammed separately (`ngram` words, default 13). A field with fewer than
///   `ngram` words but at least `min_item_words` (default 8) is used whole as one shorter n-gram (so a short
///   question still matches when it appears verbatim); shorter fields are ignored. JSON array fields are joined.
///   CSV files must have a header row; `fields` name its columns (e.g. MMLU `question`, `choice0`...).
/// - `path` may contain `*` glob characters in its last component; relative paths resolve against the base dir.
/// - `mode: cut` removes the byte range from the first to the last word of each match (overlapping matches merge);
///   when fewer than `min_keep_fraction` of the document's words remain, the document is dropped instead.
///
/// Reason: `contaminated`. Counters: `contaminated_docs`, `contamination_spans_cut`, `contamination_words_cut`.
/// Files: `<stateDirectory>/parts/contamination-<part>.json` (durable per-part findings; resume removes those of
/// unfinished parts) and in `finish()` `<stateDirectory>/contamination.json`: per eval set, the items found, each
/// with its file, its 0-based record number in that file (CSV: data rows after the header; text: paragraphs), a
/// preview, the ids of the documents (first 50) it was found in, and the number of documents.
public final class DecontaminateStage: OrderedStage, DedupStage {
    public static let type = "decontaminate"

    public struct EvalSet: Codable, Sendable, Equatable {
        public var name: String
        public var path: String
        public var format: String
        public var fields: [String]
        public init(name: String, path: String, format: String, fields: [String] = []) {
            self.name = name; self.path = path; self.format = format; self.fields = fields
        }
        enum CodingKeys: String, CodingKey, CaseIterable { case name, path, format, fields }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            path = try c.decode(String.self, forKey: .path)
            format = try c.value(.format, default: "jsonl")
            fields = try c.value(.fields, default: [String]())
        }
    }

    public struct Options: Codable, Sendable, Equatable, DedupOptions {
        public var evalSets: [EvalSet] = []
        public var ngram = 13
        public var minItemWords = 8
        public var mode = "drop"
        public var minKeepFraction = 0.5
        /// Tokens of Chinese, Japanese and other unspaced text: ICU words or characters (`DedupWords`).
        public var cjkShingle = CJKShingle.words
        /// Characters per n-gram of unspaced text with `cjk_shingle: chars`; nil: `ngram`.
        public var cjkCharNgram: Int? = nil
        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case evalSets = "eval_sets", ngram, minItemWords = "min_item_words", mode, minKeepFraction = "min_keep_fraction"
            case cjkShingle = "cjk_shingle", cjkCharNgram = "cjk_char_ngram"
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            evalSets = try c.value(.evalSets, default: [])
            ngram = try c.value(.ngram, default: 13)
            minItemWords = try c.value(.minItemWords, default: 8)
            mode = try c.value(.mode, default: "drop")
            minKeepFraction = try c.value(.minKeepFraction, default: 0.5)
            cjkShingle = try c.value(.cjkShingle, default: .words)
            cjkCharNgram = try c.value(.cjkCharNgram, default: nil as Int?)
        }
        public static func checkNested(_ object: [String: JSONValue], type: String) throws {
            let allowed = EvalSet.CodingKeys.allCases.map(\.rawValue)
            for (i, entry) in (object["eval_sets"]?.arrayValue ?? []).enumerated() {
                for key in (entry.objectValue ?? [:]).keys.sorted() where !allowed.contains(key) {
                    throw DedupConfigError("stage '\(type)': unknown option 'eval_sets[\(i)].\(key)'; allowed: \(allowed.joined(separator: ", "))")
                }
            }
        }
        public func validate(type: String) throws {
            try check((1...256).contains(ngram), type, "ngram", "must be 1...256")
            try check(cjkCharNgram.map { (1...256).contains($0) } ?? true, type, "cjk_char_ngram", "must be 1...256")
            try check(minItemWords >= 1 && minItemWords <= ngram, type, "min_item_words", "must be 1...ngram")
            try check(mode == "drop" || mode == "cut", type, "mode", "must be 'drop' or 'cut', got '\(mode)'")
            try check(minKeepFraction >= 0 && minKeepFraction <= 1, type, "min_keep_fraction", "must be 0...1")
            for (i, s) in evalSets.enumerated() {
                try check(["jsonl", "csv", "text"].contains(s.format), type, "eval_sets[\(i)].format", "must be jsonl, csv or text")
                try check(s.format == "text" || !s.fields.isEmpty, type, "eval_sets[\(i)].fields", "needed for \(s.format)")
            }
        }
    }

    struct Item { var set: Int; var file: String; var index: Int; var preview: String }

    public let name: String
    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Finds documents sharing a word n-gram with evaluation sets; drops them (reason contaminated) or cuts the matching spans. Writes contamination.json (eval items found and in which documents). Ordered stage.", keys: Options.CodingKeys.self, [
        .custom(.evalSets, #"{"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["name", "path"], "properties": {"name": {"type": "string", "description": "Name in the report."}, "path": {"type": "string", "description": "File, relative to the config's folder; '*' allowed in the last component (e.g. mmlu/test/*.csv)."}, "format": {"enum": ["jsonl", "csv", "text"], "default": "jsonl", "description": "jsonl: one record per line; csv: header row required; text: items separated by blank lines."}, "fields": {"type": "array", "items": {"type": "string"}, "default": [], "description": "Fields (JSONL keys or CSV columns) whose text is n-grammed, each separately. Required for jsonl and csv."}}}}"#, "Evaluation sets to protect."),
        .integer(.ngram, min: 1, max: 256, "Words per n-gram."),
        .integer(.minItemWords, min: 1, max: 256, "A field shorter than ngram words is matched whole when it has at least this many words; shorter fields are ignored. At most ngram."),
        .choice(.mode, ["drop", "cut"], "drop: drop contaminated documents; cut: remove the matching spans (the document is dropped when less than min_keep_fraction of its words remain)."),
        .number(.minKeepFraction, min: 0, max: 1, "cut mode: minimum fraction of words that must remain."),
        .choice(.cjkShingle, ["words", "chars"], "Tokens of documents in a language written without spaces (metadata.language zh, ja, th, lo, km, my, else Chinese or Japanese by script share; eval items by script share): words = ICU's dictionary words (as the cleaning rules count them), in n-grams of ngram; chars = one token per character, in n-grams of cjk_char_ngram. Other documents always use the normalized words. Default: chars for minhash_dedup (better recall and precision on Chinese near-duplicates at ngram 5), words for decontaminate (a 13-gram of words is about 20 Chinese characters)."),
        .integer(.cjkCharNgram, min: 1, max: 256, "Characters per n-gram of unspaced documents with cjk_shingle: chars. Default: ngram (chars with the default is the behaviour before ICU words were offered)."),
    ])

    public let options: Options
    let stateDirectory: String
    /// The n-gram matching, run on worker threads.
    public let preparer: ContaminationMatcher
    let items: [Item]
    let setNames: [String]
    let setItemCounts: [Int]
    var part = 0
    /// item → document ids, for the current part
    var found: [Int32: [String]] = [:]
    var finishedFound: [Int: [Int32: [String]]] = [:]
    var contaminatedDocs = 0

    public init(name: String = DecontaminateStage.type, options: Options = Options(), stateDirectory: String,
                baseDirectory: String = "") throws {
        self.name = name
        self.options = options
        self.stateDirectory = stateDirectory
        let words = DedupWords(cjk: options.cjkShingle, ngram: options.ngram, cjkCharNgram: options.cjkCharNgram)
        var grams: [UInt64: Int32] = [:]
        var lengths = Set<Int>()
        var items: [Item] = []
        var counts: [Int] = []
        for (si, set) in options.evalSets.enumerated() {
            let files = try Self.expand(DedupStageFactory.resolve(set.path, base: baseDirectory))
            if files.isEmpty { throw DedupConfigError("stage '\(Self.type)': eval set '\(set.name)': no file matches \(set.path)") }
            var n = 0
            for file in files {
                for (k, fields) in try Self.readItems(file: file, set: set).enumerated() {
                    let itemNo = Int32(items.count)
                    var any = false
                    for f in fields {
                        let unspaced = DedupWords.isUnspaced(text: f)
                        let w = words.wordHashes(f, unspaced: unspaced)
                        let L = words.gramLength(unspaced: unspaced)
                        w.withUnsafeBufferPointer { wp in
                            if w.count >= L {
                                for i in 0...(w.count - L) {
                                    let h = TextKit.polyGram(wp, i, L)
                                    if grams[h] == nil { grams[h] = itemNo }
                                }
                                lengths.insert(L); any = true
                            } else if w.count >= options.minItemWords {
                                let h = TextKit.polyGram(wp, 0, w.count)
                                if grams[h] == nil { grams[h] = itemNo }
                                lengths.insert(w.count); any = true
                            }
                        }
                    }
                    if any {
                        items.append(Item(set: si, file: String(file.split(separator: "/").last ?? ""), index: k,
                                          preview: TextKit.snippet(fields.joined(separator: " | "), 200)))
                    }
                    n += 1
                }
            }
            counts.append(n)
        }
        lengths.insert(options.ngram)
        preparer = ContaminationMatcher(grams: grams, lengths: lengths.sorted(), words: words)
        self.items = items
        self.setNames = options.evalSets.map(\.name)
        self.setItemCounts = counts
        try makeDirectory(stateDirectory + "/parts")
    }

    static func expand(_ path: String) throws -> [String] {
        guard path.contains("*") else { return FileManager.default.fileExists(atPath: path) ? [path] : [] }
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let pattern = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { name in
            var rest = Substring(name)
            for (i, piece) in pieces.enumerated() {
                if i == 0 { guard rest.hasPrefix(piece) else { return false }; rest = rest.dropFirst(piece.count); continue }
                if i == pieces.count - 1 { return piece.isEmpty || rest.hasSuffix(piece) }
                guard let r = rest.range(of: piece) else { return false }
                rest = rest[r.upperBound...]
            }
            return rest.isEmpty
        }.sorted().map { dir + "/" + $0 }
    }

    static func readItems(file: String, set: EvalSet) throws -> [[String]] {
        if set.format == "csv" { return try csvItems(file: file, set: set) }
        let bytes = try readWholeFile(path: file, displayName: file, limit: 1 << 30)
        let text = String(decoding: bytes, as: UTF8.self)
        switch set.format {
        case "jsonl":
            var out: [[String]] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                guard let v = try? JSONParser.parse(String(line)) else { continue }
                out.append(set.fields.compactMap { f in
                    switch v[f] {
                    case .string(let s): return s
                    case .array(let a): return a.compactMap(\.stringValue).joined(separator: " ")
                    case .int(let i): return String(i)
                    default: return nil
                    }
                })
            }
            return out
        default:
            return text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }.map { [$0] }
        }
    }

    /// The data rows of a CSV eval file (`CSVRecordReader`: RFC 4180, a header row naming the `fields`), each as
    /// the listed fields' values. A quote never closed is an error naming the file and line.
    static func csvItems(file: String, set: EvalSet) throws -> [[String]] {
        let reader = try CSVRecordReader(path: file)
        var columns: [Int]?
        var out: [[String]] = []
        while let r = try reader.next() {
            if let e = r.error {
                throw DedupConfigError("stage '\(Self.type)': eval set '\(set.name)': \(file):\(r.line): \(e); fix the quoting of the file")
            }
            guard let idx = columns else {
                let found = set.fields.map { f in r.fields.firstIndex(of: f) }
                if let missing = zip(set.fields, found).first(where: { $0.1 == nil }) {
                    throw DedupConfigError("stage '\(Self.type)': eval set '\(set.name)': \(file) has no column '\(missing.0)' (columns: \(r.fields.joined(separator: ", ")))")
                }
                columns = found.compactMap { $0 }
                continue
            }
            out.append(idx.compactMap { $0 < r.fields.count ? r.fields[$0] : nil })
        }
        return out
    }

    /// Records the items found; drops the document (`mode: drop`, or too little left) or cuts the matches out.
    public func decide(_ document: inout Document, prepared: Contamination?, counters: inout StageCounters) -> StageVerdict {
        guard let c = prepared else { return .keep }
        for item in c.items { found[item, default: []].append(document.id) }
        contaminatedDocs += 1
        counters.add("contaminated_docs")
        if options.mode == "drop" { return .drop(reason: "contaminated") }
        let remaining = c.totalWords - c.coveredWords
        if Double(remaining) < options.minKeepFraction * Double(c.totalWords) || remaining == 0 { return .drop(reason: "contaminated") }
        let bytes = Array(document.text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var pos = 0
        for r in c.ranges {
            if r.lowerBound > pos { out.append(contentsOf: bytes[pos..<r.lowerBound]) }
            pos = max(pos, r.upperBound)
        }
        if pos < bytes.count { out.append(contentsOf: bytes[pos...]) }
        counters.add("contamination_spans_cut", c.ranges.count)
        counters.add("contamination_words_cut", c.coveredWords)
        document.text = String(decoding: out, as: UTF8.self)
        return .keep
    }

    func partFile(_ p: Int) -> String { stateDirectory + "/parts/contamination-\(p).json" }

    static func encode(_ f: [Int32: [String]]) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: f.map { (String($0.key), JSONValue.array($0.value.map { .string($0) })) }))
    }

    public func beginPart(_ part: Int) throws {
        self.part = part
        found = [:]
    }

    public func endPart(_ part: Int) throws {
        let f = try AtomicOutputFile(path: partFile(part))
        try f.write(Array(Self.encode(found).serialized().utf8) + [10])
        try f.commit()
        finishedFound[part] = found
        found = [:]
    }

    public func resume(finishedParts: Set<Int>) throws {
        finishedFound = [:]
        found = [:]
        let dir = stateDirectory + "/parts"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            guard name.hasPrefix("contamination-"), name.hasSuffix(".json"),
                  let p = Int(name.dropFirst("contamination-".count).dropLast(".json".count)) else { continue }
            let path = dir + "/" + name
            if !finishedParts.contains(p) { unlink(path); continue }
            let v = try JSONParser.parse(bytes: readWholeFile(path: path, displayName: path, limit: 1 << 30))
            var m: [Int32: [String]] = [:]
            for (k, ids) in v.objectValue ?? [:] { if let i = Int32(k) { m[i] = ids.arrayValue?.compactMap(\.stringValue) ?? [] } }
            finishedFound[p] = m
        }
    }

    /// Writes `contamination.json` from all finished parts (and documents decided outside any part).
    public func finish() throws {
        var all: [Int32: [String]] = [:]
        for p in finishedFound.keys.sorted() { for (k, v) in finishedFound[p]! { all[k, default: []] += v } }
        for (k, v) in found { all[k, default: []] += v }
        var docs = Set<String>()
        var perSet: [[JSONValue]] = Array(repeating: [], count: setNames.count)
        for item in all.keys.sorted() {
            let it = items[Int(item)]
            let ids = all[item]!
            docs.formUnion(ids)
            perSet[it.set].append(.object([
                "item": .int(Int64(it.index)), "file": .string(it.file), "preview": .string(it.preview),
                "documents": .array(ids.prefix(50).map { .string($0) }), "document_count": .int(Int64(ids.count)),
            ]))
        }
        let report: JSONValue = .object([
            "kind": .string(Self.type), "ngram": .int(Int64(options.ngram)), "mode": .string(options.mode),
            "min_item_words": .int(Int64(options.minItemWords)),
            "contaminated_documents": .int(Int64(docs.count)),
            "eval_sets": .array(setNames.indices.map { i in
                .object(["name": .string(setNames[i]), "items": .int(Int64(setItemCounts[i])),
                         "items_found": .int(Int64(perSet[i].count)), "found": .array(perSet[i])])
            }),
        ])
        let f = try AtomicOutputFile(path: stateDirectory + "/contamination.json")
        try f.write(Array(report.serialized().utf8) + [10])
        try f.commit()
    }
}
