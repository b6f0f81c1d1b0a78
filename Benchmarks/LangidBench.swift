// Language-ID benchmark: MB/s of LanguageIdentifier.identify on one thread.
//
// Usage: swift build -c release && .build/release/bench langid [--chunk BYTES] [--iterations N] [--model FILE] FILE_OR_FOLDER ...
//   Files (or the .txt/.tsv files of a folder) are cut into documents of about BYTES bytes at line breaks
//   (default 4096; 0 = one document per line). Prints MB/s (best of N) and the label counts.
import Cleaning
import Foundation

func runLangidBench(_ args: [String]) throws {
    var paths: [String] = [], chunk = 4096, iterations = 3
    var modelPath: String?
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--chunk": i += 1; chunk = Int(args[i]) ?? chunk
        case "--iterations": i += 1; iterations = max(1, Int(args[i]) ?? iterations)
        case "--model": i += 1; modelPath = args[i]
        default: paths.append(args[i])
        }
        i += 1
    }
    let docs = langidBenchDocuments(paths, chunk: chunk)
    guard !docs.isEmpty else { print("langid: no input text (pass files or folders)"); return }
    let id = LanguageIdentifier(model: try modelPath.map { try LanguageModel.load(path: $0) } ?? LanguageModel.bundled())
    let bytes = docs.reduce(0) { $0 + $1.utf8.count }
    var best = Double.infinity
    var labels: [String: Int] = [:]
    for _ in 0..<iterations {
        labels = [:]
        let t0 = DispatchTime.now().uptimeNanoseconds
        for d in docs { labels[id.identify(d).language, default: 0] += 1 }
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    print(String(format: "langid: %d documents, %.1f MB, %.1f MB/s (one thread, best of %d)", docs.count, Double(bytes) / 1e6,
                 Double(bytes) / 1e6 / best, iterations))
    print("labels: " + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
}

/// The documents of the benchmark: lines of every input file, joined into chunks of about `chunk` bytes.
func langidBenchDocuments(_ paths: [String], chunk: Int) -> [String] {
    var files: [String] = []
    for p in paths {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { continue }
        if !isDir.boolValue { files.append(p); continue }
        let all = FileManager.default.enumerator(atPath: p)?.compactMap { $0 as? String } ?? []
        files += all.filter { $0.hasSuffix(".txt") || $0.hasSuffix(".tsv") }.sorted().map { p + "/" + $0 }
    }
    var docs: [String] = [], current = ""
    for f in files {
        guard let data = FileManager.default.contents(atPath: f) else { continue }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            current += line + "\n"
            if current.utf8.count >= chunk { docs.append(current); current = "" }
        }
        if !current.isEmpty { docs.append(current); current = "" }
    }
    return docs
}
