import DomainForgeCore
import Foundation

/// What `pipeline slurm` submitted for one output folder, `OUT/slurm/jobs.json`: the config, the world size and
/// every submission (newest last). `pipeline status` and a later `pipeline slurm` read it.
public struct SlurmJobRecord: Codable, Sendable, Equatable {
    /// One sbatch submission.
    public struct Submission: Codable, Sendable, Equatable {
        /// `ranks` (the array job) or `dedup-global`.
        public var kind: String
        public var jobID: String
        /// The ranks of an array job.
        public var ranks: [Int]?
        public var script: String
        /// Seconds since 1970.
        public var submittedAt: Double

        enum CodingKeys: String, CodingKey {
            case kind, jobID = "job_id", ranks, script, submittedAt = "submitted_at"
        }
    }

    public var config: String
    public var worldSize: Int
    public var submissions: [Submission] = []

    enum CodingKeys: String, CodingKey { case config, worldSize = "world_size", submissions }

    public init(config: String, worldSize: Int) { self.config = config; self.worldSize = worldSize }

    public static func path(outputDir: String) -> String { "\(outputDir)/slurm/jobs.json" }

    /// The record of `outputDir`, or nil when nothing was submitted for it.
    public static func load(outputDir: String) throws -> SlurmJobRecord? {
        guard let d = FileManager.default.contents(atPath: path(outputDir: outputDir)) else { return nil }
        do { return try JSONDecoder().decode(SlurmJobRecord.self, from: d) } catch {
            throw SlurmError("\(path(outputDir: outputDir)) is unreadable (\(error)); remove it to submit afresh")
        }
    }

    public func save(outputDir: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let f = try AtomicOutputFile(path: Self.path(outputDir: outputDir))
        try f.write(Array(try enc.encode(self)) + [10])
        try f.commit()
    }

    /// The job ids of every submission.
    public var jobIDs: Set<String> { Set(submissions.map(\.jobID)) }

    /// The newest array job that included `rank`.
    public func job(forRank rank: Int) -> Submission? {
        submissions.last { $0.kind == "ranks" && ($0.ranks ?? []).contains(rank) }
    }
}
