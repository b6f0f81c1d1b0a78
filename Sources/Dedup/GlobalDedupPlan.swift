/// What the global finishing step needs to know about a `mode: global` dedup stage: how to compare two recorded
/// documents, which one to keep and what to call the drop. Written by the run beside its outputs, so
/// `pipeline dedup-global OUT` needs nothing but the output folder.
public struct GlobalDedupPlan: Codable, Sendable, Equatable {
    /// How two documents sharing a band key are compared.
    public enum Similarity: String, Codable, Sendable {
        /// Equal 128-bit hashes (`exact_dedup`); similarity 1.
        case exact
        /// Fraction of equal MinHash signature values (`minhash_dedup`, the default).
        case signature
        /// Exact Jaccard of the shingle sets (`minhash_dedup` with `verify_jaccard: true`).
        case jaccard
    }

    /// The stage's name (its `type`), used in stats and rejects; the finishing step reports as `<stage>_global`.
    public var stage: String
    public var keep: KeepPolicy
    /// The metadata key read by `keep: priority`.
    public var priorityField: String?
    public var similarity: Similarity
    /// Two documents are linked when their similarity reaches this value.
    public var threshold: Double
    /// The drop reason written for removed documents: `exact_duplicate` or `near_duplicate`.
    public var reason: String
    /// The metadata key the finishing step writes on each cluster's keeper with the cluster's size
    /// (`minhash_cluster_size`, as FineWeb-2), or nil for none.
    public var clusterSizeField: String?

    public init(stage: String, keep: KeepPolicy, priorityField: String?, similarity: Similarity, threshold: Double, reason: String,
                clusterSizeField: String? = nil) {
        self.clusterSizeField = clusterSizeField
        self.stage = stage
        self.keep = keep
        self.priorityField = priorityField
        self.similarity = similarity
        self.threshold = threshold
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case stage, keep, similarity, threshold, reason
        case priorityField = "priority_field"
        case clusterSizeField = "cluster_size_field"
    }

    /// The index file a global stage writes inside its state folder.
    public static let indexFileName = "global.sqlite"
}
