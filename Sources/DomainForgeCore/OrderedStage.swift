/// A stage that needs documents one at a time in input order, with state that grows across the corpus
/// (deduplication, decontamination, repeated-line removal).
///
/// The executor calls `prepare` on worker threads (in parallel, any order) for the per-document work, such as
/// hashing or MinHash signatures, and `decide` on the writer thread in input order, so the outcome is deterministic
/// whatever the number of workers. Stages after an ordered stage also run on the writer thread, so put ordered
/// stages late (or dedup in a pipeline of its own, as datatrove does) and expensive per-document stages before them.
///
/// Resume contract: state is kept per part. `beginPart`/`endPart` bracket the documents of part `p`; `endPart` must
/// make the part's state durable before it returns (the executor records the part as finished right after).
/// `resume(finishedParts:)` is called once before the first part and must forget state from any part not listed,
/// so a part that was interrupted and is redone sees exactly what it saw the first time.
public protocol OrderedStage: AnyObject, Sendable {
    /// The stage's name in stats and rejects. Unique within a pipeline.
    var name: String { get }
    /// Per-document work, on worker threads; the result is handed to `decide`.
    func prepare(_ document: Document) -> [UInt64]
    /// The decision, on the writer thread, in input order. May modify the document.
    func decide(_ document: inout Document, prepared: [UInt64], counters: inout StageCounters) -> StageVerdict
    func beginPart(_ part: Int) throws
    func endPart(_ part: Int) throws
    func resume(finishedParts: Set<Int>) throws
    /// Called after the last part; write reports (e.g. dedup clusters, contamination found).
    func finish() throws
}

/// One step of a pipeline: a per-document stage (parallel) or an ordered stage (sequential, in input order).
public enum PipelineStep: Sendable {
    case document(any DocumentStage)
    case ordered(any OrderedStage)

    public var name: String {
        switch self {
        case .document(let s): return s.name
        case .ordered(let s): return s.name
        }
    }
}
