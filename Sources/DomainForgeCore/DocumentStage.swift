/// What a stage decided about one document.
public enum StageVerdict: Sendable, Equatable {
    /// The document goes on to the next stage (possibly modified in place).
    case keep
    /// The document leaves the pipeline; `reason` is a short snake_case name such as `gopher_short_doc`,
    /// counted in the stats as `dropped_<reason>` and written to the rejects file; `details` (dedup stages) name the
    /// kept document it duplicates, written to the rejects as `duplicate_of` and `similarity`.
    case drop(reason: String, details: DropDetails? = nil)
}

/// What a dedup stage found about a dropped document: the kept document it duplicates and their similarity
/// (1 for an exact duplicate; the exact Jaccard or the MinHash estimate for a near duplicate).
public struct DropDetails: Sendable, Equatable {
    /// The id of the kept document.
    public var duplicateOf: String
    /// The similarity of the two, 0...1.
    public var similarity: Double
    public init(duplicateOf: String, similarity: Double) {
        self.duplicateOf = duplicateOf
        self.similarity = similarity
    }
}

/// Named counters a stage may bump besides kept/dropped, e.g. `pii_email_redacted` or `c4_lines_removed`.
public struct StageCounters: Sendable, Equatable {
    public var values: [String: Int] = [:]
    public init() {}
    /// Adds `amount` to the counter `name`.
    public mutating func add(_ name: String, _ amount: Int = 1) {
        values[name, default: 0] += amount
    }
    /// Adds every counter of `other` into this one.
    public mutating func merge(_ other: StageCounters) {
        for (k, v) in other.values { values[k, default: 0] += v }
    }
    public subscript(name: String) -> Int { values[name] ?? 0 }
}

/// A per-document processing step: a filter, a transform, or both.
///
/// Implementations must be deterministic and free of shared mutable state: the executor calls `process`
/// concurrently from several worker threads on different documents. The executor owns the loop, the
/// accounting (total / kept / dropped by reason) and the rejects file, so a stage only decides.
public protocol DocumentStage: Sendable {
    /// The stage's name in stats and rejects, e.g. `gopher_quality`. Unique within a pipeline.
    var name: String { get }
    /// Processes one document. Modify `document` in place to transform it; return `.drop(reason:)` to remove it.
    /// Use `counters` for extra counts (lines removed, redactions made).
    func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict
}
