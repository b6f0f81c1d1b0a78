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
///   hash), found one band at a time by sorting `(key, document)` pairs, so memory is one band's keys, the
///   signatures of that band's candidates, and the union-find and rows of the linked documents only. The one-process
///   step is split 0 of 1 of the split step (`GlobalDedupClusterer+Split.swift`) with the union-find as its sink.
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
        let dbs = try openIndexes(indexes)  // written in phase 1, GlobalDedupPhase.record
        var uf = SparseUnionFind()
        let comparisons = try link(plan: plan, dbs: dbs, split: 0, of: 1, into: &uf)  // phase 2, GlobalDedupPhase.link
        return try clusters(plan: plan, dbs: dbs, ranks: indexes.map(\.rank), linked: &uf, comparisons: comparisons)
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
