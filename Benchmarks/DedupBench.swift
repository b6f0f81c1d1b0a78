// Dedup benchmark: accuracy and speed of exact_dedup + minhash_dedup on a corpus with known duplicates.
//
// Usage: swift run -c release bench dedup [--corpus DIR] [--threads N] [--bands B] [--rows R] [--verify]
//            [--threshold J] [--ngram N] [--no-exact] [--scale K] [--keep-state] [--more] [--global [--keep P] [--ranks R]]
//            [--data ROOT] [--python PY]
//   --corpus DIR   output folder of ../shared/bench/reference/build_dedup_corpus.py (corpus.jsonl, truth.jsonl);
//                  default .bench-dedup/corpus; skipped cleanly when absent. Build one with, e.g.:
//                  python3 ../shared/bench/reference/build_dedup_corpus.py .bench-dedup/corpus
//   With none of --bands/--rows/--verify/--threshold/--ngram it runs twice: the defaults (14 x 8, MinHash estimate)
//   and the recommended high-recall setting (20 x 5 with verify_jaccard).
//   --threads N    prepare() workers (default 2, like the reference runs); decide() runs in input order on the
//                  calling thread, as in the executor
//   --scale K      feed the corpus K times; copy k > 0 gets ids "<id>~k" and every ASCII word gets the suffix
//                  "qk", so each copy is a distinct corpus with the same duplicate structure (the index grows
//                  K times): for peak RSS and speed at K× corpus size; scored only when K = 1
//   --global       minhash_dedup in mode: global instead (no exact_dedup stage: exact copies share every band): the
//                  documents are recorded during the pass, then GlobalDedupClusterer links and clusters them; reports
//                  the recording pass, the clustering and the total docs/s. --keep first|longest|priority (default
//                  first), --ranks R records round-robin batches into R indexes as R ranks would (default 1)
//   --more         also time line_dedup (sentence_spans) and decontaminate (MMLU test CSVs + GSM8K test from
//                  ../shared/data/eval-general) over the same corpus
//   --data ROOT    instead: checks on real data under ROOT (e.g. ../shared/data): exact duplicates in
//                  sft-domain/medquad/medquad_qa.jsonl (text = instruction + output), and GSM8K train
//                  (sft-general/alpaca-data-cleaned-extensions/dataset_extensions/gsm_8k/gsm_8k_train.json) against the
//                  GSM8K test set (eval-general/gsm8k/grade_school_math/data/test.jsonl) with decontaminate
//                  plus the 5 GPTeacher Roleplay files (whole files, exact_dedup), the nested Toolformer subsets
//                  (records, exact_dedup, biggest file first) and the Gutenberg editions (whole files, minhash_dedup)
//   The removed ids are written to <state>/removed.json and scored with ../shared/bench/reference/dedup_eval.py
//   (python3; DOMAINFORGE_PYTHON overrides).
import Dedup
import PipelineRunner
import DomainForgeCore
import Foundation

private final class Box<T>: @unchecked Sendable { var value: T; init(_ v: T) { value = v } }

func runDedupBench(_ args: [String]) throws {
    var corpus = ".bench-dedup/corpus"
    var threads = 2
    var mh: [String: JSONValue] = [:]
    var exact = true
    var scale = 1
    var keepState = false
    var more = false
    var global = false
    var ranks = 1
    var python = ProcessInfo.processInfo.environment["DOMAINFORGE_PYTHON"] ?? "python3"
    var i = 0
    func value() -> String { i += 1; return i < args.count ? args[i] : "" }
    while i < args.count {
        switch args[i] {
        case "--corpus": corpus = value()
        case "--threads": threads = max(1, Int(value()) ?? 2)
        case "--bands": mh["bands"] = .int(Int64(value()) ?? 14)
        case "--rows": mh["rows"] = .int(Int64(value()) ?? 8)
        case "--ngram": mh["ngram"] = .int(Int64(value()) ?? 5)
        case "--threshold": mh["jaccard_threshold"] = .double(Double(value()) ?? 0.7)
        case "--verify": mh["verify_jaccard"] = .bool(true)
        case "--no-exact": exact = false
        case "--scale": scale = max(1, Int(value()) ?? 1)
        case "--keep-state": keepState = true
        case "--more": more = true
        case "--global": global = true
        case "--keep": mh["keep"] = .string(value())
        case "--ranks": ranks = max(1, Int(value()) ?? 1)
        case "--python": python = value()
        case "--data": return try runDedupDataChecks(value())
        default: print("dedup bench: unknown argument \(args[i])"); return
        }
        i += 1
    }
    let corpusFile = corpus + "/corpus.jsonl"
    guard FileManager.default.fileExists(atPath: corpusFile) else {
        print("dedup bench: no \(corpusFile); build it with python3 ../shared/bench/reference/build_dedup_corpus.py \(corpus); skipping")
        return
    }
    if global {
        mh["mode"] = .string("global")
        if mh["bands"] == nil && mh["verify_jaccard"] == nil { mh["bands"] = .int(20); mh["rows"] = .int(5); mh["verify_jaccard"] = .bool(true) }
        return try benchOnce(corpus: corpusFile, dir: corpus, mh: mh, exact: false, threads: threads, scale: scale, keepState: keepState,
                             python: python, ranks: ranks)
    }
    if mh.isEmpty {
        // The defaults (14 x 8, MinHash estimate), then the recommended high-recall setting.
        try benchOnce(corpus: corpusFile, dir: corpus, mh: [:], exact: exact, threads: threads, scale: scale, keepState: keepState, python: python)
        print("")
        mh = ["bands": .int(20), "rows": .int(5), "verify_jaccard": .bool(true)]
    }
    try benchOnce(corpus: corpusFile, dir: corpus, mh: mh, exact: exact, threads: threads, scale: scale, keepState: keepState, python: python)
    if more {
        print("")
        try benchOnce(corpus: corpusFile, dir: corpus, mh: [:], exact: false, threads: threads, scale: scale, keepState: keepState,
                      python: python, only: [("line_dedup", .object(["sentence_spans": .bool(true)]))])
        let eval = "../shared/data/eval-general"
        if FileManager.default.fileExists(atPath: eval) {
            print("")
            let sets: JSONValue = .array([
                .object(["name": .string("mmlu"), "path": .string(eval + "/mmlu/data/mmlu/test/*.csv"), "format": .string("csv"),
                         "fields": .array(["question", "choice0", "choice1", "choice2", "choice3"].map { .string($0) })]),
                .object(["name": .string("gsm8k"), "path": .string(eval + "/gsm8k/grade_school_math/data/test.jsonl"),
                         "format": .string("jsonl"), "fields": .array([.string("question"), .string("answer")])]),
            ])
            try benchOnce(corpus: corpusFile, dir: corpus, mh: [:], exact: false, threads: threads, scale: scale, keepState: keepState,
                          python: python, only: [("decontaminate", .object(["eval_sets": sets]))])
        }
    }
}

private func benchOnce(corpus corpusFile: String, dir corpus: String, mh: [String: JSONValue], exact: Bool, threads: Int, scale: Int,
                       keepState: Bool, python: String, only: [(String, JSONValue)]? = nil, ranks: Int = 1) throws {
    let state = corpus + "/state-\(getpid())"
    try? FileManager.default.removeItem(atPath: state)
    defer { if !keepState { try? FileManager.default.removeItem(atPath: state) } }

    let t0 = Date()
    var u0 = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u0)
    let cpu0 = Double(u0.ru_utime.tv_sec) + Double(u0.ru_utime.tv_usec) / 1e6 + Double(u0.ru_stime.tv_sec) + Double(u0.ru_stime.tv_usec) / 1e6
    var stages: [any OrderedStage] = []
    if let only {
        for (type, o) in only { stages.append(try StageRegistry.makeOrderedStage(type: type, options: o, stateDirectory: state + "/" + type, baseDirectory: ".")) }
    } else if exact {
        stages.append(try StageRegistry.makeOrderedStage(type: "exact_dedup", options: .null, stateDirectory: state + "/exact", baseDirectory: "."))
    }
    if only == nil {
        stages.append(try StageRegistry.makeOrderedStage(type: "minhash_dedup", options: .object(mh), stateDirectory: state + "/minhash", baseDirectory: "."))
    }
    // Global mode with R ranks: one stage (and index) per rank, batches dealt round-robin.
    var rankStages: [any OrderedStage] = []
    if mh["mode"] == .string("global") && only == nil {
        rankStages = stages
        for r in 1..<max(ranks, 1) {
            rankStages.append(try StageRegistry.makeOrderedStage(type: "minhash_dedup", options: .object(mh), stateDirectory: state + "/minhash-r\(r)", baseDirectory: "."))
        }
        for s in rankStages.dropFirst() { try s.resume(finishedParts: []); try s.beginPart(0) }
    }
    var batchNumber = 0
    for s in stages { try s.resume(finishedParts: []); try s.beginPart(0) }

    var removed: [String] = []
    var byReason: [String: Int] = [:]
    var counters = StageCounters()
    var nDocs = 0
    var nBytes = 0
    var prepareSeconds = 0.0, decideSeconds = 0.0, copySeconds = 0.0
    let batchSize = 1024
    for copy in 0..<scale {
        let reader = LineReader(source: try openByteSource(path: corpusFile, displayName: corpusFile), maxLineBytes: 64 << 20)
        var done = false
        while !done {
            var batch: [Document] = []
            while batch.count < batchSize {
                guard let rec = try reader.next() else { done = true; break }
                if rec.bytes.isEmpty { continue }
                let v = try JSONParser.parse(bytes: rec.bytes)
                guard let id = v["id"]?.stringValue, let text = v["text"]?.stringValue else { continue }
                if copy == 0 {
                    batch.append(Document(id: id, text: text, source: corpusFile))
                } else {
                    let tc = Date()
                    batch.append(Document(id: "\(id)~\(copy)", text: suffixWords(text, "q\(copy)"), source: corpusFile))
                    copySeconds += Date().timeIntervalSince(tc)
                }
            }
            if batch.isEmpty { continue }
            if !rankStages.isEmpty { stages = [rankStages[batchNumber % rankStages.count]] }
            batchNumber += 1
            let tp = Date()
            let prepared = Box([[any Sendable]](repeating: [], count: batch.count))
            let docsBox = Box(batch)
            let preparers = stages.map(\.anyPreparer)
            let nThreads = threads
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: nThreads) { w in
                var local: [(Int, [any Sendable])] = []
                var k = w
                while k < docsBox.value.count {
                    local.append((k, preparers.map { $0.prepare(docsBox.value[k]) }))
                    k += nThreads
                }
                lock.lock(); for (k, p) in local { prepared.value[k] = p }; lock.unlock()
            }
            let td = Date()
            prepareSeconds += td.timeIntervalSince(tp)
            for (k, var doc) in batch.enumerated() {
                nDocs += 1
                nBytes += doc.text.utf8.count
                for (s, stage) in stages.enumerated() {
                    if case .drop(let reason, _) = try stage.decide(&doc, erasedPrepared: prepared.value[k][s], counters: &counters) {
                        removed.append(doc.id)
                        byReason[reason, default: 0] += 1
                        break
                    }
                }
            }
            decideSeconds += Date().timeIntervalSince(td)
        }
    }
    if !rankStages.isEmpty { stages = rankStages }
    for s in stages { try s.endPart(0); try s.finish() }
    var clusterSeconds = 0.0
    if let plan = (stages.first as? any GlobalDedupStage)?.globalPlan {
        let tc = Date()
        let indexes = stages.indices.map { (rank: $0, path: state + ($0 == 0 ? "/minhash" : "/minhash-r\($0)") + "/" + GlobalDedupPlan.indexFileName) }
        let result = try GlobalDedupClusterer.cluster(plan: plan, indexes: indexes)
        clusterSeconds = Date().timeIntervalSince(tc)
        for d in result.drops.keys.sorted().flatMap({ result.drops[$0]! }) { removed.append(d.id); byReason[plan.reason, default: 0] += 1 }
        counters.add("global_clusters", result.clusters.count)
        counters.add("global_comparisons", result.comparisons)
        counters.add("global_recorded", result.recorded)
    }
    let wall = Date().timeIntervalSince(t0) - copySeconds // making the copies is the benchmark's own work
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    let rssMB = Double(u.ru_maxrss) / 1024
    let cpu = Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6 - cpu0
    let cfg = mh.isEmpty ? "defaults" : JSONValue.object(mh).serialized()
    let desc = only.map { $0.map { "\($0.0) \($0.1.serialized())" }.joined(separator: " + ") } ?? "\(exact ? "exact_dedup + " : "")minhash_dedup \(cfg)"
    print("dedup bench: \(corpusFile) ×\(scale): \(nDocs) docs, \(String(format: "%.1f", Double(nBytes) / 1e6)) MB; stages: \(desc); \(threads) prepare threads")
    print(String(format: "  wall %.2f s (read+parse+prepare+decide+finish%@): %.0f docs/s, %.1f MB/s; prepare %.2f s, decide %.2f s%@; process CPU %.2f s (%.0f docs per CPU-second); peak RSS %.0f MB",
                 wall, rankStages.isEmpty ? "" : "+cluster", Double(nDocs) / wall, Double(nBytes) / 1e6 / wall, prepareSeconds, decideSeconds,
                 rankStages.isEmpty ? "" : String(format: ", global clustering %.2f s (%d index%@)", clusterSeconds, rankStages.count, rankStages.count == 1 ? "" : "es"),
                 cpu, Double(nDocs) / cpu, rssMB))
    print("  removed \(removed.count): " + byReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
          + "; counters " + counters.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    let removedPath = state + "/removed.json"
    try Data(JSONValue.array(removed.map { .string($0) }).serialized().utf8).write(to: URL(fileURLWithPath: removedPath))
    guard scale == 1, only == nil else { return }
    let ref = "../shared/bench/reference"
    guard FileManager.default.fileExists(atPath: ref + "/dedup_eval.py") else { print("  (no \(ref)/dedup_eval.py; not scored)"); return }
    let script = """
        import sys, json; sys.path.insert(0, sys.argv[1])
        from dedup_eval import load_truth, evaluate
        truth = load_truth(sys.argv[2]); removed = json.load(open(sys.argv[3]))
        n = sum(1 for _ in open(sys.argv[2] + "/corpus.jsonl"))
        r = evaluate(removed, truth, n)
        hi = [t for t in truth if t["jaccard"] >= 0.8]
        groups = {}
        for t in truth: groups.setdefault(t["orig_id"], set()).update([t["orig_id"], t["id"]])
        rem = set(removed)
        r["recall_jaccard_ge_0.8"] = round(sum(1 for t in hi if groups[t["orig_id"]] & rem) / max(1, len(hi)), 4)
        print(json.dumps(r, indent=1))
        """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [python, "-c", script, ref, corpus, removedPath]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    print(String(decoding: out, as: UTF8.self))
}

private func runStage(_ stage: any OrderedStage, _ docs: [Document]) throws -> (dropped: [String], counters: StageCounters) {
    try stage.resume(finishedParts: [])
    try stage.beginPart(0)
    var counters = StageCounters()
    var dropped: [String] = []
    for var d in docs {
        if case .drop = try stage.decide(&d, counters: &counters) { dropped.append(d.id) }
    }
    try stage.endPart(0)
    try stage.finish()
    return (dropped, counters)
}

func runDedupDataChecks(_ root: String) throws {
    let state = NSTemporaryDirectory() + "/dedup-data-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: state) }
    let medquad = root + "/sft-domain/medquad/medquad_qa.jsonl"
    if FileManager.default.fileExists(atPath: medquad) {
        var docs: [Document] = []
        let reader = LineReader(source: try openByteSource(path: medquad, displayName: medquad), maxLineBytes: 1 << 26)
        while let rec = try reader.next() {
            guard !rec.bytes.isEmpty, let v = try? JSONParser.parse(bytes: rec.bytes) else { continue }
            docs.append(Document(id: v["id"]?.stringValue ?? "\(docs.count)",
                                 text: (v["instruction"]?.stringValue ?? "") + "\n\n" + (v["output"]?.stringValue ?? ""), source: medquad))
        }
        let raw: JSONValue = .object(["lowercase": .bool(false), "remove_punctuation": .bool(false), "collapse_whitespace": .bool(false)])
        for (label, opts) in [("byte-identical (normalization off)", raw), ("normalized (defaults)", JSONValue.null)] {
            let t0 = Date()
            let stage = try StageRegistry.makeOrderedStage(type: "exact_dedup", options: opts, stateDirectory: state + "/mq-\(label.count)", baseDirectory: ".")
            let r = try runStage(stage, docs)
            print("medquad exact_dedup \(label): \(docs.count) records, \(r.dropped.count) dropped as exact duplicates of an earlier record (\(String(format: "%.2f", Date().timeIntervalSince(t0))) s)")
        }
    } else { print("no \(medquad); skipping") }
    let gpt = root + "/sft-general/alpaca-data-cleaned-extensions/dataset_extensions/GPTeacher"
    if FileManager.default.fileExists(atPath: gpt) {
        for sub in ["Roleplay", "Toolformer"] {
            let dir = gpt + "/" + sub
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            var fileDocs: [Document] = []
            var records: [(file: String, docs: [Document])] = []
            for f in files {
                let bytes = try readWholeFile(path: dir + "/" + f, displayName: f, limit: 1 << 30)
                fileDocs.append(Document(id: f, text: String(decoding: bytes, as: UTF8.self), source: f))
                let v = try JSONParser.parse(bytes: bytes)
                records.append((f, (v.arrayValue ?? []).enumerated().map { k, r in
                    Document(id: "\(f)#\(k)", text: (r["instruction"]?.stringValue ?? "") + "\n" + (r["input"]?.stringValue ?? "")
                             + "\n" + (r["response"]?.stringValue ?? r["output"]?.stringValue ?? ""), source: f)
                }))
            }
            let raw: JSONValue = .object(["lowercase": .bool(false), "remove_punctuation": .bool(false), "collapse_whitespace": .bool(false)])
            let r = try runStage(try StageRegistry.makeOrderedStage(type: "exact_dedup", options: raw, stateDirectory: state + "/gpt-\(sub)", baseDirectory: "."), fileDocs)
            print("GPTeacher \(sub): \(files.count) files, \(r.dropped.count) byte-identical to an earlier file: \(r.dropped.joined(separator: ", "))")
            records.sort { ($0.docs.count, $0.file) > ($1.docs.count, $1.file) }
            let stage = try StageRegistry.makeOrderedStage(type: "exact_dedup", options: .null, stateDirectory: state + "/gptrec-\(sub)", baseDirectory: ".")
            try stage.resume(finishedParts: [])
            var counters = StageCounters()
            var line = "GPTeacher \(sub) records, exact_dedup, biggest file first:"
            for (k, (f, docs)) in records.enumerated() {
                try stage.beginPart(k)
                var dropped = 0
                for var d in docs { if case .drop = try stage.decide(&d, counters: &counters) { dropped += 1 } }
                try stage.endPart(k)
                line += " \(f) \(dropped)/\(docs.count) dropped;"
            }
            try stage.finish()
            print(line)
        }
    }
    let gut = root + "/plain-text/gutenberg-gitenberg"
    if FileManager.default.fileExists(atPath: gut) {
        var docs: [Document] = []
        for book in ((try? FileManager.default.contentsOfDirectory(atPath: gut)) ?? []).sorted() {
            guard let e = FileManager.default.enumerator(atPath: gut + "/" + book) else { continue }
            var files: [String] = []
            while let f = e.nextObject() as? String { if f.hasSuffix(".txt") { files.append(f) } }
            for f in files.sorted() {
                let bytes = try readWholeFile(path: gut + "/" + book + "/" + f, displayName: f, limit: 1 << 30)
                docs.append(Document(id: book + "/" + f, text: String(decoding: bytes, as: UTF8.self), source: f))
            }
        }
        let t0 = Date()
        let stage = try StageRegistry.makeOrderedStage(type: "minhash_dedup", options: .null, stateDirectory: state + "/gutenberg", baseDirectory: ".")
        let r = try runStage(stage, docs)
        let pairs = try String(contentsOfFile: state + "/gutenberg/duplicates.jsonl", encoding: .utf8).split(separator: "\n")
        var sameBook = 0
        for p in pairs {
            guard let v = try? JSONParser.parse(String(p)), let a = v["dropped"]?.stringValue, let b = v["kept"]?.stringValue else { continue }
            if a.split(separator: "/").first == b.split(separator: "/").first { sameBook += 1 }
        }
        let books = Set(docs.map { $0.id.split(separator: "/").first! })
        print("Gutenberg minhash_dedup (defaults) on \(docs.count) edition files of \(books.count) books: \(r.dropped.count) dropped, "
              + "\(sameBook) of them matched to an edition of the same book, \(docs.count - r.dropped.count) kept "
              + "(\(String(format: "%.2f", Date().timeIntervalSince(t0))) s)")
        print(try DedupReport.render(stateDirectory: state + "/gutenberg", samplePairs: 3, topClusters: 6))
    }
    let train = root + "/sft-general/alpaca-data-cleaned-extensions/dataset_extensions/gsm_8k/gsm_8k_train.json"
    let test = root + "/eval-general/gsm8k/grade_school_math/data/test.jsonl"
    if FileManager.default.fileExists(atPath: train), FileManager.default.fileExists(atPath: test) {
        let v = try JSONParser.parse(bytes: readWholeFile(path: train, displayName: train, limit: 1 << 30))
        let docs = (v.arrayValue ?? []).enumerated().map { k, r in
            Document(id: "gsm8k-train-\(k)", text: (r["instruction"]?.stringValue ?? "") + "\n" + (r["output"]?.stringValue ?? ""), source: train)
        }
        let t0 = Date()
        let opts: JSONValue = .object(["eval_sets": .array([.object(["name": .string("gsm8k_test"), "path": .string(test),
            "format": .string("jsonl"), "fields": .array([.string("question"), .string("answer")])])])])
        let stage = try StageRegistry.makeOrderedStage(type: "decontaminate", options: opts, stateDirectory: state + "/gsm", baseDirectory: ".")
        let r = try runStage(stage, docs)
        print("gsm8k train vs test decontaminate (13-grams of question and answer): \(docs.count) train records, \(r.dropped.count) contaminated (\(String(format: "%.2f", Date().timeIntervalSince(t0))) s)")
        print(try DedupReport.render(stateDirectory: state + "/gsm", samplePairs: 0, topClusters: 5))
    } else { print("no GSM8K train/test under \(root); skipping") }
}

/// `text` with `marker` appended to every run of ASCII letters and digits.
private func suffixWords(_ text: String, _ marker: String) -> String {
    let m = Array(marker.utf8)
    var out = [UInt8]()
    var inWord = false
    for b in text.utf8 {
        let w = (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A)
        if inWord && !w { out += m }
        inWord = w
        out.append(b)
    }
    if inWord { out += m }
    return String(decoding: out, as: UTF8.self)
}
