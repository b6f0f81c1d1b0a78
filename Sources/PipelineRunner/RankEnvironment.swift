/// The rank and world size of a process, from the command line or else from the scheduler's environment: Slurm
/// array tasks (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`) and Kubernetes Indexed Jobs
/// (`JOB_COMPLETION_INDEX`, which needs an explicit world size), so one command line works under either.
public enum RankEnvironment {
    /// `rank` and `worldSize` as given, else from `env`, else 0 and 1. Throws `RunError` when they do not fit.
    ///
    /// `SLURM_ARRAY_TASK_COUNT` is the number of tasks of this submission: an array resubmitted for some ranks only
    /// has fewer, so scripts that resubmit (those of `pipeline slurm`) pass `--world-size` explicitly.
    public static func resolve(rank: Int?, worldSize: Int?, env: [String: String]) throws -> (rank: Int, worldSize: Int) {
        var r = rank, n = worldSize
        if r == nil, let id = env["SLURM_ARRAY_TASK_ID"] {
            guard let v = Int(id) else { throw RunError("SLURM_ARRAY_TASK_ID is '\(id)', not a number") }
            r = v
            if n == nil, let c = env["SLURM_ARRAY_TASK_COUNT"] {
                guard let v = Int(c) else { throw RunError("SLURM_ARRAY_TASK_COUNT is '\(c)', not a number") }
                n = v
            }
        } else if r == nil, let idx = env["JOB_COMPLETION_INDEX"] {
            guard let v = Int(idx) else { throw RunError("JOB_COMPLETION_INDEX is '\(idx)', not a number") }
            guard n != nil else { throw RunError("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): give --world-size, the Job's completions") }
            r = v
        }
        let rank = r ?? 0, size = n ?? 1
        guard size >= 1 else { throw RunError("the world size must be at least 1, not \(size)") }
        guard rank >= 0 && rank < size else { throw RunError("the rank must be between 0 and \(size - 1) (world size \(size)), not \(rank)") }
        return (rank, size)
    }
}
