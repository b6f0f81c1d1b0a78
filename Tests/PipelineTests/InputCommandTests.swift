#if canImport(Glibc)
import TestSupport
import Glibc
#endif
import DomainForgeCore
import Foundation
import Testing

/// Runs the `pipeline` binary, killing it after `seconds` (status -1 then: it hung).
func runCLI(_ args: [String], seconds: Double = 60) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: CLI.binary!)
    p.arguments = args
    p.currentDirectoryURL = CLI.root
    let o = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: o.path + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: o.path + ".err", contents: nil)
    defer { try? FileManager.default.removeItem(atPath: o.path + ".out"); try? FileManager.default.removeItem(atPath: o.path + ".err") }
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: o.path + ".out"))
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: o.path + ".err"))
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(seconds)
    while p.isRunning && Date() < deadline { usleep(20_000) }
    var status = Int32(-1)
    if p.isRunning { p.terminate(); p.waitUntilExit() } else { status = p.terminationStatus }
    func text(_ ext: String) -> String { String(decoding: FileManager.default.contents(atPath: o.path + ext) ?? Data(), as: UTF8.self) }
    return (status, text(".out"), text(".err"))
}

@Suite(.enabled(if: CLI.binary != nil, "pipeline binary not built"))
struct InputCommandTests {
    static let byteTokenizer = CLI.root.appendingPathComponent("Tests/SFTTests/Fixtures/byte-tokenizer.json").path

    @Test func sftValidateNamesAFIFOInsteadOfHanging() throws {
        let d = TempDir()
        #expect(mkfifo(d.path + "/pipe.jsonl", 0o600) == 0)
        let r = try runCLI(["sft", "validate", d.path + "/pipe.jsonl"], seconds: 20)
        #expect(r.status > 0, "sft validate hung or succeeded on a FIFO: \(r.status)")
        #expect(r.err.contains("not_a_regular_file") || r.out.contains("not_a_regular_file"), "\(r.err)")
    }

    /// Encodes `name` (holding `bytes`) and a plain copy; both outputs must be equal.
    func expectSameAsPlain(_ name: String, _ bytes: [UInt8], plain: [UInt8]) throws {
        let d = TempDir()
        d.write("plain.jsonl", plain)
        d.write(name, bytes)
        let p = try runCLI(["tokenizer", "encode", "-t", Self.byteTokenizer, d.path + "/plain.jsonl"])
        #expect(p.status == 0, "\(p.err)")
        #expect(p.out.contains("\"ids\":[104,105]"), "\(p.out)")
        let r = try runCLI(["tokenizer", "encode", "-t", Self.byteTokenizer, d.path + "/" + name])
        #expect(r.status == 0, "\(name): \(r.err)")
        #expect(r.out == p.out, "\(name) must encode its decompressed text")
    }

    static let sample = Array("{\"id\":\"a\",\"text\":\"hi\"}\n".utf8)

    @Test(.enabled(if: haveTool("gzip"), "gzip is not installed"))
    func tokenizerEncodeDecompressesGzip() throws {
        try expectSameAsPlain("c.jsonl.gz", gzip(Self.sample), plain: Self.sample)
    }

    @Test(.enabled(if: haveTool("zstd"), "zstd is not installed"))
    func tokenizerEncodeDecompressesZstd() throws {
        try expectSameAsPlain("c.jsonl.zst", zstd(Self.sample), plain: Self.sample)
    }

    @Test func tokenizerEncodeReportsBadLinesAndEncodesTheRest() throws {
        let d = TempDir()
        var b = Array("{\"text\":\"ok\"}\nnot json\n{\"body\":\"x\"}\n{\"text\":\"a".utf8)
        b.append(0)
        b += Array("b\"}\n{\"text\":\"end\"}\n".utf8)
        d.write("in.jsonl", b)
        let out = d.path + "/ids.jsonl"
        let r = try runCLI(["tokenizer", "encode", "-t", Self.byteTokenizer, d.path + "/in.jsonl", "-o", out])
        #expect(r.status == 1)
        #expect(!r.err.contains("Usage:"))
        for line in [2, 3, 4] { #expect(r.err.contains("in.jsonl:\(line): "), "line \(line) not reported: \(r.err)") }
        #expect(r.err.contains("2 lines encoded, 3 rejected"))
        let ids = d.lines("ids.jsonl")
        #expect(ids.count == 2)
        #expect(ids.last?.contains("[101,110,100]") == true)
    }

    @Test func mixRefusesRatiosNotSummingToOneUnlessNormalize() throws {
        let d = TempDir()
        var a = "", b = ""
        for i in 0..<20 {
            a += "{\"instruction\": \"domain question \(i)\", \"output\": \"domain answer \(i)\"}\n"
            b += "{\"instruction\": \"general question \(i)\", \"output\": \"general answer \(i)\"}\n"
        }
        d.write("a.jsonl", a)
        d.write("b.jsonl", b)
        d.write("m.yaml", "by: records\ntolerance: 0.05\noutput: out\nsources:\n  - {name: a, sft: a.jsonl, ratio: 1.0}\n  - {name: b, sft: b.jsonl, ratio: 0.4}\n")
        let r = try runCLI(["mix", d.path + "/m.yaml"])
        #expect(r.status == 1)
        #expect(r.err.contains("sum to 1.4"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: d.path + "/out"))
        let n = try runCLI(["mix", d.path + "/m.yaml", "--normalize"])
        #expect(n.status == 0, "\(n.err)")
        #expect(FileManager.default.fileExists(atPath: d.path + "/out/mix_report.json"))
        #expect(d.files("").filter { $0.hasPrefix(".out.") }.isEmpty)
    }

    @Test(arguments: [
        ["sft", "render", "FIFO.jsonl", "--tokenizer", "TOK", "-o", "OUT"],
        ["tokenizer", "encode", "-t", "TOK", "FIFO.jsonl"],
        ["tokenizer", "encode", "-t", "TOK", "FIFO.txt"],
        ["tokenizer", "train", "FIFO.txt", "-o", "OUT/t.json"],
        ["tokenizer", "train", "FIFO.jsonl", "-o", "OUT/t.json"],
        ["extract", "--format", "text", "FIFO.txt", "-o", "OUT.jsonl"],
    ])
    func everyCommandNamesAFIFOInsteadOfOpeningIt(args: [String]) throws {
        let d = TempDir()
        #expect(mkfifo(d.path + "/pipe.jsonl", 0o600) == 0)
        #expect(mkfifo(d.path + "/pipe.txt", 0o600) == 0)
        let real = args.map {
            $0.replacingOccurrences(of: "FIFO", with: d.path + "/pipe").replacingOccurrences(of: "TOK", with: Self.byteTokenizer)
                .replacingOccurrences(of: "OUT", with: d.path + "/out")
        }
        let r = try runCLI(real, seconds: 20)
        #expect(r.status > 0, "\(args[0]) \(args[1]) hung or succeeded on a FIFO: \(r.status)")
        #expect((r.err + r.out).contains("not_a_regular_file") || (r.err + r.out).contains("FIFO"), "\(r.err)")
    }
}
