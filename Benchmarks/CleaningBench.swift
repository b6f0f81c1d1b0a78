// Cleaning stages benchmark: MB/s per stage and for the full chain, one thread, on real text.
//
// Usage: swift run -c release bench clean [--chunk BYTES] [--iterations N] [FILE_OR_FOLDER ...]
//   default input: ../shared/data/plain-text/ (relative to the current directory); skipped when absent.
//   --chunk BYTES  split files into documents of about BYTES bytes at line breaks (default 8192, web-page sized;
//                  0 = one document per file)
//   --iterations N best of N runs per row (default 3)
//   --stage TYPE   only this stage (no chain row)
//   --verdicts F   also write "stage<TAB>document index<TAB>keep|reason" for every stage (and "c4" = c4_lines then
//                  c4_document), to compare with a reference implementation run on the same documents
import PipelineRunner
import Cleaning
import DomainForgeCore
import Foundation

func runCleaningBench(_ args: [String]) throws {
    var paths: [String] = []
    var chunk = 8192
    var iterations = 3
    var only: String?
    var verdictsPath: String?
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--chunk":
            i += 1
            guard i < args.count, let v = Int(args[i]), v >= 0 else { print("--chunk needs a byte count"); return }
            chunk = v
        case "--iterations":
            i += 1
            guard i < args.count, let v = Int(args[i]), v > 0 else { print("--iterations needs a positive count"); return }
            iterations = v
        case "--verdicts":
            i += 1
            guard i < args.count else { print("--verdicts needs a file"); return }
            verdictsPath = args[i]
        case "--stage":
            i += 1
            guard i < args.count else { print("--stage needs a stage type"); return }
            only = args[i]
        default:
            paths.append(args[i])
        }
        i += 1
    }
    if paths.isEmpty { paths = ["../shared/data/plain-text/"] }

    let files = collectFiles(paths)
    if files.isEmpty {
        print("clean bench: no input files under \(paths.joined(separator: ", ")); skipping")
        return
    }
    var docs: [Document] = []
    var totalBytes = 0
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        let text = String(decoding: data, as: UTF8.self)
        for (k, piece) in split(text, chunk: chunk).enumerated() {
            docs.append(Document(id: "\(file)#\(k)", text: piece, source: file))
            totalBytes += piece.utf8.count
        }
    }
    let mb = Double(totalBytes) / 1_000_000
    print("clean bench: \(files.count) files, \(docs.count) documents (chunk \(chunk)), \(String(format: "%.1f", mb)) MB, best of \(iterations), 1 thread, MB/s = input MB / thread CPU seconds")

    var stages: [any DocumentStage] = []
    for type in StageRegistry.cleaningTypes where only == nil || only == type {
        stages.append(try StageRegistry.makeDocumentStage(type: type, options: .null))
    }
    let header = "stage".padding(toLength: 20, withPad: " ", startingAt: 0)
        + pad("docs", 8) + pad("kept", 8) + pad("changed", 9) + pad("cpu s", 9) + pad("MB/s", 9) + "  top drop reasons"
    print(header)
    print(String(repeating: "-", count: header.count + 20))

    for stage in stages {
        let row = measure(iterations) { () -> RowResult in
            var r = RowResult()
            var counters = StageCounters()
            for var doc in docs {
                let before = doc.text.utf8.count
                switch stage.process(&doc, counters: &counters) {
                case .keep:
                    r.kept += 1
                    if doc.text.utf8.count != before { r.changed += 1 }
                case .drop(let reason, _): r.reasons[reason, default: 0] += 1
                }
            }
            return r
        }
        printRow(stage.name, docs.count, row, mb)
    }

    if let verdictsPath {
        var lines = ""
        for stage in stages {
            for (k, doc) in docs.enumerated() {
                var d = doc
                var c = StageCounters()
                let v = stage.process(&d, counters: &c)
                lines += "\(stage.name)\t\(k)\t\(verdictName(v))\n"
            }
        }
        let c4 = try ["c4_lines", "c4_document"].map { try StageRegistry.makeDocumentStage(type: $0, options: .null) }
        for (k, doc) in docs.enumerated() {
            var d = doc
            var c = StageCounters()
            var v = StageVerdict.keep
            for stage in c4 where v == .keep { v = stage.process(&d, counters: &c) }
            lines += "c4\t\(k)\t\(verdictName(v))\n"
        }
        try lines.write(toFile: verdictsPath, atomically: true, encoding: .utf8)
        print("verdicts written to \(verdictsPath)")
    }
    if only != nil { return }
    // The full chain in a usual order; documents leave at their first drop.
    let order = ["normalize", "pii", "length", "gopher_quality", "gopher_repetition", "fineweb", "c4_document"]
    let chain = try order.map { try StageRegistry.makeDocumentStage(type: $0, options: .null) }
    let row = measure(iterations) { () -> RowResult in
        var r = RowResult()
        var counters = StageCounters()
        docLoop: for var doc in docs {
            for stage in chain {
                if case .drop(let reason, _) = stage.process(&doc, counters: &counters) {
                    r.reasons["\(stage.name):\(reason)", default: 0] += 1
                    continue docLoop
                }
            }
            r.kept += 1
        }
        return r
    }
    printRow("chain (\(order.count) stages)", docs.count, row, mb)
    print("chain order: \(order.joined(separator: " -> ")); c4_lines is left out of the chain (hard-wrapped book text has few terminal-punctuation lines)")
}

private func verdictName(_ v: StageVerdict) -> String {
    switch v {
    case .keep: return "keep"
    case .drop(let reason, _): return reason
    }
}

private struct RowResult {
    var kept = 0
    var changed = 0
    var reasons: [String: Int] = [:]
    var seconds = 0.0
}

private func measure(_ iterations: Int, _ body: () -> RowResult) -> RowResult {
    var best: RowResult?
    for _ in 0..<iterations {
        let start = threadCPUSeconds()
        var r = body()
        r.seconds = threadCPUSeconds() - start
        if best == nil || r.seconds < best!.seconds { best = r }
    }
    return best!
}

/// CPU time of the calling thread: steadier than wall time on a shared machine.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

private func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s
}

private func printRow(_ name: String, _ docs: Int, _ r: RowResult, _ mb: Double) {
    let top = r.reasons.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(3)
        .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    print(name.padding(toLength: 20, withPad: " ", startingAt: 0)
        + pad("\(docs)", 8) + pad("\(r.kept)", 8) + pad("\(r.changed)", 9)
        + pad(String(format: "%.3f", r.seconds), 9) + pad(String(format: "%.0f", mb / r.seconds), 9) + "  " + top)
}

/// Regular files under `paths` (folders walked recursively), sorted.
private func collectFiles(_ paths: [String]) -> [String] {
    var out: [String] = []
    let fm = FileManager.default
    for path in paths {
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { continue }
        if !isDir.boolValue { out.append(path); continue }
        guard let e = fm.enumerator(atPath: path) else { continue }
        for case let rel as String in e {
            let full = (path as NSString).appendingPathComponent(rel)
            var sub: ObjCBool = false
            if fm.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue,
               !rel.hasSuffix(".tsv"), !(rel as NSString).lastPathComponent.hasPrefix(".") {
                out.append(full)
            }
        }
    }
    return out.sorted()
}

/// Splits `text` into pieces of about `chunk` bytes, cutting after a newline (0: no split).
private func split(_ text: String, chunk: Int) -> [String] {
    guard chunk > 0 else { return [text] }
    let bytes = Array(text.utf8)
    var pieces: [String] = []
    var start = 0
    while start < bytes.count {
        var end = min(start + chunk, bytes.count)
        if end < bytes.count {
            var k = end
            while k < bytes.count && bytes[k] != 0x0A { k += 1 }
            end = min(k + 1, bytes.count)
        }
        pieces.append(String(decoding: bytes[start..<end], as: UTF8.self))
        start = end
    }
    return pieces
}
