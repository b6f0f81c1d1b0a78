import Foundation
import PipelineConfig

/// The sbatch scripts of one phase, written under `OUT/slurm/` so they can be read and submitted again by hand.
/// Each task records its state in `OUT/slurm/status/` (running, then complete or failed with the exit code) for
/// `pipeline status`, since a one-node Slurm often has no accounting database.
public struct SlurmScript: Sendable {
    public var phase: PhaseChain.Phase
    public var settings: SlurmSettings
    /// The `pipeline` binary the tasks run (absolute).
    public var binary: String
    public var worldSize: Int

    public init(phase: PhaseChain.Phase, settings: SlurmSettings, binary: String, worldSize: Int) {
        self.phase = phase; self.settings = settings; self.binary = binary; self.worldSize = worldSize
    }

    var out: String { phase.spec.output.path }
    var jobName: String { "df-" + phase.spec.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" } }

    /// `0-3,5,7-9` for the ranks, with `%K` when at most K tasks may run at once.
    public static func arraySpec(_ ranks: [Int], maxParallel: Int?) -> String {
        var parts = [String]()
        var i = 0
        let r = ranks.sorted()
        while i < r.count {
            var j = i
            while j + 1 < r.count && r[j + 1] == r[j] + 1 { j += 1 }
            parts.append(i == j ? "\(r[i])" : "\(r[i])-\(r[j])")
            i = j + 1
        }
        return parts.joined(separator: ",") + (maxParallel.map { "%\($0)" } ?? "")
    }

    /// A string as one shell word.
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The `#SBATCH` lines shared by every job of the phase.
    func header(name: String, log: String) -> [String] {
        var h = ["#!/bin/bash", "#SBATCH --job-name=\(name)", "#SBATCH --output=\(log)"]
        if let p = settings.partition { h.append("#SBATCH --partition=\(p)") }
        if let t = settings.time { h.append("#SBATCH --time=\(t)") }
        if let c = settings.cpusPerTask { h.append("#SBATCH --cpus-per-task=\(c)") }
        if let m = settings.mem { h.append("#SBATCH --mem=\(m)") }
        if let m = settings.memPerCPU { h.append("#SBATCH --mem-per-cpu=\(m)") }
        if let q = settings.qos { h.append("#SBATCH --qos=\(q)") }
        if let a = settings.account { h.append("#SBATCH --account=\(a)") }
        h += settings.sbatchArgs.map { "#SBATCH \($0)" }
        return h
    }

    /// Shell lines that write the task's status file atomically: `state`, exit code (or null), job id, log, times.
    static func statusLines() -> [String] {
        [
            "write_status() {  # state exit_code ended",
            "  printf '{\"state\":\"%s\",\"exit_code\":%s,\"job_id\":\"%s\",\"log\":\"%s\",\"host\":\"%s\",\"started\":%s,\"ended\":%s}\\n' \\",
            "    \"$1\" \"$2\" \"$job\" \"$log\" \"$(hostname -s)\" \"$started\" \"$3\" > \"$status.$$\" && mv \"$status.$$\" \"$status\"",
            "}",
        ]
    }

    /// The array job of the ranks.
    public func ranks(_ ranks: [Int]) -> String {
        var s = header(name: jobName, log: "\(out)/slurm/logs/rank-%a.%A.log")
        s.append("#SBATCH --array=\(Self.arraySpec(ranks, maxParallel: settings.maxParallel))")
        s += [
            "# domainforge phase '\(phase.spec.name)': one array task per rank (written by pipeline slurm; sbatch it again to resume).",
            "set -u",
            "rank=${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is an array job}",
            "job=\"${SLURM_ARRAY_JOB_ID}_${rank}\"",
            "log=\(Self.quote(out + "/slurm/logs"))\"/rank-${rank}.${SLURM_ARRAY_JOB_ID}.log\"",
            "status=\(Self.quote(out + "/slurm/status"))\"/rank-$(printf %05d \"$rank\").json\"",
            "started=$(date +%s)",
        ]
        s += Self.statusLines()
        var cmd = [Self.quote(binary), "run", Self.quote(phase.configPath), "--rank", "\"$rank\"", "--world-size", "\(worldSize)", "--no-next", "--no-progress"]
        if let c = settings.cpusPerTask { cmd += ["--threads", "\(c)"] }
        s += [
            "write_status running null null",
            cmd.joined(separator: " "),
            "rc=$?",
            "if [ \"$rc\" -eq 0 ]; then write_status complete 0 \"$(date +%s)\"; else write_status failed \"$rc\" \"$(date +%s)\"; fi",
            "exit \"$rc\"",
        ]
        return s.joined(separator: "\n") + "\n"
    }

    /// The split phase of the global dedup step: one array task per split, each finding the links of its band keys.
    public func dedupSplits(_ n: Int) -> String {
        var s = header(name: jobName + "-dedup-split", log: "\(out)/slurm/logs/dedup-split-%a.%A.log")
        s += [
            "#SBATCH --array=" + Self.arraySpec(Array(0..<n), maxParallel: settings.maxParallel),
            "# domainforge phase '\(phase.spec.name)': the global dedup step split over \(n) jobs, then merged (written by pipeline slurm).",
            "set -eu",
            "exec \(Self.quote(binary)) dedup-global \(Self.quote(out)) --world-size \(worldSize) --split \"${SLURM_ARRAY_TASK_ID}/\(n)\"",
        ]
        return s.joined(separator: "\n") + "\n"
    }

    /// The global dedup step over all ranks (merging `splits` splits' links when the clustering was split).
    public func dedupGlobal(splits: Int? = nil) -> String {
        var s = header(name: jobName + "-dedup", log: "\(out)/slurm/logs/dedup-global.%j.log")
        s += [
            "# domainforge phase '\(phase.spec.name)': the global dedup step, after every rank (written by pipeline slurm).",
            "set -u",
            "job=\"${SLURM_JOB_ID}\"",
            "log=\(Self.quote(out + "/slurm/logs"))\"/dedup-global.${SLURM_JOB_ID}.log\"",
            "status=\(Self.quote(out + "/slurm/status/dedup-global.json"))",
            "started=$(date +%s)",
        ]
        s += Self.statusLines()
        s += [
            "write_status running null null",
            ([Self.quote(binary), "dedup-global", Self.quote(out), "--world-size", "\(worldSize)"] + (splits.map { ["--splits", "\($0)"] } ?? []))
                .joined(separator: " "),
            "rc=$?",
            "if [ \"$rc\" -eq 0 ]; then write_status complete 0 \"$(date +%s)\"; else write_status failed \"$rc\" \"$(date +%s)\"; fi",
            "exit \"$rc\"",
        ]
        return s.joined(separator: "\n") + "\n"
    }
}
