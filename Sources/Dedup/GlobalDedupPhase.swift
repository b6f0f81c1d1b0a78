/// The phases of a `mode: global` dedup, numbered as datatrove numbers its MinHash stages (signatures, buckets,
/// clusters, filter). Each phase is its own function, so the split ones can run as separate jobs.
public enum GlobalDedupPhase: Int, Sendable, CaseIterable {
    /// 1. During `pipeline run`, in input order: each rank records every document's band keys and signature (or
    /// shingles, or exact hash) in its index and keeps the document (`GlobalDedupRecorder`, through
    /// `DedupIndexRun.decide`).
    case record = 1
    /// 2. Candidates sharing a band key are compared and the pairs reaching the threshold are linked, one band at a
    /// time, optionally in splits (`GlobalDedupClusterer.link`, `pipeline dedup-global --split k/n`).
    case link = 2
    /// 3. Union-find over the links, then one keeper per cluster by the keep policy (`GlobalDedupClusterer.clusters`).
    case cluster = 3
    /// 4. Each part's documents file is rewritten without the removed documents, with their rejects
    /// (`GlobalDedupFinisher.rewrite`).
    case filter = 4
}
