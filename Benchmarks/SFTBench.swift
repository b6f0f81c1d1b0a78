// SFT benchmark: `pipeline sft validate` on a generated file (JSON Lines, then one JSON array), run as a child
// process so its peak memory is measured on its own: shows that a file of any size streams in bounded memory.
// Usage: bench sft [MB] [PIPELINE]   (default 256 MB; 1024 for the 1 GB check; PIPELINE defaults to the
// `pipeline` executable beside this one). Runs through the CLI, so it needs no dependency on the SFT module.
import Foundation

func runSFTBench(_ args: [String]) throws {
    let mb = args.first.flatMap(Int.init) ?? 256
    let exe = args.count > 1 ? args[1]
        : URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pipeline").path
    guard FileManager.default.isExecutableFile(atPath: exe) else {
        print("no pipeline executable at \(exe): build it first (swift build -c release --product pipeline)")
        return
    }
    let dir = NSTemporaryDirectory() + "sftbench-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let words = "the patient presented with acute pain fever cough fatigue treatment dose daily blood pressure heart rate".split(separator: " ")
    for array in [false, true] {
        let path = dir + (array ? "/big.json" : "/big.jsonl")
        FileManager.default.createFile(atPath: path, contents: nil)
        guard let fh = FileHandle(forWritingAtPath: path) else { return }
        var written = 0, n = 0
        var chunk = array ? "[\n" : ""
        var rng = UInt64(42)
        while written + chunk.utf8.count < mb << 20 {
            var out = ""
            for _ in 0..<60 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; out += words[Int(rng >> 33) % words.count] + " " }
            chunk += (array && n > 0 ? ",\n" : "") + #"{"instruction": "Question \#(n): explain.", "input": "", "output": "\#(out)"}"# + (array ? "" : "\n")
            n += 1
            if chunk.utf8.count > 1 << 20 { fh.write(Data(chunk.utf8)); written += chunk.utf8.count; chunk = "" }
        }
        chunk += array ? "\n]\n" : ""
        fh.write(Data(chunk.utf8)); written += chunk.utf8.count
        try fh.close()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["sft", "validate", path, "--show", "0"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        let t0 = Date()
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let dt = Date().timeIntervalSince(t0)
        let summary = String(decoding: out, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("records") } ?? "?"
        print("sft validate \(array ? "JSON array" : "JSON Lines"): \(n) records, \(written >> 20) MB in \(String(format: "%.1f", dt)) s " +
              "(\(String(format: "%.0f", Double(written >> 20) / dt)) MB/s), exit \(p.terminationStatus), peak RSS of children \(String(format: "%.0f", childMaxRSSMB())) MB")
        print("  \(summary)")
        try? FileManager.default.removeItem(atPath: path)
    }
}

private func childMaxRSSMB() -> Double {
    var u = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &u)
    #else
    getrusage(RUSAGE_CHILDREN, &u)
    #endif
    return Double(u.ru_maxrss) / 1024
}
