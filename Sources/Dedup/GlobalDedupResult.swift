import DomainForgeCore

/// What the global finishing step decided: the clusters (keeper and members) and, per rank and part, the
/// positions of the documents to remove from the part's documents file.
public struct GlobalDedupResult: Sendable, Equatable {
    /// One recorded document.
    public struct Member: Sendable, Equatable {
        public var id: String
        public var rank: Int
        public var part: Int
        /// Line of the document in its part's documents file (as the run wrote it).
        public var position: Int
        public var length: Int
        public var priority: Double?
        /// Similarity with the cluster's keeper (1 for the keeper itself).
        public var similarity: Double
        public var snippet: String
    }

    /// A group of linked documents; `members` (keeper included) are in input order.
    public struct Cluster: Sendable, Equatable {
        public var keeper: Member
        public var members: [Member]
    }

    /// A removal: the position in the part's file, the keeper's id and the similarity with it.
    public struct Drop: Sendable, Equatable {
        public var position: Int
        public var id: String
        public var keptID: String
        public var similarity: Double
    }

    /// Rank and part of a documents file.
    public struct PartKey: Hashable, Sendable, Comparable {
        public var rank: Int
        public var part: Int
        public init(rank: Int, part: Int) { self.rank = rank; self.part = part }
        public static func < (a: PartKey, b: PartKey) -> Bool { (a.rank, a.part) < (b.rank, b.part) }
    }

    public var plan: GlobalDedupPlan
    /// Documents recorded (with a key) over all ranks.
    public var recorded: Int
    /// Candidate pairs compared.
    public var comparisons: Int
    /// Clusters of two or more documents, in the input order of their first member.
    public var clusters: [Cluster]
    /// Removals per part, by position.
    public var drops: [PartKey: [Drop]]

    /// Documents removed in all.
    public var droppedTotal: Int { drops.values.reduce(0) { $0 + $1.count } }

    /// Writes `clusters.jsonl` (one line per cluster: `size`, `keeper`, `members` with `id`, `similarity`,
    /// `length`, `snippet`, largest clusters first) and `summary.json` into `directory` (for `dedup-report`).
    public func writeReport(directory: String) throws {
        try makeDirectory(directory)
        func round(_ d: Double) -> JSONValue { .double((d * 10_000).rounded() / 10_000) }
        let order = clusters.indices.sorted { (clusters[$0].members.count, -$0) > (clusters[$1].members.count, -$1) }
        let f = try AtomicOutputFile(path: directory + "/clusters.jsonl")
        var buf = [UInt8]()
        for i in order {
            let c = clusters[i]
            let members: [JSONValue] = c.members.map {
                .object(["id": .string($0.id), "similarity": round($0.similarity), "length": .int(Int64($0.length)),
                         "kept": .bool($0 == c.keeper), "snippet": .string($0.snippet)])
            }
            JSONWriter.write(.object(["size": .int(Int64(c.members.count)), "keeper": .string(c.keeper.id),
                                      "members": .array(members)]), into: &buf)
            buf.append(10)
            if buf.count > 1 << 20 { try f.write(buf); buf.removeAll(keepingCapacity: true) }
        }
        try f.write(buf)
        try f.commit()
        let summary: JSONValue = .object([
            "kind": .string(plan.stage + "_global"), "keep": .string(plan.keep.rawValue),
            "priority_field": plan.priorityField.map { .string($0) } ?? .null,
            "similarity": .string(plan.similarity.rawValue), "threshold": round(plan.threshold),
            "recorded": .int(Int64(recorded)), "comparisons": .int(Int64(comparisons)),
            "clusters": .int(Int64(clusters.count)), "dropped": .int(Int64(droppedTotal)),
        ])
        let s = try AtomicOutputFile(path: directory + "/global_summary.json")
        try s.write(Array(summary.serialized().utf8) + [10])
        try s.commit()
    }
}
