import Dedup
import DomainForgeCore
import Foundation

/// What a run with a `mode: global` dedup stage leaves for the finishing step, `OUT/dedup/global-plan.json`:
/// the stage's plan and the output settings the rewritten files must keep.
public struct GlobalDedupJob: Codable, Sendable, Equatable {
    public var plan: GlobalDedupPlan
    /// The stage's type, which names its state folder (`dedup/<type>` or `dedup/rank-NNNNN/<type>`).
    public var stageType: String
    public var worldSize: Int
    /// zstd level of documents/ and rejects/ files, nil for plain JSONL.
    public var zstdLevel: Int32?
    public var writeRejects: Bool

    enum CodingKeys: String, CodingKey {
        case plan, worldSize = "world_size", zstdLevel = "zstd_level", writeRejects = "write_rejects"
        case stageType = "stage_type"
    }

    public static let fileName = "global-plan.json"

    var docExt: String { zstdLevel != nil ? ".jsonl.zst" : ".jsonl" }

    func write(outputDir: String) throws {
        let f = try AtomicOutputFile(path: "\(outputDir)/dedup/\(Self.fileName)")
        try f.write(Array(try StatsCoding.encoder(pretty: true).encode(self)) + [10])
        try f.commit(sync: false)
    }

    static func load(outputDir: String) throws -> GlobalDedupJob {
        let path = "\(outputDir)/dedup/\(fileName)"
        guard let d = FileManager.default.contents(atPath: path) else {
            throw GlobalDedupError("\(outputDir) has no \(path.dropFirst(outputDir.count + 1)): it is not the output of a pipeline with a "
                                   + "mode: global exact_dedup or minhash_dedup stage (or no rank has started); run the pipeline first")
        }
        do {
            return try StatsCoding.decoder().decode(GlobalDedupJob.self, from: d)
        } catch {
            throw GlobalDedupError("\(path) is unreadable (\(error)); run the pipeline again to rewrite it")
        }
    }
}
