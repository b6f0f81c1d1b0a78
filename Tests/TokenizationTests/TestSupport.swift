import Foundation
import Testing
import DomainForgeCore
@testable import Tokenization

/// Paths and helpers shared by the tokenizer tests.
enum TestEnv {
    /// The package root (two levels above this file's directory).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// `../shared/data` beside the repository, or nil when absent.
    static let sharedData: URL? = {
        let u = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
        return FileManager.default.fileExists(atPath: u.path) ? u : nil
    }()

    static func data(_ rel: String) -> String? {
        guard let d = sharedData else { return nil }
        let p = d.appendingPathComponent(rel).path
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }

    /// The GPT-2 tokenizer folder and the Anthropic tokenizer.json of the shared data, when present.
    static let gpt2Dir = data("tokenizers/openai-whisper-20230124-gpt2")
    static let anthropicPath = data("tokenizers/anthropic-0.38.0/tokenizer.json")
    /// The skip reason of tests that read the shared data folder.
    static let needsSharedData: Comment = "needs the shared data folder beside the repository (shared/data/tokenizers)"

    /// The Python interpreter (DOMAINFORGE_PYTHON or python3).
    static let python: String = ProcessInfo.processInfo.environment["DOMAINFORGE_PYTHON"] ?? "python3"

    /// Runs the interpreter; returns (status, stdout+stderr).
    @discardableResult
    static func runPython(_ args: [String]) -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    /// Whether `import tokenizers` works (checked once).
    static let hasHFTokenizers: Bool = runPython(["-c", "import tokenizers"]).0 == 0

    static func tempDir() -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("tok-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    static func writeJSONL(_ texts: [String], to url: URL) throws {
        var out = [UInt8]()
        for t in texts {
            out.append(contentsOf: "{\"text\":".utf8)
            JSONWriter.writeString(t, into: &out)
            out.append(contentsOf: "}\n".utf8)
        }
        try Data(out).write(to: url)
    }

    /// HF ids for each text (nil when the reference cannot run).
    static func hfEncode(tokenizer: String, texts: [String]) throws -> [[UInt32]]? {
        guard hasHFTokenizers else { return nil }
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inp = dir.appendingPathComponent("docs.jsonl"), outp = dir.appendingPathComponent("ids.jsonl")
        try writeJSONL(texts, to: inp)
        let (st, log) = runPython([fixtures.appendingPathComponent("hf_reference.py").path, "encode", tokenizer, inp.path, outp.path])
        guard st == 0 else { throw TokenizerError.invalidArgument("reference failed: \(log)") }
        let lines = try String(contentsOf: outp, encoding: .utf8).split(separator: "\n")
        return try lines.map { l in try JSONParser.parse(String(l)).arrayValue!.map { UInt32($0.intValue!) } }
    }

    /// Documents from real data: the "text" (or instruction/output) fields of JSONL, or paragraphs of text files,
    /// up to `maxBytes` in all.
    /// `allFiles`: read every file of a folder as text, not only `.txt` and `.jsonl`.
    static func sampleDocs(_ rel: String, maxBytes: Int, maxDocs: Int = 100_000, allFiles: Bool = false) -> [String] {
        guard let path = data(rel) else { return [] }
        var docs = [String]()
        var total = 0
        var files = [String]()
        var isDir: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
        if isDir.boolValue {
            let en = FileManager.default.enumerator(atPath: path)
            while let f = en?.nextObject() as? String {
                let full = (path as NSString).appendingPathComponent(f)
                var isDir: ObjCBool = false
                if f.hasSuffix(".txt") || f.hasSuffix(".jsonl") {
                    files.append(full)
                } else if allFiles, FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue {
                    files.append(full)  // license texts and copyright files have no suffix
                }
            }
            files.sort()
        } else { files = [path] }
        for f in files {
            guard let d = FileManager.default.contents(atPath: f) else { continue }
            if f.hasSuffix(".jsonl") {
                for line in d.split(separator: UInt8(ascii: "\n")) {
                    guard let v = try? JSONParser.parse(bytes: [UInt8](line)) else { continue }
                    var t = v["text"]?.stringValue ?? ""
                    if t.isEmpty { t = (v["instruction"]?.stringValue ?? "") + "\n" + (v["input"]?.stringValue ?? "") + "\n" + (v["output"]?.stringValue ?? "") }
                    docs.append(t); total += t.utf8.count
                    if total >= maxBytes || docs.count >= maxDocs { return docs }
                }
            } else {
                let t = d.withUnsafeBytes { TextDecoding.decode($0).text }
                // whole files are documents; cut big files into ~64 KB pieces at line ends
                var cur = ""
                for line in t.split(separator: "\n", omittingEmptySubsequences: false) {
                    cur += line; cur += "\n"
                    if cur.utf8.count > 65536 { docs.append(cur); total += cur.utf8.count; cur = "" }
                    if total >= maxBytes || docs.count >= maxDocs { return docs }
                }
                if !cur.isEmpty { docs.append(cur); total += cur.utf8.count }
                if total >= maxBytes || docs.count >= maxDocs { return docs }
            }
        }
        return docs
    }
}
