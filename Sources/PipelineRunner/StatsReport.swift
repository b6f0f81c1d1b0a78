import DomainForgeCore
import Foundation

/// The merged accounting of an output folder, across ranks, finished or not.
public struct StatsReport: Sendable {
    public var total: RunStats
    /// Per rank: its stats and whether its completion marker exists.
    public var ranks: [(rank: Int, complete: Bool, stats: RunStats)]
    public var name: String?

    /// Ranks still in progress whose run state could not be read (another process held it busy): their figures are
    /// not in the totals, and the table says so.
    public var unreadable: [(rank: Int, reason: String)] = []

    /// Reads `stats/rank-*.json` of completed ranks, and the run state of ranks still in progress (read-only: a
    /// running rank is never disturbed, and one whose state is busy is listed in `unreadable` instead of failing).
    public static func load(outputDir: String) throws -> StatsReport {
        let fm = FileManager.default
        let stateDir = outputDir + "/state"
        guard let names = try? fm.contentsOfDirectory(atPath: stateDir) else {
            throw RunError("\(outputDir) is not a pipeline output folder (no state/ inside); pass the output.path of a run")
        }
        var report = StatsReport(total: RunStats(), ranks: [], name: nil)
        let global = try GlobalDedupStats.load(outputDir: outputDir)
        for n in names.sorted() where n.hasPrefix("rank-") && n.hasSuffix(".sqlite") {
            guard let r = Int(n.dropFirst(5).dropLast(7)) else { continue }
            let tag = String(format: "%05d", r)
            let complete = fm.fileExists(atPath: "\(outputDir)/completions/rank-\(tag)")
            var stats: RunStats
            if complete, let d = fm.contents(atPath: "\(outputDir)/stats/rank-\(tag).json"), let s = try? StatsCoding.decoder().decode(RunStats.self, from: d) {
                stats = s
            } else {
                do {
                    stats = try progressStats(statePath: stateDir + "/" + n)
                } catch {
                    report.unreadable.append((r, "\(error)"))
                    stats = RunStats()
                }
            }
            if complete { global?.apply(to: &stats, rank: r) }
            if report.name == nil, report.unreadable.last?.rank != r { report.name = try? RunStateDB(path: stateDir + "/" + n, readOnly: true).meta("name") }
            report.ranks.append((r, complete, stats))
            report.total.merge(stats)
        }
        if report.ranks.isEmpty { throw RunError("\(outputDir) has no run state yet; run the pipeline first") }
        return report
    }

    /// The stats of a rank still in progress: the sum of its finished parts, or its stage names when none is.
    static func progressStats(statePath: String) throws -> RunStats {
        let db = try RunStateDB(path: statePath, readOnly: true)
        var stats = RunStats()
        for (_, js) in try db.finishedParts().sorted(by: { $0.key < $1.key }) {
            if let s = try? StatsCoding.decoder().decode(RunStats.self, from: Data(js.utf8)) { stats.merge(s) }
        }
        if stats.stages.isEmpty, let st = try db.meta("stages"), !st.isEmpty {
            stats = RunStats(stageNames: st.split(separator: ",").map(String.init))
        }
        return stats
    }

    /// A human-readable table of the accounting.
    public func table() -> String {
        var lines = [String]()
        let t = total
        if let n = name { lines.append("pipeline: \(n)") }
        let done = ranks.filter(\.complete).count
        lines.append("ranks: \(done)/\(ranks.count) complete")
        for u in unreadable { lines.append("rank \(u.rank): in progress, its state is busy and not counted here (\(u.reason))") }
        lines.append("files: \(t.files)  input: \(Self.mb(t.inputBytes))  output: \(Self.mb(t.outputBytes))")
        lines.append("")
        lines.append(pad("documents in", 34) + rpad(t.documentsIn))
        lines.append(pad("  rejected (unreadable)", 34) + rpad(t.rejectedTotal))
        for (k, v) in t.rejected.sorted(by: { $0.key < $1.key }) { lines.append(pad("    \(k)", 34) + rpad(v)) }
        lines.append(pad("  read", 34) + rpad(t.documentsRead))
        lines.append("")
        lines.append(pad("stage", 22) + rpad("in") + rpad("kept") + rpad("dropped"))
        for s in t.stages {
            lines.append(pad(s.name, 22) + rpad(s.total) + rpad(s.kept) + rpad(s.droppedTotal))
            for (k, v) in s.dropped.sorted(by: { $0.key < $1.key }) { lines.append(pad("  dropped_\(k)", 44) + rpad(v)) }
            for (k, v) in s.counters.sorted(by: { $0.key < $1.key }) { lines.append(pad("  \(k)", 44) + rpad(v)) }
        }
        lines.append("")
        lines.append(pad("kept (written)", 34) + rpad(t.kept))
        lines.append(pad("dropped", 34) + rpad(t.droppedTotal))
        lines.append(pad("rejected", 34) + rpad(t.rejectedTotal))
        let ok = t.documentsIn == t.kept + t.droppedTotal + t.rejectedTotal
        lines.append("balance: \(t.documentsIn) in = \(t.kept) kept + \(t.droppedTotal) dropped + \(t.rejectedTotal) rejected \(ok ? "(ok)" : "(MISMATCH)")")
        return lines.joined(separator: "\n")
    }

    /// Machine-readable form (`stats --json`).
    public func json() throws -> String {
        struct Out: Encodable {
            var name: String?
            var complete: Bool
            var ranks: [Rank]
            var total: RunStats
            var balanced: Bool
            struct Rank: Encodable { var rank: Int; var complete: Bool; var stats: RunStats }
        }
        let enc = StatsCoding.encoder(pretty: true)
        let o = Out(name: name, complete: ranks.allSatisfy(\.complete), ranks: ranks.map { .init(rank: $0.rank, complete: $0.complete, stats: $0.stats) },
                    total: total, balanced: total.balanceProblem() == nil)
        return String(decoding: try enc.encode(o), as: UTF8.self)
    }

    static func mb(_ b: Int) -> String { String(format: "%.2f MB", Double(b) / 1e6) }
    func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count) }
    func rpad(_ v: Int) -> String { rpad(String(v)) }
    func rpad(_ s: String) -> String { s.count >= 11 ? " " + s : String(repeating: " ", count: 11 - s.count) + s }
}
