#if canImport(Glibc)
import TestSupport
import Glibc
#endif
import DomainForgeCore
import Foundation
import PipelineConfig
@testable import PipelineRunner
import Testing

/// Opens `path` as an input on another thread; nil when it did not return within `seconds` (it would hang).
func openWithTimeout(_ path: String, seconds: Double = 5) -> Result<Void, InputError>? {
    final class Box: @unchecked Sendable { var result: Result<Void, InputError>? }
    let box = Box(), done = DispatchSemaphore(value: 0)
    Thread {
        do { _ = try openByteSource(path: path, displayName: "x"); box.result = .success(()) }
        catch let e as InputError { box.result = .failure(e) } catch { box.result = .failure(InputError(code: "other", file: "x", message: "\(error)")) }
        done.signal()
    }.start()
    if done.wait(timeout: .now() + seconds) == .timedOut {
        let w = open(path, O_WRONLY | O_NONBLOCK)  // release the blocked reader
        if w >= 0 { close(w) }
        return nil
    }
    return box.result
}

@Suite struct InputSafetyTests {
    func errors(_ d: TempDir) -> [JSONValue] {
        d.files("out/errors").flatMap { d.lines("out/errors/" + $0) }.map { try! JSONParser.parse($0) }
    }

    @Test func symlinkLeavingTheInputRootIsRejectedUnlessFollowSymlinks() throws {
        let d = TempDir()
        d.write("in/a.txt", "inside the folder")
        d.write("secret/passwd.txt", "root:x:0:0")
        try FileManager.default.createSymbolicLink(atPath: d.path + "/in/link.txt", withDestinationPath: d.path + "/secret/passwd.txt")
        try FileManager.default.createSymbolicLink(atPath: d.path + "/in/inner.txt", withDestinationPath: d.path + "/in/a.txt")
        let st = try runPipeline(try spec("inputs: [{path: in, format: text}]\noutput: {path: out, compression: none}", in: d))
        #expect(st.kept == 2)
        #expect(st.rejected == ["outside_input_root": 1])
        #expect(st.balanceProblem() == nil)
        let e = errors(d)
        #expect(e.count == 1)
        #expect(e.first?["file"] == .string("in/link.txt"))
        #expect(e.first?["message"]?.stringValue?.contains("follow_symlinks") == true)
        #expect(!String(decoding: folderBytes(d, "out/documents"), as: UTF8.self).contains("root:x"), "the outside file must not be ingested")

        let d2 = TempDir()
        d2.write("in/a.txt", "inside the folder")
        d2.write("secret/passwd.txt", "root:x:0:0")
        try FileManager.default.createSymbolicLink(atPath: d2.path + "/in/link.txt", withDestinationPath: d2.path + "/secret/passwd.txt")
        let st2 = try runPipeline(try spec("inputs: [{path: in, format: text, follow_symlinks: true}]\noutput: {path: out, compression: none}", in: d2))
        #expect(st2.kept == 2)
        #expect(st2.rejectedTotal == 0)
        #expect(String(decoding: folderBytes(d2, "out/documents"), as: UTF8.self).contains("root:x"))
    }

    @Test func fifoSocketAndDanglingLinkAreNamedAndNeverOpened() throws {
        let d = TempDir()
        d.write("in/a.jsonl", "{\"text\":\"one\"}\n")
        #expect(mkfifo(d.path + "/in/pipe.jsonl", 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: d.path + "/in/gone.jsonl", withDestinationPath: d.path + "/nowhere.jsonl")
        let st = try runPipeline(try spec("inputs: [{path: in, format: jsonl}]\noutput: {path: out, compression: none}", in: d))
        #expect(st.kept == 1)
        #expect(st.rejected == ["not_a_regular_file": 1, "broken_symlink": 1])
        #expect(st.balanceProblem() == nil)
        let e = errors(d).map { "\($0["code"]!.stringValue!) \($0["file"]!.stringValue!)" }.sorted()
        #expect(e == ["broken_symlink in/gone.jsonl", "not_a_regular_file in/pipe.jsonl"])
    }

    @Test func openingAFIFODoesNotBlock() throws {
        let d = TempDir()
        #expect(mkfifo(d.path + "/p.jsonl", 0o600) == 0)
        let r = openWithTimeout(d.path + "/p.jsonl")
        #expect(r != nil, "opening a FIFO blocked")
        if case .failure(let e)? = r { #expect(e.code == "not_a_regular_file") } else { Issue.record("a FIFO was opened: \(String(describing: r))") }
        let dev = openWithTimeout("/dev/null")
        if case .failure(let e)? = dev { #expect(e.code == "not_a_regular_file") } else { Issue.record("a device was opened") }
    }

    @Test func inputEntryMatchingNoFileIsAConfigError() throws {
        let d = TempDir()
        d.write("in/notes.md", "not matched by *.jsonl")
        let s = try spec("inputs: [{path: in, format: jsonl, name: web}]\noutput: {path: out}", in: d)
        #expect {
            try InputPlan.build(s)
        } throws: { e in
            guard let c = e as? ConfigError else { return false }
            return c.path == "inputs[0]" && c.message.contains("\"web\"") && c.message.contains("matches no file")
        }
        #expect(throws: ConfigError.self) { try runPipeline(s) }
        #expect(d.files("out/documents").isEmpty, "nothing may be processed")
    }

    @Test(arguments: [300, 1000])
    func deeplyNestedHTMLKeepsTheTextBelowAndAfterTheDeepBlock(depth: Int) throws {
        let d = TempDir()
        let html = "<html><body><p>Opening paragraph of the page.</p>" + String(repeating: "<div>", count: depth)
            + "<p>Bottom text deep inside.</p>" + String(repeating: "</div>", count: depth)
            + "<p>Closing paragraph after the deep block.</p></body></html>"
        d.write("in/deep.html", html)
        let st = try runPipeline(try spec("inputs: [{path: in, format: html}]\noutput: {path: out, compression: none}", in: d))
        #expect(st.kept == 1)
        let doc = try JSONParser.parse(d.lines("out/documents/r00000-p00000.jsonl").first ?? "{}")
        let text = doc["text"]?.stringValue ?? ""
        #expect(text.contains("Bottom text deep inside."))
        #expect(text.contains("Closing paragraph after the deep block."))
    }
}
