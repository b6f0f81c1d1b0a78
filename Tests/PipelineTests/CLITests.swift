import TestSupport
import DomainForgeCore
import Foundation
import Testing

/// Runs the built `pipeline` binary (skips when it has not been built, e.g. in a filtered build).
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: String? {
        for c in [".build/debug/pipeline", ".build/release/pipeline"] {
            let p = root.appendingPathComponent(c).path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary!)
        p.arguments = args
        p.currentDirectoryURL = root
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let errBox = DataBox()
        let errThread = Thread { errBox.data = e.fileHandleForReading.readDataToEndOfFile(); errBox.done.signal() }
        errThread.start()
        let od = o.fileHandleForReading.readDataToEndOfFile()
        errBox.done.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: od, as: UTF8.self), String(decoding: errBox.data, as: UTF8.self))
    }
}

final class DataBox: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}

@Suite(.enabled(if: CLI.binary != nil, "pipeline binary not built"))
struct CLITests {
    @Test func validateAcceptsEveryBundledPipeline() throws {
        let dir = CLI.root.appendingPathComponent("pipelines").path
        let configs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(!configs.isEmpty)
        let r = try CLI.run(["validate"] + configs.map { "pipelines/" + $0 })
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.split(separator: "\n").count == configs.count)
    }

    @Test func validateNamesTheBadKeyAndExitsTwo() throws {
        let d = TempDir()
        d.write("bad.yaml", "inputs: [{path: x, format: jsonl, colour: red}]\noutput: {path: o, compresion: zstd}\n")
        let r = try CLI.run(["validate", d.path + "/bad.yaml"])
        #expect(r.status == 2)
        #expect(r.err.contains("inputs[0].colour: unknown key"))
        #expect(r.err.contains("output.compresion: unknown key; allowed keys here: compression, path, write_rejects, zstd_level"))
    }

    @Test func runUnwritableOutputExitsNonZeroWithMessage() throws {
        let d = TempDir()
        d.write("a.txt", "some text")
        d.write("file", "x")
        d.write("p.yaml", "inputs: [{path: a.txt, format: text}]\noutput: {path: file/out}\n")
        let r = try CLI.run(["run", d.path + "/p.yaml", "--no-progress"])
        #expect(r.status == 1)
        #expect(r.err.contains("cannot write") && r.err.contains("file"))
    }

    @Test func statsOnAFolderThatIsNoOutput() throws {
        let d = TempDir()
        let r = try CLI.run(["stats", d.path])
        #expect(r.status == 1)
        #expect(r.err.contains("is not a pipeline output folder"))
    }
}

/// A real `kill -9` of `pipeline run` at several moments, then a rerun: the output must equal an uninterrupted run.
@Suite(.enabled(if: CLI.binary != nil, "pipeline binary not built"))
struct KillResumeTests {
    func corpus(_ d: TempDir) {
        for f in 0..<24 {
            var s = ""
            for i in 0..<400 {
                s += "{\"id\":\"f\(f)-\(i)\",\"text\":\"" + (0..<(5 + (i * 7 + f) % 40)).map { "word\($0 % 17)" }.joined(separator: " ") + ". The end.\"}\n"
            }
            d.write("in/f\(f).jsonl", s)
        }
        d.write("p.yaml", """
            inputs: [{path: in, format: jsonl}]
            stages:
              - {type: normalize}
              - {type: length, min_chars: 60}
              - {type: exact_dedup}
            output: {path: out}
            execution: {chunk_bytes: 40000, batch_bytes: 8192, workers: 2}
            """)
    }

    @Test func killedRunsResumeToTheSameBytes() throws {
        let full = TempDir()
        corpus(full)
        let r = try CLI.run(["run", full.path + "/p.yaml", "--no-progress"])
        #expect(r.status == 0, "\(r.err)")
        let expectDocs = folderBytes(full, "out/documents")
        let expectRejects = folderBytes(full, "out/rejects")
        #expect(full.files("out/documents").count > 10)
        var interruptedWithProgress = 0
        // One kill soon after the start, then kills once 1, 3 and 6 parts are written (polled, so the test does not
        // depend on how fast this machine is at the moment).
        for (delayMs, parts) in [(20, 0), (0, 1), (0, 3), (0, 6)] {
            let d = TempDir()
            corpus(d)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary!)
            p.arguments = ["run", d.path + "/p.yaml", "--no-progress"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(useconds_t(delayMs * 1000))
            for _ in 0..<30_000 where parts > 0 && p.isRunning {
                if d.files("out/documents").filter({ !AtomicOutputFile.isTemporary($0) }).count >= parts { break }
                usleep(2_000)
            }
            let label = parts > 0 ? "kill after \(parts) parts" : "kill after \(delayMs) ms"
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let partsDone = d.files("out/documents").filter { !AtomicOutputFile.isTemporary($0) }.count
            if partsDone > 0 && !FileManager.default.fileExists(atPath: d.path + "/out/completions/rank-00000") {
                interruptedWithProgress += 1
            }
            let again = try CLI.run(["run", d.path + "/p.yaml", "--no-progress"])
            #expect(again.status == 0, "\(again.err)")
            #expect(folderBytes(d, "out/documents") == expectDocs, "\(label)")
            #expect(folderBytes(d, "out/rejects") == expectRejects, "\(label)")
            #expect(d.files("out/documents").allSatisfy { !AtomicOutputFile.isTemporary($0) })
        }
        // At least one kill landed after some parts were written and before the run finished.
        #expect(interruptedWithProgress >= 1)
    }
}

@Suite(.enabled(if: CLI.binary != nil, "pipeline binary not built"))
struct SFTDedupCLITests {
    @Test func sftValidateRunsDedupAndDecontaminationStages() throws {
        let d = TempDir()
        let answer = "Hypertension is usually diagnosed when the average of several home blood pressure readings is at or above one hundred thirty five over eighty five millimetres of mercury on separate days"
        let near = answer.replacingOccurrences(of: "several", with: "many")
        d.write("sft.jsonl", [
            #"{"instruction": "How is hypertension diagnosed?", "output": "\#(answer)"}"#,
            #"{"instruction": "How is hypertension diagnosed?", "output": "\#(near)"}"#,
            #"{"instruction": "What does metformin do in type two diabetes?", "output": "Metformin lowers glucose production by the liver and improves insulin sensitivity in most patients who tolerate it well."}"#,
            #"{"instruction": "Name an early sign of sepsis.", "output": "A fast breathing rate together with new confusion is an early warning sign that should never be ignored by staff on the ward tonight."}"#,
        ].joined(separator: "\n") + "\n")
        d.write("eval.jsonl", #"{"question": "Early signs?", "answer": "A fast breathing rate together with new confusion is an early warning sign that should never be ignored"}"# + "\n")
        d.write("dedup.yaml", """
            stages:
              - {type: minhash_dedup, bands: 20, rows: 5, verify_jaccard: true}
              - {type: decontaminate, eval_sets: [{name: ev, path: eval.jsonl, format: jsonl, fields: [question, answer]}]}
            """)
        let r = try CLI.run(["sft", "validate", d.path + "/sft.jsonl", "--dedup-config", d.path + "/dedup.yaml", "--json", "--max-error-rate", "1"])
        #expect(r.status == 0, "\(r.err)")
        let j = try JSONParser.parse(r.out)
        #expect(j["records"]?.intValue == 4)
        #expect(j["valid"]?.intValue == 2)
        let codes = j["by_code"]?.objectValue ?? [:]
        #expect(codes["near_duplicate"]?.intValue == 1, "\(r.out)")
        #expect(codes["contaminated"]?.intValue == 1, "\(r.out)")
    }
}
