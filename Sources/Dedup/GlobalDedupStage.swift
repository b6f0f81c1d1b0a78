import DomainForgeCore

/// An ordered dedup stage configured with `mode: global`: it keeps every document during the run and records it
/// for the finishing step (`GlobalDedupClusterer`).
public protocol GlobalDedupStage: OrderedStage {
    /// The plan for the finishing step, or nil when the stage runs online.
    var globalPlan: GlobalDedupPlan? { get }
    /// Tells the stage each input file's position in the sorted list of all inputs (`metadata.source` name to
    /// index), so documents are ordered the same way whatever the world size. Call before the first part.
    func setInputOrder(_ order: [String: Int])
}
