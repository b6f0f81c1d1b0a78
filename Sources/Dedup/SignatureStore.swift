import CSQLite
import DomainForgeCore
import Foundation

/// The recorded signatures (or shingles, or exact hashes) of the global dedup indexes, fetched by document and cached,
/// and the similarity the plan uses. A document is addressed by its index (rank order), part and position.
final class SignatureStore {
    let dbs: [SQLiteDB]
    let plan: GlobalDedupPlan
    private var cache = [UInt64: [UInt8]]()

    init(dbs: [SQLiteDB], plan: GlobalDedupPlan) { self.dbs = dbs; self.plan = plan }

    /// `db` (8 bits), `part` (24 bits) and `pos` (32 bits) in one key.
    static func key(db: Int, part: Int, pos: Int) -> UInt64 { UInt64(db) << 56 | UInt64(part) << 32 | UInt64(UInt32(pos)) }
    static func unpack(_ k: UInt64) -> (db: Int, part: Int, pos: Int) { (Int(k >> 56), Int((k >> 32) & 0xFF_FFFF), Int(k & 0xFFFF_FFFF)) }

    /// Forgets the cached signatures (a split job clears them after each band, so its memory stays bounded).
    func clearCache() { cache.removeAll(keepingCapacity: true) }

    func signature(_ k: UInt64) throws -> [UInt8] {
        if let s = cache[k] { return s }
        let (d, part, pos) = Self.unpack(k)
        let db = dbs[d]
        let st = try db.stmt("SELECT sig FROM gdocs WHERE part = ? AND pos = ?")
        db.bind(st, 1, Int64(part)); db.bind(st, 2, Int64(pos))
        var out = [UInt8]()
        if sqlite3_step(st) == SQLITE_ROW, let p = sqlite3_column_blob(st, 0) {
            out = Array(UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(st, 0))))
        }
        sqlite3_reset(st)
        cache[k] = out
        return out
    }

    /// The plan's similarity of two documents: exact-hash equality, the MinHash estimate or exact Jaccard.
    func similarity(_ a: UInt64, _ b: UInt64) throws -> Double {
        let x = try signature(a), y = try signature(b)
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
                y.withUnsafeBytes { py in MinHasher.jaccard(px.bindMemory(to: UInt32.self), py.bindMemory(to: UInt32.self)) }
            }
        }
    }
}
