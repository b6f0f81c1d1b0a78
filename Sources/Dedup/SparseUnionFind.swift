/// Disjoint sets over arbitrary 64-bit document keys, holding only the keys that were joined (memory grows with the
/// candidates, not with the corpus). Path halving and union by size; the sets do not depend on the order of `union`.
struct SparseUnionFind {
    private var parent: [UInt64: UInt64] = [:]
    private var size: [UInt64: Int] = [:]

    mutating func find(_ x: UInt64) -> UInt64 {
        var x = x
        while let p = parent[x], p != x {
            let gp = parent[p] ?? p
            parent[x] = gp
            x = gp
        }
        return x
    }

    /// Joins the sets of `a` and `b`; returns false when they were already one set.
    @discardableResult
    mutating func union(_ a: UInt64, _ b: UInt64) -> Bool {
        var ra = find(a), rb = find(b)
        if ra == rb { return false }
        if parent[ra] == nil { parent[ra] = ra; size[ra] = 1 }
        if parent[rb] == nil { parent[rb] = rb; size[rb] = 1 }
        if size[ra]! < size[rb]! { swap(&ra, &rb) }
        parent[rb] = ra
        size[ra]! += size[rb]!
        return true
    }

    /// Every joined key with the representative of its set.
    mutating func roots() -> [(key: UInt64, root: UInt64)] {
        parent.keys.sorted().map { ($0, find($0)) }
    }
}
