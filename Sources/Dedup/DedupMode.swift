/// How `exact_dedup` / `minhash_dedup` decide (`mode` option).
///
/// - `online`: a document is compared with the documents kept before it, on the writer thread, and dropped at
///   once (keep the first in input order; clusters are stars around their first document). Each rank deduplicates
///   its own share of the inputs.
/// - `global`: the stage keeps every document during `pipeline run` and records its hash or MinHash band keys in
///   the rank's index; `pipeline dedup-global OUT` (run automatically by a single-rank run) then reads every
///   rank's index, clusters duplicates with union-find, keeps one document per cluster by the `keep` policy and
///   removes the others from the output. The outcome does not depend on the number of ranks.
public enum DedupMode: String, Codable, Sendable, CaseIterable {
    case online
    case global
}
