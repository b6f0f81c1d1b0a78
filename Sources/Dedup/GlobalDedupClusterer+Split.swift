import CSQLite
import DomainForgeCore
import Foundation

/// The global step split over jobs, as datatrove splits its buckets over tasks, so a corpus whose clustering does
/// not fit one process still deduplicates:
/// 1. `link(split: i, of: n)`, one job per split: for every band, only the band keys with `key % n == i` (a whole
///    bucket always lands in one split), sorted, and each bucket's members compared with the groups already linked
///    in that bucket; every link is streamed to the split's `GlobalDedupLinks` file, so memory is 16 bytes per key of
///    one band of the split plus that band's signatures. (A pair colliding in several bands is compared once per
///    band: more comparisons than one process, bounded memory.)
/// 2. `cluster(plan:indexes:links:)`: the union-find over the linked documents of every split (the connected
///    components are the same as one process finds: they depend only on which pairs are similar), then keepers,
///    similarities and removals exactly as `cluster` makes them, reading only the linked documents' rows.
extension GlobalDedupClusterer {
    /// Phase 2 (`GlobalDedupPhase.link`) for split `split` of `splits`: streams the links into `writer`; returns the pairs compared.
    public static func link(plan: GlobalDedupPlan, indexes: [(rank: Int, path: String)], split: Int, of splits: Int,
                            writer: GlobalDedupLinks.Writer) throws -> Int {
        var sink = writer
        return try link(plan: plan, dbs: try openIndexes(indexes), split: split, of: splits, into: &sink)
    }

    /// The links of split `split` of `splits`, put into `sink`; returns the pairs compared.
    static func link<S: LinkSink>(plan: GlobalDedupPlan, dbs: [SQLiteDB], split: Int, of splits: Int, into sink: inout S) throws -> Int {
        precondition(splits >= 1 && (0..<splits).contains(split))
        let store = SignatureStore(dbs: dbs, plan: plan)
        var comparisons = 0
        var keys = [(key: UInt64, doc: UInt64)]()
        for band in 0..<(try bandCount(dbs)) {
            keys.removeAll(keepingCapacity: true)
            for (d, db) in dbs.enumerated() {
                let st = try db.stmt("SELECT part, pos, bands FROM gdocs")
                while sqlite3_step(st) == SQLITE_ROW {
                    guard Int(sqlite3_column_bytes(st, 2)) >= (band + 1) * 8, let p = sqlite3_column_blob(st, 2) else { continue }
                    var k: UInt64 = 0
                    memcpy(&k, p + band * 8, 8)
                    if k % UInt64(splits) == UInt64(split) {
                        keys.append((k, SignatureStore.key(db: d, part: Int(sqlite3_column_int64(st, 0)), pos: Int(sqlite3_column_int64(st, 1)))))
                    }
                }
                sqlite3_reset(st)
            }
            keys.sort { ($0.key, $0.doc) < ($1.key, $1.doc) }
            comparisons += try linkBuckets(keys, plan: plan, store: store, sink: &sink)
            store.clearCache()
        }
        return comparisons
    }

    /// Compares each member of a bucket (run of equal keys) with each group already linked in the bucket until one
    /// member reaches the threshold, putting each link into `sink`; a group the sink already knows to be linked
    /// with the member costs no comparison (k copies of a text cost k comparisons, not k²/2). Returns the pairs
    /// compared.
    static func linkBuckets<S: LinkSink>(_ keys: [(key: UInt64, doc: UInt64)], plan: GlobalDedupPlan, store: SignatureStore,
                                         sink: inout S) throws -> Int {
        var comparisons = 0
        var i = 0
        while i < keys.count {
            var j = i + 1
            while j < keys.count && keys[j].key == keys[i].key { j += 1 }
            var groups = [[UInt64]]()
            for m in i..<j where j - i > 1 {
                let a = keys[m].doc
                var joined = [Int]()
                for (gi, g) in groups.enumerated() {
                    if sink.connected(g[0], a) { joined.append(gi); continue }
                    for b in g {
                        comparisons += 1
                        if try store.similarity(a, b) >= plan.threshold { try sink.add(a, b); joined.append(gi); break }
                    }
                }
                var merged = [a]
                for gi in joined { merged += groups[gi] }
                for gi in joined.reversed() { groups.remove(at: gi) }
                groups.append(merged)
            }
            i = j
        }
        return comparisons
    }

    /// Phase 3 (`GlobalDedupPhase.cluster`): the clusters of every split's links. Throws when the links come from different split counts.
    /// - Parameter links: the links file of each split, in split order.
    public static func cluster(plan: GlobalDedupPlan, indexes: [(rank: Int, path: String)], links: [String]) throws -> GlobalDedupResult {
        let dbs = try openIndexes(indexes)
        var uf = SparseUnionFind()
        var comparisons = 0
        for (i, path) in links.enumerated() {
            comparisons += try GlobalDedupLinks.read(path: path, split: i, of: links.count) { uf.union($0, $1) }
        }
        return try clusters(plan: plan, dbs: dbs, ranks: indexes.map(\.rank), linked: &uf, comparisons: comparisons)
    }

    /// The result for the linked documents of `linked`: members, keepers, similarities and removals, reading only
    /// those documents' rows.
    static func clusters(plan: GlobalDedupPlan, dbs: [SQLiteDB], ranks: [Int], linked uf: inout SparseUnionFind,
                         comparisons: Int) throws -> GlobalDedupResult {
        let store = SignatureStore(dbs: dbs, plan: plan)
        var groups = [UInt64: [UInt64]]()
        for (key, root) in uf.roots() { groups[root, default: []].append(key) }
        var recorded = 0
        for db in dbs {
            let st = try db.stmt("SELECT count(*) FROM gdocs")
            if sqlite3_step(st) == SQLITE_ROW { recorded += Int(sqlite3_column_int64(st, 0)) }
            sqlite3_reset(st)
        }
        return try result(plan: plan, groups: Array(groups.values), recorded: recorded, comparisons: comparisons,
                          doc: { try docInfo($0, dbs: dbs, ranks: ranks) }, similarity: store.similarity,
                          snippet: { k in let (d, part, pos) = SignatureStore.unpack(k); return try snippet(dbs[d], Int32(part), Int32(pos)) })
    }

    /// One recorded document's row.
    static func docInfo(_ k: UInt64, dbs: [SQLiteDB], ranks: [Int]) throws -> DocInfo {
        let (d, part, pos) = SignatureStore.unpack(k)
        let db = dbs[d]
        let st = try db.stmt("SELECT ord, doc_id, length, priority FROM gdocs WHERE part = ? AND pos = ?")
        db.bind(st, 1, Int64(part)); db.bind(st, 2, Int64(pos))
        defer { sqlite3_reset(st) }
        guard sqlite3_step(st) == SQLITE_ROW else {
            throw GlobalDedupError("the index of rank \(ranks[d]) has no document at part \(part), line \(pos): it changed after the links were made; run the splits again")
        }
        return DocInfo(id: db.text(st, 1), rank: ranks[d], part: part, pos: pos, ord: sqlite3_column_int64(st, 0),
                       length: Int(sqlite3_column_int64(st, 2)), priority: sqlite3_column_type(st, 3) == SQLITE_NULL ? nil : sqlite3_column_double(st, 3))
    }

    /// The number of bands recorded (the longest `bands` blob, in 8-byte keys).
    static func bandCount(_ dbs: [SQLiteDB]) throws -> Int {
        var n = 0
        for db in dbs {
            let st = try db.stmt("SELECT max(length(bands)) FROM gdocs")
            if sqlite3_step(st) == SQLITE_ROW { n = max(n, Int(sqlite3_column_int64(st, 0)) / 8) }
            sqlite3_reset(st)
        }
        return n
    }
}

/// Where the link step puts the links it finds: a split's links file, or (one process) the union-find itself.
protocol LinkSink {
    /// Whether `a` and `b` are known to be linked already, so comparing them can be skipped.
    mutating func connected(_ a: UInt64, _ b: UInt64) -> Bool
    mutating func add(_ a: UInt64, _ b: UInt64) throws
}

extension GlobalDedupLinks.Writer: LinkSink {
    /// A split job keeps no links in memory, so it never knows.
    func connected(_ a: UInt64, _ b: UInt64) -> Bool { false }
}

extension SparseUnionFind: LinkSink {
    mutating func connected(_ a: UInt64, _ b: UInt64) -> Bool { find(a) == find(b) }
    mutating func add(_ a: UInt64, _ b: UInt64) { union(a, b) }
}
