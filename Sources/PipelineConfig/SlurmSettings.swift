import DomainForgeCore

/// The `execution.slurm` settings of a pipeline config: defaults for `pipeline slurm`, whose command-line options
/// override them field by field.
public struct SlurmSettings: Sendable, Equatable {
    /// Array tasks of the phase (its world size).
    public var tasks: Int?
    public var partition: String?
    /// sbatch `--time` of each task (`HH:MM:SS`, `D-HH:MM:SS`, minutes).
    public var time: String?
    public var cpusPerTask: Int?
    public var mem: String?
    public var memPerCPU: String?
    /// At most this many array tasks at once.
    public var maxParallel: Int?
    /// Jobs the global dedup step's clustering is split over (band keys by residue), then merged; nil or 1: one job.
    public var dedupTasks: Int?
    public var qos: String?
    public var account: String?
    /// Further sbatch arguments, passed as given.
    public var sbatchArgs: [String] = []

    public init() {}

    /// Reads the (schema-validated) `execution.slurm` object.
    public init(_ v: JSONValue) {
        tasks = v["tasks"]?.intValue
        partition = v["partition"]?.stringValue
        time = v["time"]?.stringValue
        cpusPerTask = v["cpus_per_task"]?.intValue
        mem = v["mem"]?.stringValue
        memPerCPU = v["mem_per_cpu"]?.stringValue
        maxParallel = v["max_parallel"]?.intValue
        dedupTasks = v["dedup_tasks"]?.intValue
        qos = v["qos"]?.stringValue
        account = v["account"]?.stringValue
        sbatchArgs = v["sbatch_args"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// These settings with every field that `other` sets taken from `other` (extra sbatch arguments are appended).
    public func overridden(by other: SlurmSettings) -> SlurmSettings {
        var s = self
        s.tasks = other.tasks ?? tasks
        s.partition = other.partition ?? partition
        s.time = other.time ?? time
        s.cpusPerTask = other.cpusPerTask ?? cpusPerTask
        s.maxParallel = other.maxParallel ?? maxParallel
        s.dedupTasks = other.dedupTasks ?? dedupTasks
        s.qos = other.qos ?? qos
        s.account = other.account ?? account
        if other.mem != nil || other.memPerCPU != nil { s.mem = other.mem; s.memPerCPU = other.memPerCPU }
        s.sbatchArgs = sbatchArgs + other.sbatchArgs
        return s
    }
}
