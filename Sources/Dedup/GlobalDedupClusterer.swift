import CSQLite
import DomainForgeCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The decision of a `mode: global` dedup: reads the `gdocs` tables of every rank's index, links documents,
/// clusters them with union-find and picks one keeper per cluster.
///
/// - Candidates: documents sharing a band key (the 64-bit hash of one MinHash band, or the first half of the exact
///   hash), found one band at a time by sorting `(key, document)` pairs, so memory is a few arrays of one entry per
///   document plus the signatures of the candidates compared.
/// - Links: a candidate pair is linked when its similarity (`GlobalDedupPlan.Similarity`) reaches the threshold;
///   pairs already in one cluster are not compared again. Clusters are the connected components, so a chain
///   A~B~C is one cluster even when A and C are below the threshold. Within a bucket, a document is compared with
///   each group of already linked members until one member reaches the threshold (k copies of a text cost k
///   comparisons); a bucket of k mutually dissimilar documents costs k²/2.
/// - Keeper: by `KeepPolicy`, ties by input order (`ord`: file index in the sorted list of all inputs, then
///   position in the file). Neither depends on the ranks, so the outcome is the same for every world size.
/// - Each removed document names its keeper and its similarity with it (which, in a chain, may be below the
///   threshold).
public enum GlobalDedupClusterer {
    /// Clusters the documents recorded in `indexes` (one SQLite index per rank, as written by the stage).
    /// Throws `GlobalDedupError` when an index is missing or was written by another kind of stage.
    public static func cluster(plan: GlobalDedupPlan, indexes: [(rank: Int, path: String)]) throws -> GlobalDedupResult {
        var rowDB = [Int32](), rank = [Int32](), part = [Int32](), pos = [Int32](), ord = [Int64]()
        var length = [Int](), priority = [Double?](), ids = [String]()
        var bandCount = 0
        let dbs = try openIndexes(indexes)
        for (d, db) in dbs.enumerated() {
            let r = indexes[d].rank
            let st = try db.stmt("SELECT part, pos, ord, doc_id, length, priority, length(bands) FROM gdocs ORDER BY part, pos")
            while sqlite3_step(st) == SQLITE_ROW {
                rowDB.append(Int32(d)); rank.append(Int32(r))
                part.append(Int32(sqlite3_column_int64(st, 0))); pos.append(Int32(sqlite3_column_int64(st, 1)))
                ord.append(sqlite3_column_int64(st, 2)); ids.append(db.text(st, 3)); length.append(Int(sqlite3_column_int64(st, 4)))
                priority.append(sqlite3_column_type(st, 5) == SQLITE_NULL ? nil : sqlite3_column_double(st, 5))
                bandCount = max(bandCount, Int(sqlite3_column_int64(st, 6)) / 8)
            }
            sqlite3_reset(st)
        }
        let n = ids.count
        var uf = UnionFind(count: n)
        var linked = [Bool](repeating: false, count: n)
        let store = SignatureStore(dbs: dbs, plan: plan)
        func similarity(_ a: Int, _ b: Int) throws -> Double {
            try store.similarity(SignatureStore.key(db: Int(rowDB[a]), part: Int(part[a]), pos: Int(pos[a])),
                                 SignatureStore.key(db: Int(rowDB[b]), part: Int(part[b]), pos: Int(pos[b])))
        }

        var comparisons = 0
        var keys = [(key: UInt64, row: Int32)]()
        keys.reserveCapacity(n)
        for band in 0..<bandCount {
            keys.removeAll(keepingCapacity: true)
            var row = 0
            for db in dbs {
                let st = try db.stmt("SELECT bands FROM gdocs ORDER BY part, pos")
                while sqlite3_step(st) == SQLITE_ROW {
                    if Int(sqlite3_column_bytes(st, 0)) >= (band + 1) * 8, let p = sqlite3_column_blob(st, 0) {
                        var k: UInt64 = 0
                        memcpy(&k, p + band * 8, 8)
                        keys.append((k, Int32(row)))
                    }
                    row += 1
                }
                sqlite3_reset(st)
            }
            keys.sort { ($0.key, $0.row) < ($1.key, $1.row) }
            var i = 0
            while i < keys.count {
                var j = i + 1
                while j < keys.count && keys[j].key == keys[i].key { j += 1 }
                if j - i > 1 {
                    // The bucket's members grouped by the clusters found among them so far: a new member is compared
                    // with the members of each group until one reaches the threshold, so a bucket of k copies of one
                    // text costs k comparisons, not k²/2.
                    var groups = [[Int]]()
                    for m in i..<j {
                        let a = Int(keys[m].row)
                        var joined = [Int]()
                        for (gi, g) in groups.enumerated() {
                            if uf.find(g[0]) == uf.find(a) { joined.append(gi); continue }
                            for b in g {
                                comparisons += 1
                                if try similarity(a, b) >= plan.threshold {
                                    uf.union(a, b)
                                    linked[a] = true; linked[b] = true
                                    joined.append(gi)
                                    break
                                }
                            }
                        }
                        if joined.isEmpty {
                            groups.append([a])
                        } else {
                            var merged = [a]
                            for gi in joined { merged += groups[gi] }
                            for gi in joined.reversed() { groups.remove(at: gi) }
                            groups.append(merged)
                        }
                    }
                }
                i = j
            }
        }

        // Components of two or more documents.
        var groups = [Int: [Int]]()
        for r in 0..<n where linked[r] { groups[uf.find(r), default: []].append(r) }
        return try result(plan: plan, groups: Array(groups.values), recorded: n, comparisons: comparisons,
                          doc: { r in DocInfo(id: ids[r], rank: Int(rank[r]), part: Int(part[r]), pos: Int(pos[r]), ord: ord[r],
                                              length: length[r], priority: priority[r]) },
                          similarity: similarity,
                          snippet: { r in try snippet(dbs[Int(rowDB[r])], part[r], pos[r]) })
    }

    /// What the result needs of a recorded document.
    struct DocInfo {
        var id: String
        var rank: Int, part: Int, pos: Int
        var ord: Int64
        var length: Int
        var priority: Double?
    }

    /// The clusters of `groups` (each a component of two or more linked documents, in any order): members in input
    /// order, one keeper by the plan's policy, each removal with its keeper and similarity; clusters in the input
    /// order of their first member.
    static func result<D>(plan: GlobalDedupPlan, groups: [[D]], recorded: Int, comparisons: Int, doc: (D) throws -> DocInfo,
                          similarity: (D, D) throws -> Double, snippet: (D) throws -> String) throws -> GlobalDedupResult {
        func before(_ a: DocInfo, _ b: DocInfo) -> Bool { (a.ord, a.rank, a.part, a.pos) < (b.ord, b.rank, b.part, b.pos) }
        let sorted = try groups.map { g in try g.map { ($0, try doc($0)) }.sorted { before($0.1, $1.1) } }
            .sorted { before($0[0].1, $1[0].1) }
        var clusters = [GlobalDedupResult.Cluster]()
        var drops = [GlobalDedupResult.PartKey: [GlobalDedupResult.Drop]]()
        for rows in sorted {
            var keeper = 0
            for k in rows.indices.dropFirst() {
                let (r, best) = (rows[k].1, rows[keeper].1)
                switch plan.keep {
                case .first: break
                case .longest: if r.length > best.length { keeper = k }
                case .priority: if (r.priority ?? -.infinity) > (best.priority ?? -.infinity) { keeper = k }
                }
            }
            let kept = rows[keeper].1
            var members = [GlobalDedupResult.Member]()
            for (k, (d, info)) in rows.enumerated() {
                let sim = k == keeper ? 1 : try similarity(d, rows[keeper].0)
                members.append(.init(id: info.id, rank: info.rank, part: info.part, position: info.pos, length: info.length,
                                     priority: info.priority, similarity: sim, snippet: try snippet(d)))
                if k != keeper {
                    drops[.init(rank: info.rank, part: info.part), default: []]
                        .append(.init(position: info.pos, id: info.id, keptID: kept.id, similarity: sim))
                }
            }
            clusters.append(.init(keeper: members[keeper], members: members))
        }
        for k in drops.keys { drops[k]!.sort { $0.position < $1.position } }
        return GlobalDedupResult(plan: plan, recorded: recorded, comparisons: comparisons, clusters: clusters, drops: drops)
    }

    /// Opens every rank's index, refusing a missing one or one written by another kind of stage.
    static func openIndexes(_ indexes: [(rank: Int, path: String)]) throws -> [SQLiteDB] {
        var dbs = [SQLiteDB]()
        for (r, path) in indexes {
            guard FileManager.default.fileExists(atPath: path) else {
                throw GlobalDedupError("rank \(r) has no global dedup index at \(path); run that rank (pipeline run CONFIG --rank \(r) "
                                       + "--world-size N) before pipeline dedup-global")
            }
            let db = try SQLiteDB(path: path)
            let t = try db.stmt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'gdocs'")
            let hasTable = sqlite3_step(t) == SQLITE_ROW && sqlite3_column_int64(t, 0) == 1
            sqlite3_reset(t)
            guard hasTable else {
                throw GlobalDedupError("\(path) is not the index of a mode: global dedup stage; set mode: global on the stage and run again")
            }
            dbs.append(db)
        }
        return dbs
    }

    static func snippet(_ db: SQLiteDB, _ part: Int32, _ pos: Int32) throws -> String {
        let st = try db.stmt("SELECT snippet FROM gdocs WHERE part = ? AND pos = ?")
        db.bind(st, 1, Int64(part)); db.bind(st, 2, Int64(pos))
        defer { sqlite3_reset(st) }
        return sqlite3_step(st) == SQLITE_ROW ? db.text(st, 0) : ""
    }
}
