#if canImport(Glibc)
import TestSupport
import Glibc
#endif
import DomainForgeCore
import Foundation
import PipelineRunner
import Testing

/// The lock through the real binary: a stopped `pipeline run` (SIGSTOP once it holds its rank's lock) keeps the
/// lock, a second run on the folder exits 1 naming it, and after a `kill -9` the lock is gone, so the run resumes.
@Suite(.enabled(if: CLI.binary != nil, "pipeline binary not built"))
struct OutputLockCLITests {
    /// Waits (up to 30 s) until the lock file names `pid`.
    static func waitForHolder(_ lockFile: String, pid: Int32) -> Bool {
        for _ in 0..<30_000 {
            if let d = FileManager.default.contents(atPath: lockFile), String(decoding: d, as: UTF8.self).contains("pid \(pid)\n") { return true }
            usleep(1_000)
        }
        return false
    }

    @Test func secondRunRefusesAndAKilledRunLeavesNoStaleLock() throws {
        let d = TempDir()
        // An input big enough that the first run is still busy when it is stopped right after taking the lock.
        var text = ""
        for i in 0..<200_000 { text += "{\"id\":\"d\(i)\",\"text\":\"record \(i) of the lock test, long enough to take a moment to read and write\"}\n" }
        d.write("in.jsonl", text)
        d.write("p.yaml", "inputs: [{path: in.jsonl, format: jsonl}]\noutput: {path: out}\nexecution: {workers: 1}\n")
        let first = Process()
        first.executableURL = URL(fileURLWithPath: CLI.binary!)
        first.arguments = ["run", d.path + "/p.yaml", "--no-progress"]
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() } }
        let pid = first.processIdentifier
        try #require(Self.waitForHolder(d.path + "/out/state/rank-00000.lock", pid: pid))
        kill(pid, SIGSTOP)
        #expect(!FileManager.default.fileExists(atPath: d.path + "/out/completions/rank-00000"), "the first run finished before it was stopped")

        let second = try CLI.run(["run", d.path + "/p.yaml", "--no-progress"])
        #expect(second.status == 1)
        #expect(second.err.contains("is in use by another run (process \(pid) on host \(testHostName())"), "\(second.err)")
        #expect(second.err.contains("wait for that run to finish or stop it"))
        let other = try CLI.run(["run", d.path + "/p.yaml", "--no-progress", "--rank", "1", "--world-size", "2"])
        #expect(other.status == 0, "rank 1 has its own lock: \(other.err)")

        kill(pid, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal)
        // The kernel dropped the lock with the process: it can be taken at once, and the run resumes.
        let lock = try PipelineExecutor.lockOutput(d.path + "/out", rank: 0)
        lock.release()
        let again = try CLI.run(["run", d.path + "/p.yaml", "--no-progress"])
        #expect(again.status == 0, "\(again.err)")
        #expect(FileManager.default.fileExists(atPath: d.path + "/out/completions/rank-00000"))
    }

    @Test func mixAndSFTRenderRefuseAnOutputInUse() throws {
        let d = TempDir()
        let mixLock = try OutputLock(siblingOf: d.path + "/mix")
        let mix = try CLI.run(["mix", "pipelines/mixes/mix-sft-sample.yaml", "-o", d.path + "/mix"])
        #expect(mix.status == 1)
        #expect(mix.err.contains("\(d.path)/mix is in use by another run (process \(getpid()) on host \(testHostName())"), "\(mix.err)")
        #expect(!FileManager.default.fileExists(atPath: d.path + "/mix"))
        mixLock.release()
        let renderArgs = ["sft", "render", "corpora/sft/dolly-medical.jsonl", "--tokenizer", "pipelines/tokenizers/medical-sample-bpe.json",
                          "--template", "pipelines/templates/sft-template-plain.yaml", "-o", d.path + "/sft"]
        let renderLock = try OutputLock(siblingOf: d.path + "/sft")
        let render = try CLI.run(renderArgs)
        #expect(render.status == 1)
        #expect(render.err.contains("\(d.path)/sft is in use by another run (process \(getpid())"), "\(render.err)")
        renderLock.release()
        let rendered = try CLI.run(renderArgs)
        #expect(rendered.status == 0, "\(rendered.err)")
    }
}
