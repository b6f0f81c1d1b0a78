import DomainForgeCore
import Foundation
import Testing
@testable import pipeline

/// Runs the built `pipeline` binary from the package root.
enum Binary {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var path: String? {
        [".build/debug/pipeline", ".build/release/pipeline"].map { root.appendingPathComponent($0).path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path!)
        p.arguments = args
        p.currentDirectoryURL = root
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-test-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (o, e) = (dir.appendingPathComponent("out"), dir.appendingPathComponent("err"))
        _ = FileManager.default.createFile(atPath: o.path, contents: nil)
        _ = FileManager.default.createFile(atPath: e.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: o)
        p.standardError = try FileHandle(forWritingTo: e)
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOf: o, encoding: .utf8), try String(contentsOf: e, encoding: .utf8))
    }
}

/// Exit statuses and messages as `pipeline --help` documents them: 2 for usage errors (found in validate(), with
/// the usage line; or found while running, without it), 1 for failures, one `error:` prefix, no path twice.
@Suite(.enabled(if: Binary.path != nil, "pipeline binary not built"))
struct ExitStatusTests {
    static let tokenizer = "pipelines/tokenizers/medical-sample-bpe.json"

    @Test func helpExitsZero() throws {
        let r = try Binary.run(["run", "--help"])
        #expect(r.status == 0)
        #expect(r.out.contains("-o, --output <output>"))
    }

    @Test(arguments: [
        ["run"],
        ["run", "x.yaml", "--threads", "0"],
        ["run", "x.yaml", "--threads", "2", "--workers", "2"],
        ["train", "x.yaml", "--resume", "--overwrite"],
        ["generate", "ckpt"],
        ["export", "shards", "--format", "parquet", "-o", "x"],
        ["sft", "validate", "a.jsonl", "--fill", "noequals"],
        ["sft", "validate", "a.jsonl", "--max-tokens", "10"],
        ["sft", "render", "a.jsonl", "-t", "tok.json"],
        ["eval", "ckpt", "d", "--out", "a.json", "--output", "b.json"],
        ["tokenizer", "inspect"],
        ["tokenizer", "train", "a.txt", "--normalize", "nfd"],
        ["synth-replay", "ckpt", "-t", "tok.json", "-o", "out"],
        ["synth-replay", "ckpt", "-t", "tok.json", "-o", "out", "--unconditional", "--prompts", "p.jsonl"],
        ["synth-replay", "ckpt", "-t", "tok.json", "-o", "out", "--unconditional", "--top-p", "0"],
    ])
    func usageErrorsFoundInValidateExitTwoWithTheUsageLine(args: [String]) throws {
        let r = try Binary.run(args)
        #expect(r.status == 2, "\(args): \(r.err)")
        #expect(r.err.hasPrefix("error: ") && r.err.contains("\nUsage: pipeline"), "\(args): \(r.err)")
        #expect(!r.err.contains("Error:"))
    }

    @Test func aConfigThatCannotBeReadIsAUsageErrorNamingTheFileOnce() throws {
        let r = try Binary.run(["run", "no-such-config.yaml"])
        #expect(r.status == 2)
        #expect(r.err == "error: no-such-config.yaml: cannot read the config file\n")
    }

    @Test func aUsageErrorFoundWhileRunningHasNoUsageLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-train-" + UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Binary.run(["train", dir.path + "/missing.yaml"])
        #expect(r.status == 2)
        #expect(r.err.hasPrefix("error: ") && r.err.components(separatedBy: dir.path + "/missing.yaml").count == 2, "\(r.err)")
        #expect(!r.err.contains("Usage:"))
    }

    @Test func aFailureExitsOneWithOneErrorPrefix() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-stats-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Binary.run(["stats", dir.path])
        #expect(r.status == 1)
        #expect(r.err.hasPrefix("error: "))
        #expect(!r.err.contains("error: error:") && !r.err.contains("Error:") && !r.err.contains("Usage:"))
    }

    @Test func badInputLinesFailWithoutTheUsageLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-decode-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{\"id\": 1}\n".utf8).write(to: dir.appendingPathComponent("in.jsonl"))
        let r = try Binary.run(["tokenizer", "decode", "-t", Self.tokenizer, dir.path + "/in.jsonl"])
        #expect(r.status == 1)
        #expect(r.err == "error: \(dir.path)/in.jsonl:1: no \"ids\" array\n")
    }

    @Test func deprecatedSpellingsStillWorkWithAWarning() throws {
        let positional = try Binary.run(["tokenizer", "inspect", Self.tokenizer])
        let named = try Binary.run(["tokenizer", "inspect", "-t", Self.tokenizer])
        #expect(positional.status == 0 && named.status == 0)
        #expect(positional.out == named.out)
        #expect(positional.err == "warning: a positional TOKENIZER is deprecated; use -t/--tokenizer\n")
        #expect(named.err.isEmpty)
    }
}

/// The one mapping from errors to messages and statuses.
@Suite struct ErrorReportingTests {
    @Test func prefixIsAddedOnce() {
        #expect(ErrorReporting.prefixed("cannot read x") == "error: cannot read x")
        #expect(ErrorReporting.prefixed("error: cannot read x") == "error: cannot read x")
        #expect(ErrorReporting.prefixed("Error: error: cannot read x") == "error: cannot read x")
    }

    @Test func statusesFollowTheClassification() {
        #expect(ErrorReporting.report(UsageError("u")) == 2)
        #expect(ErrorReporting.report(CommandFailure("f")) == 1)
        #expect(ErrorReporting.report(InputError(code: "c", file: "f", line: 1, message: "m")) == 1)
        #expect(exitStatus(of: CocoaError(.fileNoSuchFile)) == .failure)
    }
}
