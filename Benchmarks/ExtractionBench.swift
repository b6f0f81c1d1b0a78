// HTML extraction benchmarks: speed on real HTML manuals and quality on the ScrapingHub article benchmark.
//
//   swift run -c release bench extract [speed DIR] [xml DIR] [quality [BENCHDIR]] [--python PY] [--limit N] [--repeat N] [--out FILE]
//
// speed DIR     every *.html under DIR (e.g. the folder filled by ../shared/bench/get-html-corpora.sh): pages/s and
//               MB/s with 1 and 2 threads; files are read before timing. With --python PY (a Python with trafilatura
//               and resiliparse), the reference tools run on the same file list via ../shared/bench/reference/bench_html.py.
// xml DIR      every *.xml under DIR (e.g. ../shared/data/medquad-xml) with the MedQuAD selector (one record per
//               QAPair): files/s, records/s, MB/s, 1 thread.
// quality [DIR] the ScrapingHub article-extraction benchmark (default ../shared/data/extraction-bench): writes
//               {id: text} to --out (default: a file in the temporary directory) and scores it with
//               ../shared/bench/reference/score_extraction.py when python3 is available.
// Missing folders are skipped with a note. Figures are printed, never asserted.
import Dispatch
import DomainForgeCore
import Extraction
import Foundation

func runExtractionBench(_ args: [String]) throws {
    var speedDir: String? = nil
    var xmlDir: String? = nil
    var qualityDir: String? = nil
    var wantQuality = false
    var python: String? = nil
    var limit = 0
    var repeats = 3
    var out: String? = nil
    var i = 0
    while i < args.count {
        let a = args[i]
        func next() -> String? { i += 1; return i < args.count ? args[i] : nil }
        switch a {
        case "speed": speedDir = next()
        case "xml": xmlDir = next()
        case "quality":
            wantQuality = true
            if i + 1 < args.count && !args[i + 1].hasPrefix("-") && args[i + 1] != "speed" { qualityDir = next() }
        case "--python": python = next()
        case "--limit": limit = Int(next() ?? "") ?? 0
        case "--repeat": repeats = max(1, Int(next() ?? "") ?? 3)
        case "--out": out = next()
        default:
            if speedDir == nil && !a.hasPrefix("-") { speedDir = a } else { print("unknown argument \(a)"); return }
        }
        i += 1
    }
    if speedDir == nil && !wantQuality && xmlDir == nil {
        print("usage: bench extract [speed DIR] [xml DIR] [quality [BENCHDIR]] [--python PY] [--limit N] [--repeat N] [--out FILE]")
        return
    }
    if let dir = speedDir { try extractionSpeed(dir: dir, python: python, limit: limit, repeats: repeats) }
    if let xmlDir { try xmlSpeed(dir: xmlDir, limit: limit) }
    if wantQuality { try extractionQuality(dir: qualityDir ?? "../shared/data/extraction-bench", out: out) }
}

private func htmlFiles(under dir: String) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
    var files: [String] = []
    while let p = e.nextObject() as? String {
        if p.hasSuffix(".html") || p.hasSuffix(".htm") { files.append(dir + "/" + p) }
    }
    return files.sorted()
}

private func extractionSpeed(dir: String, python: String?, limit: Int, repeats: Int) throws {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
        print("extract speed: \(dir) not found; skipped (fill it with ../shared/bench/get-html-corpora.sh \(dir))")
        return
    }
    var files = htmlFiles(under: dir)
    if limit > 0 { files = Array(files.prefix(limit)) }
    guard !files.isEmpty else { print("extract speed: no .html files under \(dir); skipped"); return }
    let pages: [[UInt8]] = files.compactMap { FileManager.default.contents(atPath: $0).map { Array($0) } }
    let totalBytes = pages.reduce(0) { $0 + $1.count }
    let ex = HTMLExtractor()
    print("extract speed: \(pages.count) pages, \(String(format: "%.2f", Double(totalBytes) / 1e6)) MB from \(dir)")

    // Warm-up and output size.
    var outBytes = 0, empty = 0, failed = 0
    for p in pages {
        if let r = try? ex.extract(p) { outBytes += r.text.utf8.count; if r.text.isEmpty { empty += 1 } } else { failed += 1 }
    }
    print("  output \(String(format: "%.2f", Double(outBytes) / 1e6)) MB, empty \(empty), errors \(failed)")

    for threads in [1, 2] {
        var times: [Double] = []
        var cpuTimes: [Double] = []
        for _ in 0..<repeats {
            let cpu0 = processCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                var k = t
                var sink = 0
                while k < pages.count {
                    sink &+= (try? ex.extract(pages[k]))?.text.utf8.count ?? 0
                    k += threads
                }
                if sink == -1 { print("unreachable") }
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            cpuTimes.append(processCPUSeconds() - cpu0)
        }
        times.sort()
        cpuTimes.sort()
        let med = times[times.count / 2]
        let cpu = cpuTimes[cpuTimes.count / 2]
        print("  domainforge HTMLExtractor, \(threads) thread\(threads > 1 ? "s" : " "): \(String(format: "%8.1f", Double(pages.count) / med)) pages/s  \(String(format: "%6.2f", Double(totalBytes) / 1e6 / med)) MB/s  (median of \(repeats), \(String(format: "%.2f", med)) s wall, \(String(format: "%.2f", cpu)) s CPU = \(String(format: "%.1f", Double(pages.count) / cpu)) pages per CPU-second)")
    }

    let script = "../shared/bench/reference/bench_html.py"
    let list = FileManager.default.temporaryDirectory.appendingPathComponent("domainforge-extract-filelist.txt").path
    try files.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
    guard FileManager.default.fileExists(atPath: script) else { print("  reference script \(script) not found; references skipped"); return }
    guard let python else {
        print("  references: pass --python PY (with trafilatura, resiliparse) or run: PY \(script) trafilatura|resiliparse \(list)")
        return
    }
    for tool in ["resiliparse", "trafilatura"] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script, tool, list]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") { print("  [\(tool)] \(line)") }
    }
}

private func xmlSpeed(dir: String, limit: Int) throws {
    guard let e = FileManager.default.enumerator(atPath: dir) else { print("extract xml: \(dir) not found; skipped"); return }
    var files: [String] = []
    while let p = e.nextObject() as? String { if p.hasSuffix(".xml") { files.append(dir + "/" + p) } }
    files.sort()
    if limit > 0 { files = Array(files.prefix(limit)) }
    guard !files.isEmpty else { print("extract xml: no .xml files under \(dir); skipped"); return }
    let docs: [(String, [UInt8])] = files.compactMap { f in FileManager.default.contents(atPath: f).map { (URL(fileURLWithPath: f).lastPathComponent, Array($0)) } }
    let bytes = docs.reduce(0) { $0 + $1.1.count }
    let ex = try XMLRecordExtractor(selector: XMLSelector(
        documents: "//QAPair", text: ["Question", "Answer"], id: "concat(ancestor::Document/@id, '-', @pid)",
        metadata: ["focus": "ancestor::Document/Focus", "qtype": "Question/@qtype", "url": "ancestor::Document/@url"]))
    var records = 0, failed = 0, empty = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for (name, b) in docs {
        do {
            let recs = try b.withUnsafeBytes { try ex.extract($0, fileName: name) }
            records += recs.count
            if recs.isEmpty { empty += 1 }
        } catch { failed += 1 }
    }
    let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print("extract xml: \(docs.count) files, \(String(format: "%.1f", Double(bytes) / 1e6)) MB from \(dir): \(records) records, \(empty) files without records, \(failed) errors")
    print("  XMLRecordExtractor, 1 thread: \(String(format: "%.0f", Double(docs.count) / secs)) files/s, \(String(format: "%.0f", Double(records) / secs)) records/s, \(String(format: "%.1f", Double(bytes) / 1e6 / secs)) MB/s")
}

/// User + system CPU time of the whole process so far.
private func processCPUSeconds() -> Double {
    var u = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

private func extractionQuality(dir: String, out: String?) throws {
    let gtPath = dir + "/ground-truth.json"
    guard FileManager.default.fileExists(atPath: gtPath) else { print("extract quality: \(gtPath) not found; skipped"); return }
    let files = htmlFiles(under: dir + "/html")
    var o = HTMLExtractor.Options()
    o.includeTitle = false  // the benchmark's articleBody has no headline
    let ex = HTMLExtractor(options: o)
    var json = [UInt8]("{".utf8)
    let start = DispatchTime.now().uptimeNanoseconds
    var bytes = 0
    for (k, f) in files.enumerated() {
        guard let data = FileManager.default.contents(atPath: f) else { continue }
        bytes += data.count
        let id = URL(fileURLWithPath: f).deletingPathExtension().lastPathComponent
        let text = (try? data.withUnsafeBytes { raw in try ex.extract(raw) }.text) ?? ""
        if k > 0 { json.append(UInt8(ascii: ",")) }
        JSONWriter.writeString(id, into: &json)
        json.append(UInt8(ascii: ":"))
        JSONWriter.writeString(text, into: &json)
        json.append(UInt8(ascii: "\n"))
    }
    json.append(UInt8(ascii: "}"))
    let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let outPath = out ?? FileManager.default.temporaryDirectory.appendingPathComponent("domainforge-extraction-quality.json").path
    try Data(json).write(to: URL(fileURLWithPath: outPath))
    print("extract quality: \(files.count) pages (\(String(format: "%.1f", Double(bytes) / 1e6)) MB) in \(String(format: "%.2f", secs)) s -> \(outPath)")
    let scorer = "../shared/bench/reference/score_extraction.py"
    guard FileManager.default.fileExists(atPath: scorer) else { print("  scorer \(scorer) not found; not scored"); return }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", scorer, outPath, "--ground-truth", gtPath]
    let pipe = Pipe()
    p.standardOutput = pipe
    do { try p.run() } catch { print("  python3 not available; score with: python3 \(scorer) \(outPath) --ground-truth \(gtPath)"); return }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") { print("  \(line)") }
}
