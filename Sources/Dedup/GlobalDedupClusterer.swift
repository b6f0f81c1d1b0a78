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
        var dbs = [SQLiteDB]()
        var rowDB = [Int32](), rank = [Int32](), part = [Int32](), pos = [Int32](), ord = [Int64]()
        var length = [Int](), priority = [Double?](), ids = [String]()
        var bandCount = 0
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
            let st = try db.stmt("SELECT part, pos, ord, doc_id, length, priority, length(bands) FROM gdocs ORDER BY part, pos")
            while sqlite3_step(st) == SQLITE_ROW {
                rowDB.append(Int32(dbs.count)); rank.append(Int32(r))
                part.append(Int32(sqlite3_column_int64(st, 0))); pos.append(Int32(sqlite3_column_int64(st, 1)))
                ord.append(sqlite3_column_int64(st, 2)); ids.append(db.text(st, 3)); length.append(Int(sqlite3_column_int64(st, 4)))
                priority.append(sqlite3_column_type(st, 5) == SQLITE_NULL ? nil : sqlite3_column_double(st, 5))
                bandCount = max(bandCount, Int(sqlite3_column_int64(st, 6)) / 8)
            }
            sqlite3_reset(st)
            dbs.append(db)
        }
        let n = ids.count
        var uf = UnionFind(count: n)
        var linked = [Bool](repeating: false, count: n)
        var cache = [Int: [UInt8]]()
        func sig(_ row: Int) throws -> [UInt8] {
            if let s = cache[row] { return s }
            let db = dbs[Int(rowDB[row])]
            let st = try db.stmt("SELECT sig FROM gdocs WHERE part = ? AND pos = ?")
            db.bind(st, 1, Int64(part[row])); db.bind(st, 2, Int64(pos[row]))
            var out = [UInt8]()
            if sqlite3_step(st) == SQLITE_ROW, let p = sqlite3_column_blob(st, 0) {
                out = Array(UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(st, 0))))
            }
            sqlite3_reset(st)
            cache[row] = out
            return out
        }
        func similarity(_ a: Int, _ b: Int) throws -> Double {
            let x = try sig(a), y = try sig(b)
            switch plan.similarity {
            case .exact:
                return x == y ? 1 : 0
            case .signature:
                guard x.count == y.count, x.count >= 8 else { return 0 }
                return x.withUnsafeBytes { px in
                    y.withUnsafeBytes { py in
                        let u = px.bindMemory(to: UInt64.self), v = py.bindMemory(to: UInt64.self)
                        var eq = 0
                        for i in 0..<u.count where u[i] == v[i] { eq += 1 }
                        return Double(eq) / Double(u.count)
                    }
                }
            case .jaccard:
                return x.withUnsafeBytes { px in
                    y.withUnsafeBytes { py in
                        MinHashDedupStage.jaccard(px.bindMemory(to: UInt32.self), py.bindMemory(to: UInt32.self))
                    }
                }
            }
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

        // Components of two or more documents, each in input order.
        var groups = [Int: [Int]]()
        for r in 0..<n where linked[r] { groups[uf.find(r), default: []].append(r) }
        func before(_ a: Int, _ b: Int) -> Bool { (ord[a], rank[a], part[a], pos[a]) < (ord[b], rank[b], part[b], pos[b]) }
        var clusters = [GlobalDedupResult.Cluster]()
        var drops = [GlobalDedupResult.PartKey: [GlobalDedupResult.Drop]]()
        for rows in groups.values.map({ $0.sorted(by: before) }).sorted(by: { before($0[0], $1[0]) }) {
            var keeper = rows[0]
            for r in rows.dropFirst() {
                switch plan.keep {
                case .first: break
                case .longest: if length[r] > length[keeper] { keeper = r }
                case .priority: if (priority[r] ?? -.infinity) > (priority[keeper] ?? -.infinity) { keeper = r }
                }
            }
            var members = [GlobalDedupResult.Member]()
            for r in rows {
                let sim = r == keeper ? 1 : try similarity(r, keeper)
                members.append(.init(id: ids[r], rank: Int(rank[r]), part: Int(part[r]), position: Int(pos[r]),
                                     length: length[r], priority: priority[r], similarity: sim, snippet: ""))
                if r != keeper {
                    drops[.init(rank: Int(rank[r]), part: Int(part[r])), default: []]
                        .append(.init(position: Int(pos[r]), id: ids[r], keptID: ids[keeper], similarity: sim))
                }
            }
            for (k, r) in rows.enumerated() { members[k].snippet = try snippet(dbs[Int(rowDB[r])], part[r], pos[r]) }
            clusters.append(.init(keeper: members[rows.firstIndex(of: keeper)!], members: members))
        }
        for k in drops.keys { drops[k]!.sort { $0.position < $1.position } }
        return GlobalDedupResult(plan: plan, recorded: n, comparisons: comparisons, clusters: clusters, drops: drops)
    }

    static func snippet(_ db: SQLiteDB, _ part: Int32, _ pos: Int32) throws -> String {
        let st = try db.stmt("SELECT snippet FROM gdocs WHERE part = ? AND pos = ?")
        db.bind(st, 1, Int64(part)); db.bind(st, 2, Int64(pos))
        defer { sqlite3_reset(st) }
        return sqlite3_step(st) == SQLITE_ROW ? db.text(st, 0) : ""
    }
}
