// Chinese vs English cleaning throughput: the default filter chain on Chinese text (ICU-segmented words,
// FineWeb-2's cmn_Hani rules) and on English text (today's byte-level path), MB/s each and their ratio.
//
// Usage: swift run -c release bench clean-zh [--zh FILE_OR_FOLDER]... [--en FILE_OR_FOLDER]... [--iterations N] [--per-stage]
//   defaults: corpora/zh/text and corpora/zh/jsonl (texts) against corpora/text; each side is repeated to about
//   2 MB of documents (one document per paragraph group of about 2 KB). The goal is Chinese >= 50% of English.
import PipelineRunner
import Cleaning
import DomainForgeCore
import Foundation

func runLanguageCleaningBench(_ args: [String]) throws {
    var zh: [String] = [], en: [String] = []
    var iterations = 3
    var perStage = false
    var i = 0
    while i < args.count {
        let value = i + 1 < args.count ? args[i + 1] : ""
        switch args[i] {
        case "--zh": zh.append(value); i += 1
        case "--en": en.append(value); i += 1
        case "--iterations": iterations = max(1, Int(value) ?? 3); i += 1
        case "--per-stage": perStage = true
        default: print("clean-zh: unknown argument \(args[i]); see the usage at the top of LanguageCleaningBench.swift"); return
        }
        i += 1
    }
    if zh.isEmpty { zh = ["corpora/zh/text", "corpora/zh/jsonl"] }
    if en.isEmpty { en = ["corpora/text"] }
    let zhDocs = benchDocuments(zh), enDocs = benchDocuments(en)
    guard !zhDocs.isEmpty, !enDocs.isEmpty else { print("clean-zh: no input text found; skipping"); return }
    let order = ["normalize", "c4_lines", "length", "gopher_quality", "gopher_repetition", "fineweb"]
    let chain = try order.map { try StageRegistry.makeDocumentStage(type: $0, options: .null) }
    let zhRate = chainRate(chain, zhDocs, iterations: iterations, label: "zh", perStage: perStage)
    let enRate = chainRate(chain, enDocs, iterations: iterations, label: "en", perStage: perStage)
    print(String(format: "zh/en throughput: %.0f%% (goal >= 50%%); chain: %@", 100 * zhRate / enRate, order.joined(separator: " -> ")))
}

/// Documents of about 2 KB from the texts under `paths` (JSONL lines give their `text`), repeated to about 2 MB.
private func benchDocuments(_ paths: [String]) -> [Document] {
    var texts: [String] = []
    for path in paths {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
        let files = isDirectory.boolValue
            ? ((try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []).map { path + "/" + $0 } : [path]
        for file in files.sorted() {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            if file.hasSuffix(".jsonl") {
                texts += text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0))["text"]?.stringValue }
            } else if file.hasSuffix(".txt") && !file.contains("gb18030") {
                texts.append(text)
            }
        }
    }
    texts = texts.flatMap { chunks($0, bytes: 2_048) }
    guard texts.count > 1 else { return [] }  // one text repeated would only measure the segmentation cache
    var docs: [Document] = []
    var bytes = 0
    while bytes < 2_000_000 {
        for t in texts {
            docs.append(Document(id: "d\(docs.count)", text: t, source: "bench"))
            bytes += t.utf8.count
        }
    }
    return docs
}

/// `text` cut after a newline every `bytes` or so.
private func chunks(_ text: String, bytes: Int) -> [String] {
    var out: [String] = []
    var current = ""
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        current += line + "\n"
        if current.utf8.count >= bytes { out.append(current); current = "" }
    }
    if !current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { out.append(current) }
    return out
}

/// Input MB per thread-CPU second of the chain (best of `iterations`), printed with the keep count; with
/// `perStage`, also each stage's CPU seconds in the best iteration (timing each call adds a little to the total).
private func chainRate(_ chain: [any DocumentStage], _ docs: [Document], iterations: Int, label: String,
                       perStage: Bool = false) -> Double {
    let mb = Double(docs.reduce(0) { $0 + $1.text.utf8.count }) / 1_000_000
    var best = Double.infinity
    var kept = 0
    var bestStages: [Double] = []
    for _ in 0..<iterations {
        let start = threadCPUSeconds()
        var counters = StageCounters()
        var stages = [Double](repeating: 0, count: chain.count)
        kept = 0
        docLoop: for var doc in docs {
            for (k, stage) in chain.enumerated() {
                let t0 = perStage ? threadCPUSeconds() : 0
                let verdict = stage.process(&doc, counters: &counters)
                if perStage { stages[k] += threadCPUSeconds() - t0 }
                if case .drop = verdict { continue docLoop }
            }
            kept += 1
        }
        let seconds = threadCPUSeconds() - start
        if seconds < best { best = seconds; bestStages = stages }
    }
    print(String(format: "%@: %d documents, %.1f MB, kept %d, %.3f cpu s, %.1f MB/s", label, docs.count, mb, kept, best, mb / best))
    if perStage {
        print("  " + zip(chain, bestStages).map { String(format: "%@ %.3f s", $0.0.name, $0.1) }.joined(separator: ", "))
    }
    return mb / best
}
