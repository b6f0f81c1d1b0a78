/// The per-document half of an ordered stage: pure work on one document (hashing, MinHash signatures, n-gram
/// matching) that the executor runs on worker threads, in parallel and in any order. It holds only immutable
/// settings and tables, so it is `Sendable` without locks; its result is handed to the stage's `decide`.
public protocol OrderedPreparer: Sendable {
    /// What `prepare` computes for one document.
    associatedtype Prepared: Sendable
    /// Per-document work, on worker threads.
    func prepare(_ document: Document) -> Prepared
}

/// A stage that needs documents one at a time in input order, with state that grows across the corpus
/// (deduplication, decontamination, repeated-line removal).
///
/// The stage is split in two: its `preparer` (`Sendable`, immutable) does the per-document work on worker threads
/// (in parallel, any order), and the stage itself (the decider, owned by the writer thread, never shared) calls
/// `decide` in input order, so the outcome is deterministic whatever the number of workers. Stages after an
/// ordered stage also run on the writer thread, so put ordered stages late (or dedup in a pipeline of its own, as
/// datatrove does) and expensive per-document stages before them.
///
/// `decide` throws when the stage's state cannot be read or written (an index error: SQLite failure, full disk).
/// The executor then fails the part (it is not recorded as finished) and the run, with the error naming the index;
/// a document is never kept because its index could not be consulted.
///
/// Resume contract: state is kept per part. `beginPart`/`endPart` bracket the documents of part `p`; `endPart` must
/// make the part's state durable before it returns (the executor records the part as finished right after).
/// `resume(finishedParts:)` is called once before the first part and must forget state from any part not listed,
/// so a part that was interrupted and is redone sees exactly what it saw the first time.
public protocol OrderedStage: AnyObject {
    /// What the preparer computes for one document.
    associatedtype Prepared: Sendable
    /// The type of the per-document half.
    associatedtype Preparer: OrderedPreparer where Preparer.Prepared == Prepared
    /// The stage's name in stats and rejects. Unique within a pipeline.
    var name: String { get }
    /// The per-document half, handed to worker threads.
    var preparer: Preparer { get }
    /// The decision, on the writer thread, in input order. May modify the document. A drop of a duplicate carries
    /// the kept document and the similarity in `details`. Throws on an index error (the part fails).
    func decide(_ document: inout Document, prepared: Prepared, counters: inout StageCounters) throws -> StageVerdict
    func beginPart(_ part: Int) throws
    func endPart(_ part: Int) throws
    func resume(finishedParts: Set<Int>) throws
    /// Called after the last part; write reports (e.g. dedup clusters, contamination found).
    func finish() throws
}

extension OrderedStage {
    /// Prepares and decides one document on the calling thread (sequential callers: SFT validation, tests).
    public func decide(_ document: inout Document, counters: inout StageCounters) throws -> StageVerdict {
        try decide(&document, prepared: preparer.prepare(document), counters: &counters)
    }

    /// `decide` for callers holding `any OrderedStage` and the preparer's result as `any Sendable` (the executor).
    /// `prepared` must come from this stage's preparer.
    public func decide(_ document: inout Document, erasedPrepared prepared: any Sendable,
                       counters: inout StageCounters) throws -> StageVerdict {
        guard let p = prepared as? Prepared else {
            preconditionFailure("stage \(name): prepared value of type \(type(of: prepared)), expected \(Prepared.self)")
        }
        return try decide(&document, prepared: p, counters: &counters)
    }

    /// The preparer, type-erased, for worker threads.
    public var anyPreparer: any OrderedPreparer { preparer }
}

/// One step of a pipeline: a per-document stage (parallel) or an ordered stage (sequential, in input order).
/// Ordered stages are owned by the writer thread, so a step is not `Sendable`; workers get the preparers.
public enum PipelineStep {
    case document(any DocumentStage)
    case ordered(any OrderedStage)

    public var name: String {
        switch self {
        case .document(let s): return s.name
        case .ordered(let s): return s.name
        }
    }
}
