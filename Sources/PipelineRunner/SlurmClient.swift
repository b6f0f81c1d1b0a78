import Foundation

/// An error talking to Slurm: the command, its exit status and what it printed.
public struct SlurmError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The Slurm commands the project uses (`sbatch`, `squeue`, `scancel`), run as child processes.
public struct SlurmClient: Sendable {
    public init() {}

    /// A job or array task in the queue: its id (`JOB` or `JOB_TASK`), state (PENDING, RUNNING, ...) and reason.
    public struct QueuedJob: Sendable, Equatable {
        public var id: String
        public var state: String
        public var reason: String
        /// The array job id (the part before `_`).
        public var jobID: String { String(id.split(separator: "_").first ?? Substring(id)) }
        /// The array task id, when this is an array task.
        public var taskID: Int? { id.split(separator: "_").dropFirst().first.flatMap { Int($0) } }
    }

    /// Whether `sbatch` and `squeue` are on the PATH.
    public static var available: Bool { which("sbatch") != nil && which("squeue") != nil }

    /// Submits `script`, after the jobs of `afterOK` have ended successfully; returns the job id.
    public func submit(script: String, afterOK: [String] = []) throws -> String {
        var args = ["--parsable"]
        if !afterOK.isEmpty { args += ["--dependency=afterok:" + afterOK.joined(separator: ":"), "--kill-on-invalid-dep=yes"] }
        let out = try run("sbatch", args + [script]).trimmingCharacters(in: .whitespacesAndNewlines)
        let id = String(out.split(separator: ";").first ?? "")
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else { throw SlurmError("sbatch \(script) printed no job id: \(out)") }
        return id
    }

    /// Every job and array task in the queue (one line per task).
    public func queue() throws -> [QueuedJob] {
        try run("squeue", ["-h", "-r", "-o", "%i|%T|%r"]).split(separator: "\n").compactMap { line in
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            return f.count == 3 ? QueuedJob(id: f[0].trimmingCharacters(in: .whitespaces), state: f[1], reason: f[2]) : nil
        }
    }

    /// The queued jobs and tasks that belong to `jobIDs`.
    public func queued(_ jobIDs: Set<String>) throws -> [QueuedJob] {
        jobIDs.isEmpty ? [] : try queue().filter { jobIDs.contains($0.jobID) }
    }

    /// Cancels jobs or array tasks (`JOB` or `JOB_TASK`).
    public func cancel(_ ids: [String]) throws {
        if !ids.isEmpty { _ = try run("scancel", ids) }
    }

    /// Runs a Slurm command and returns its standard output; a non-zero exit is an error quoting its standard error.
    func run(_ tool: String, _ args: [String]) throws -> String {
        guard let path = Self.which(tool) else { throw SlurmError("\(tool) is not on the PATH: install Slurm's client commands (Debian: slurm-client) or run on a login node") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw SlurmError("\(tool) \(args.joined(separator: " ")) failed (exit \(p.terminationStatus)): "
                             + String(decoding: e, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: o, as: UTF8.self)
    }

    /// The path of a command on the PATH, or nil.
    public static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}
