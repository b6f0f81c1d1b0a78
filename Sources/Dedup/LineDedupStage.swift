import CSQLite
import DomainForgeCore

/// `line_dedup`: removes lines (and optionally 3-sentence spans) repeated across the corpus, such as navigation
/// and licence footers that survived extraction. Online, in input order:
///
/// - A line is a candidate when it has at least `min_line_chars` characters after trimming whitespace. Its key is
///   a hash of the line lowercased (ASCII), with whitespace runs collapsed and each run of digits replaced by `0`
///   (so "Page 3 of 12" and "Page 4 of 12" are one pattern).
/// - A candidate line is removed from a document when at least `max_occurrences` (N) EARLIER documents contained
///   it, i.e. the line is now in more than N documents: the first N documents keep it, later ones lose it.
///   Documents are counted once per pattern however often it repeats inside them (repetition inside one
///   document is the repetition filters' job).
/// - `sentence_spans: true` (datatrove's SentenceDedup, online): the text is split into sentences (ending in
///   `.`, `!`, `?`, `。`, `！`, `？` followed by whitespace, or at a line break); every window of 3 consecutive
///   sentences with at least `min_line_chars` characters is a span; a span seen in at least
///   `span_max_occurrences` earlier documents (default 1: only the first document keeps it) is cut out.
/// - A document with nothing left but whitespace is dropped as `empty_after_line_dedup`.
///
/// Counters: `line_dedup_lines_removed`, `line_dedup_spans_removed`, `line_dedup_chars_removed`.
/// Files: `<index_path>` (SQLite, default `<stateDirectory>/lines.sqlite`: per-part counts, so resume forgets an
/// unfinished part), `run.json`, and in `finish()` `line_patterns.json` (the top 200 patterns of this run by
/// removals: text sample, kind, removals, documents seen).
///
/// Memory is bounded: the counts of earlier parts live in the SQLite index, with a 32 MiB count-min sketch
/// (`CountMinSketch`, 4 × 2^21 counters) in front of it. A line whose estimate is below the limit was certainly
/// seen fewer times and is kept without a lookup; otherwise its exact count (index + this part's counts, held in
/// memory until the part ends) decides, and keys found at their limit are cached (up to 2^20 of them). So the
/// decisions are exactly those of an exact count, and memory grows only with one part's distinct lines.
public final class LineDedupStage: OrderedStage, DedupStage {
    public static let type = "line_dedup"

    public struct Options: Codable, Sendable, Equatable, DedupOptions {
        public var maxOccurrences = 3
        public var minLineChars = 30
        public var sentenceSpans = false
        public var spanMaxOccurrences = 1
        public var indexPath: String? = nil
        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case maxOccurrences = "max_occurrences", minLineChars = "min_line_chars", sentenceSpans = "sentence_spans"
            case spanMaxOccurrences = "span_max_occurrences", indexPath = "index_path"
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxOccurrences = try c.value(.maxOccurrences, default: 3)
            minLineChars = try c.value(.minLineChars, default: 30)
            sentenceSpans = try c.value(.sentenceSpans, default: false)
            spanMaxOccurrences = try c.value(.spanMaxOccurrences, default: 1)
            indexPath = try c.value(.indexPath, default: nil as String?)
        }
        public func validate(type: String) throws {
            try check(maxOccurrences >= 1, type, "max_occurrences", "must be at least 1")
            try check(spanMaxOccurrences >= 1, type, "span_max_occurrences", "must be at least 1")
            try check(minLineChars >= 1, type, "min_line_chars", "must be at least 1")
        }
    }

    public let name: String
    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Removes lines (and optionally 3-sentence spans) repeated across the corpus, online: a line of at least min_line_chars characters is removed from a document when at least max_occurrences earlier documents contained it (normalized: lowercase, whitespace collapsed, digit runs as 0). Drops documents left empty (reason empty_after_line_dedup). Ordered stage.", keys: Options.CodingKeys.self, [
        .integer(.maxOccurrences, min: 1, "N: the first N documents containing a line keep it; later documents lose it (it is then in more than N documents)."),
        .integer(.minLineChars, min: 1, "Minimum characters (after trimming) for a line, or a 3-sentence span, to be considered."),
        .bool(.sentenceSpans, "Also remove datatrove-style spans of 3 consecutive sentences seen in earlier documents."),
        .integer(.spanMaxOccurrences, min: 1, "Spans seen in at least this many earlier documents are removed (1: only the first document keeps a span)."),
        .string(.indexPath, DedupOptionText.indexPath(default: "lines.sqlite")),
    ])

    public let options: Options
    /// Finds the candidate lines and spans, on worker threads.
    public let preparer: LineKeyer
    let core: IndexCore
    var sketch = CountMinSketch(log2Width: 21, depth: 4)
    /// Keys whose exact count reached their limit (counts only grow, so they stay there), a bounded cache.
    var over = Set<UInt64>()
    static let overCacheLimit = 1 << 20
    var loaded = false
    var seenDelta: [UInt64: Int] = [:]
    var removedDelta: [UInt64: Int] = [:]
    var samples: [UInt64: String] = [:]

    public init(name: String = LineDedupStage.type, options: Options = Options(), stateDirectory: String,
                baseDirectory: String = "") throws {
        self.name = name
        self.options = options
        preparer = LineKeyer(minLineChars: options.minLineChars, sentenceSpans: options.sentenceSpans)
        let path = options.indexPath.map { DedupStageFactory.resolve($0, base: baseDirectory) } ?? stateDirectory + "/lines.sqlite"
        core = try IndexCore(indexPath: path, stateDirectory: stateDirectory, kind: Self.type, config: "normalize=v1", schema: """
            CREATE TABLE IF NOT EXISTS line_counts(key INTEGER NOT NULL, run INTEGER NOT NULL, part INTEGER NOT NULL,
                seen INTEGER NOT NULL, removed INTEGER NOT NULL, PRIMARY KEY(key, run, part)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS line_samples(key INTEGER PRIMARY KEY, kind TEXT NOT NULL, text TEXT NOT NULL);
            """, partTables: ["line_counts"])
    }

    /// Rebuilds the sketch from the index (streamed, nothing held per key).
    func loadCounts() throws {
        sketch.clear()
        over = []
        let st = try core.db.stmt("SELECT key, SUM(seen) FROM line_counts GROUP BY key")
        try core.db.forEachRow(st) {
            sketch.add(UInt64(bitPattern: sqlite3_column_int64(st, 0)), UInt32(clamping: sqlite3_column_int64(st, 1)))
        }
        loaded = true
    }

    /// Documents that contained `key` in finished parts (index) and earlier in this part.
    func exactCount(_ key: UInt64) throws -> Int {
        let st = try core.db.stmt("SELECT COALESCE(SUM(seen), 0) FROM line_counts WHERE key = ?")
        core.db.bind(st, 1, Int64(bitPattern: key))
        defer { sqlite3_reset(st) }
        let n = try core.db.step(st) ? Int(sqlite3_column_int64(st, 0)) : 0
        return n + (seenDelta[key] ?? 0)
    }

    /// Whether at least `limit` earlier documents contained `key`: the sketch rules most keys out, the exact
    /// count decides the rest.
    func reached(_ key: UInt64, _ limit: Int) throws -> Bool {
        if over.contains(key) { return true }
        if Int(sketch.estimate(key)) < limit { return false }
        guard try exactCount(key) >= limit else { return false }
        if over.count < Self.overCacheLimit { over.insert(key) }
        return true
    }

    /// Cuts out the candidates seen in enough earlier documents; drops a document left empty. Throws a
    /// `DedupIndexError` when the index cannot be read.
    public func decide(_ document: inout Document, prepared: LineCandidates, counters: inout StageCounters) throws -> StageVerdict {
        try DedupIndexError.wrapping(stage: name, path: core.db.path) {
            if !loaded {
                if !core.resumed { try core.resume(finishedParts: []) }
                try loadCounts()
            }
        }
        var removeRanges: [Range<Int>] = []
        var docKeys = Set<UInt64>()
        var textBytes: [UInt8]? = nil
        func visit(_ c: LineCandidates.Candidate, limit: Int, kind: String) throws -> Bool {
            let firstInDoc = docKeys.insert(c.key).inserted
            guard try DedupIndexError.wrapping(stage: name, path: core.db.path, { try reached(c.key, limit) }) else { return false }
            removeRanges.append(c.range)
            if firstInDoc { removedDelta[c.key, default: 0] += 1 }
            if samples[c.key] == nil {
                if textBytes == nil { textBytes = Array(document.text.utf8) }
                samples[c.key] = kind + "\t" + TextKit.snippet(String(decoding: textBytes![c.range], as: UTF8.self), 200)
            }
            return true
        }
        var linesRemoved = 0, spansRemoved = 0
        for c in prepared.lines where try visit(c, limit: options.maxOccurrences, kind: "line") { linesRemoved += 1 }
        for c in prepared.spans where try visit(c, limit: options.spanMaxOccurrences, kind: "span") { spansRemoved += 1 }
        for k in docKeys { sketch.add(k); seenDelta[k, default: 0] += 1 }
        guard !removeRanges.isEmpty else { return .keep }
        let bytes = textBytes ?? Array(document.text.utf8)
        let out = Self.removing(removeRanges, from: bytes)
        counters.add("line_dedup_lines_removed", linesRemoved)
        if spansRemoved > 0 { counters.add("line_dedup_spans_removed", spansRemoved) }
        counters.add("line_dedup_chars_removed", bytes.count - out.count)
        if !out.contains(where: { !TextKit.asciiSpace($0) }) { return .drop(reason: "empty_after_line_dedup") }
        document.text = String(decoding: out, as: UTF8.self)
        return .keep
    }

    /// `bytes` without the (possibly overlapping) `ranges`.
    static func removing(_ ranges: [Range<Int>], from bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var pos = 0
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if r.lowerBound > pos { out.append(contentsOf: bytes[pos..<r.lowerBound]) }
            pos = max(pos, r.upperBound)
        }
        if pos < bytes.count { out.append(contentsOf: bytes[pos...]) }
        return out
    }

    func flush() throws {
        try core.ensureWriting()
        let st = try core.db.stmt("""
            INSERT INTO line_counts(key, run, part, seen, removed) VALUES(?,?,?,?,?)
            ON CONFLICT(key, run, part) DO UPDATE SET seen = seen + excluded.seen, removed = removed + excluded.removed
            """)
        // In key order (as SQLite sorts INTEGER keys): appends to the B-tree instead of random inserts.
        for (k, n) in seenDelta.sorted(by: { Int64(bitPattern: $0.key) < Int64(bitPattern: $1.key) }) {
            core.db.bind(st, 1, Int64(bitPattern: k)); core.db.bind(st, 2, core.run); core.db.bind(st, 3, core.part)
            core.db.bind(st, 4, Int64(n)); core.db.bind(st, 5, Int64(removedDelta[k] ?? 0))
            try core.db.run(st)
        }
        let ss = try core.db.stmt("INSERT OR IGNORE INTO line_samples(key, kind, text) VALUES(?,?,?)")
        for (k, s) in samples {
            let parts = s.split(separator: "\t", maxSplits: 1)
            core.db.bind(ss, 1, Int64(bitPattern: k)); core.db.bind(ss, 2, String(parts[0]))
            core.db.bind(ss, 3, parts.count > 1 ? String(parts[1]) : "")
            try core.db.run(ss)
        }
        seenDelta = [:]; removedDelta = [:]; samples = [:]
        try core.commit()
    }

    public func beginPart(_ part: Int) throws {
        if !seenDelta.isEmpty { try flush() }
        try core.beginPart(part)
        if !loaded { try loadCounts() }
    }
    public func endPart(_ part: Int) throws { try flush() }
    public func resume(finishedParts: Set<Int>) throws {
        seenDelta = [:]; removedDelta = [:]; samples = [:]
        try core.resume(finishedParts: finishedParts)
        try loadCounts()
    }

    public func finish() throws {
        if !seenDelta.isEmpty || core.inTransaction { try flush() }
        let st = try core.db.stmt("""
            SELECT c.key, SUM(c.removed) AS r, COALESCE(s.kind, ''), COALESCE(s.text, '') FROM line_counts c
            LEFT JOIN line_samples s ON s.key = c.key WHERE c.run = ? GROUP BY c.key HAVING r > 0 ORDER BY r DESC, c.key LIMIT 200
            """)
        core.db.bind(st, 1, core.run)
        var rows: [(UInt64, Int, String, String)] = []
        while sqlite3_step(st) == SQLITE_ROW {
            rows.append((UInt64(bitPattern: sqlite3_column_int64(st, 0)), Int(sqlite3_column_int64(st, 1)), core.db.text(st, 2), core.db.text(st, 3)))
        }
        sqlite3_reset(st)
        let patterns: [JSONValue] = try rows.map { r in
            .object(["kind": .string(r.2), "text": .string(r.3), "removed": .int(Int64(r.1)),
                     "documents_seen": .int(Int64(try exactCount(r.0)))])
        }
        let report: JSONValue = .object([
            "kind": .string(Self.type), "max_occurrences": .int(Int64(options.maxOccurrences)),
            "min_line_chars": .int(Int64(options.minLineChars)), "sentence_spans": .bool(options.sentenceSpans),
            "span_max_occurrences": .int(Int64(options.spanMaxOccurrences)), "patterns": .array(patterns),
        ])
        let f = try AtomicOutputFile(path: core.stateDirectory + "/line_patterns.json")
        try f.write(Array(report.serialized().utf8) + [10])
        try f.commit()
    }
}
