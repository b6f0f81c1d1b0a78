import DomainForgeCore
import Foundation

/// `bench pipeline [--sizes 100,1000] [--workers 1,2] [--data DIR] [--binary PATH] [--no-rejects] [--no-compression]`
///
/// Builds a JSONL corpus of the requested sizes (MB) from the real plain text in `../shared/data/plain-text`
/// (documents of a few KB, repeated until the size is reached), then times `pipeline run` with the cleaning stages
/// for each worker count, reporting MB/s, docs/s and peak RSS (from `/usr/bin/time`). Skips when the data is absent.
func runPipelineBench(_ args: [String]) throws {
    var sizes = [100]
    var workers = [1, 2]
    var dataDir = "../shared/data/plain-text"
    var binary = ".build/release/pipeline"
    var longLineMB = 0
    var writeRejects = true
    var compression = "zstd"
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--sizes": sizes = args[i + 1].split(separator: ",").compactMap { Int($0) }; i += 1
        case "--workers": workers = args[i + 1].split(separator: ",").compactMap { Int($0) }; i += 1
        case "--data": dataDir = args[i + 1]; i += 1
        case "--binary": binary = args[i + 1]; i += 1
        case "--long-line": longLineMB = Int(args[i + 1]) ?? 200; i += 1
        case "--no-rejects": writeRejects = false
        case "--no-compression": compression = "none"
        default: throw BenchError("unknown option \(args[i])")
        }
        i += 1
    }
    guard FileManager.default.fileExists(atPath: binary) else { throw BenchError("\(binary) not found: build with swift build -c release first") }
    if longLineMB > 0 { try longLineCheck(megabytes: longLineMB, binary: binary); return }
    guard FileManager.default.fileExists(atPath: dataDir) else { print("skip: \(dataDir) not found"); return }
    let docs = try sampleDocuments(dataDir)
    print("source documents: \(docs.count) from \(dataDir)")
    let work = NSTemporaryDirectory() + "/df-bench-pipeline"
    try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    print("size_mb  workers  seconds  cpu_s    MB/s     docs/s  peak_rss_mb  kept    dropped")
    for mb in sizes {
        let input = "\(work)/corpus-\(mb)mb.jsonl"
        let n = try makeCorpus(docs, path: input, megabytes: mb)
        for w in workers {
            let out = "\(work)/out-\(mb)-\(w)"
            try? FileManager.default.removeItem(atPath: out)
            let cfg = "\(work)/bench-\(mb)-\(w).yaml"
            try """
                name: bench-clean
                inputs: [{path: \(input), format: jsonl}]
                stages:
                  - {type: normalize}
                  - {type: c4_lines}
                  - {type: length, min_chars: 200}
                  - {type: gopher_quality}
                  - {type: gopher_repetition}
                  - {type: fineweb}
                  - {type: pii}
                output: {path: \(out), compression: \(compression), write_rejects: \(writeRejects)}
                execution: {workers: \(w)}
                """.write(toFile: cfg, atomically: true, encoding: .utf8)
            let (secs, rssKB, stdout) = try timed([binary, "run", cfg, "--no-progress"])
            let kept = stdout.split(separator: "\n").first { $0.hasPrefix("kept (written)") }?.split(separator: " ").last ?? "?"
            let dropped = stdout.split(separator: "\n").first { $0.hasPrefix("dropped") }?.split(separator: " ").last ?? "?"
            print(String(format: "%7d  %7d  %7.2f  %5.2f  %7.1f  %9.0f  %11.0f  ", mb, w, secs, lastCPUSeconds, Double(mb) / secs, Double(n) / secs, Double(rssKB) / 1024) + "\(kept)  \(dropped)")
            try? FileManager.default.removeItem(atPath: out)
        }
        try? FileManager.default.removeItem(atPath: input)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Splits the text files under `dir` into documents of about 2-6 KB at blank lines.
func sampleDocuments(_ dir: String) throws -> [String] {
    var out = [String]()
    let en = FileManager.default.enumerator(atPath: dir)
    var paths = [String]()
    while let p = en?.nextObject() as? String { paths.append(p) }
    for p in paths.sorted() {
        guard let d = FileManager.default.contents(atPath: dir + "/" + p), d.count > 0 else { continue }
        let text = d.withUnsafeBytes { TextDecoding.decode($0).text }
        var cur = ""
        for para in text.components(separatedBy: "\n\n") {
            cur += para + "\n\n"
            if cur.utf8.count > 2000 + (out.count % 5) * 1000 { out.append(cur); cur = "" }
        }
        if !cur.isEmpty { out.append(cur) }
    }
    return out
}

/// Writes JSONL documents cycling through `docs` until `megabytes` MB; returns the document count.
func makeCorpus(_ docs: [String], path: String, megabytes: Int) throws -> Int {
    FileManager.default.createFile(atPath: path, contents: nil)
    guard let h = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
    defer { try? h.close() }
    var written = 0, n = 0
    var buf = [UInt8]()
    while written < megabytes * 1_000_000 {
        let doc = docs[n % docs.count]
        buf.removeAll(keepingCapacity: true)
        buf.append(contentsOf: "{\"id\":\"d\(n)\",\"text\":".utf8)
        JSONWriter.writeString(doc, into: &buf)
        buf.append(contentsOf: "}\n".utf8)
        h.write(Data(buf))
        written += buf.count
        n += 1
    }
    return n
}

/// User + system CPU seconds of the last `timed` command.
nonisolated(unsafe) var lastCPUSeconds = 0.0

/// Runs a command under `/usr/bin/time -f %e %M`; returns wall seconds, peak RSS in KB and standard output.
func timed(_ cmd: [String]) throws -> (Double, Int, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/time")
    let timeFile = NSTemporaryDirectory() + "/df-bench-time-\(getpid())"
    p.arguments = ["-o", timeFile, "-f", "%e %M %U %S"] + cmd
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw BenchError("\(cmd.joined(separator: " ")) exited with \(p.terminationStatus)") }
    let t = (try? String(contentsOfFile: timeFile, encoding: .utf8))?.split(whereSeparator: { $0 == " " || $0 == "\n" }) ?? []
    lastCPUSeconds = t.count >= 4 ? (Double(t[2]) ?? 0) + (Double(t[3]) ?? 0) : 0
    return (Double(t.first ?? "0") ?? 0, Int(t.dropFirst().first ?? "0") ?? 0, String(decoding: data, as: UTF8.self))
}

/// A single-line file of `megabytes` MB (plain text and JSONL) through `pipeline run`: it must be rejected as too
/// long without being held in memory; prints the peak RSS.
func longLineCheck(megabytes: Int, binary: String) throws {
    let work = NSTemporaryDirectory() + "/df-bench-longline"
    try? FileManager.default.removeItem(atPath: work)
    try FileManager.default.createDirectory(atPath: work + "/in", withIntermediateDirectories: true)
    for (name, prefix, suffix) in [("long.jsonl", "{\"text\":\"", "\"}\n{\"text\":\"a short record after it\"}\n"), ("long.txt", "", "\n\nafter")] {
        FileManager.default.createFile(atPath: "\(work)/in/\(name)", contents: nil)
        let h = FileHandle(forWritingAtPath: "\(work)/in/\(name)")!
        h.write(Data(prefix.utf8))
        let chunk = Data(String(repeating: "abcdefghij", count: 100_000).utf8)
        for _ in 0..<(megabytes) { h.write(chunk) }
        h.write(Data(suffix.utf8))
        try h.close()
    }
    try """
        inputs:
          - {path: in/long.jsonl, format: jsonl}
          - {path: in/long.txt, format: text, text_mode: paragraphs}
        output: {path: out}
        """.write(toFile: work + "/p.yaml", atomically: true, encoding: .utf8)
    let (secs, rss, out) = try timed([binary, "run", work + "/p.yaml", "--no-progress"])
    let rejected = out.split(separator: "\n").filter { $0.contains("line_too_long") || $0.contains("balance") }
    print(String(format: "two %d MB single-line inputs: %.2f s, peak RSS %.0f MB", megabytes, secs, Double(rss) / 1024))
    rejected.forEach { print("  " + $0.trimmingCharacters(in: .whitespaces)) }
    try? FileManager.default.removeItem(atPath: work)
}
