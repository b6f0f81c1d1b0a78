import Foundation

/// The accounting of the global dedup finishing step, `stats/dedup-global.json`: per rank, how many documents it
/// removed from that rank's output and how the documents files' size changed.
///
/// The ranks' own `stats/rank-NNNNN.json` stay as the run wrote them; `apply` adds the step to a rank's stats as a
/// last stage named `<stage>_global` (in = the rank's kept documents, dropped by `reason`) and lowers `kept` and
/// `output_bytes`, so `pipeline stats OUT` still balances.
public struct GlobalDedupStats: Codable, Sendable, Equatable {
    public struct Rank: Codable, Sendable, Equatable {
        public var rank: Int
        public var dropped: Int
        public var outputBytesDelta: Int
        enum CodingKeys: String, CodingKey { case rank, dropped, outputBytesDelta = "output_bytes_delta" }
    }

    /// The stats entry's name: `<stage>_global`.
    public var stage: String
    public var reason: String
    public var ranks: [Rank]

    public static let fileName = "dedup-global.json"

    /// Adds the global step to `stats` of `rank` (a rank the step did not touch gets the stage with no drops).
    public func apply(to stats: inout RunStats, rank: Int) {
        guard !stats.stages.contains(where: { $0.name == stage }) else { return }
        let r = ranks.first { $0.rank == rank }
        let n = r?.dropped ?? 0
        var s = StageStats(name: stage)
        s.total = stats.kept
        s.kept = stats.kept - n
        if n > 0 { s.dropped[reason] = n }
        stats.stages.append(s)
        stats.kept -= n
        stats.outputBytes += r?.outputBytesDelta ?? 0
    }

    /// Reads `OUT/stats/dedup-global.json`, or nil when the step has not run.
    public static func load(outputDir: String) throws -> GlobalDedupStats? {
        guard let d = FileManager.default.contents(atPath: "\(outputDir)/stats/\(fileName)") else { return nil }
        do {
            return try StatsCoding.decoder().decode(GlobalDedupStats.self, from: d)
        } catch {
            throw RunError("\(outputDir)/stats/\(fileName) is unreadable (\(error)); run pipeline dedup-global \(outputDir) again")
        }
    }
}
