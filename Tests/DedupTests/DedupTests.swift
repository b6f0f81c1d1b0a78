import DomainForgeCore
import Foundation
import Testing
@testable import Dedup
import PipelineRunner

// MARK: helpers

func tempDir() -> String {
    var t = Array((NSTemporaryDirectory() + "/dedup-test-XXXXXX").utf8CString)
    let p = t.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: p!)
}

/// Runs documents through a stage as the executor would: prepare, then decide in order, one part per group.
@discardableResult
func run(_ stage: any OrderedStage, _ parts: [[Document]], firstPart: Int = 0, end: Bool = true,
         counters: inout StageCounters) throws -> [(String, StageVerdict, String)] {
    var out: [(String, StageVerdict, String)] = []
    for (k, docs) in parts.enumerated() {
        try stage.beginPart(firstPart + k)
        for var d in docs {
            let v = try stage.decide(&d, counters: &counters)
            out.append((d.id, v, d.text))
        }
        if end || k < parts.count - 1 { try stage.endPart(firstPart + k) }
    }
    return out
}

func run(_ stage: any OrderedStage, _ docs: [Document]) throws -> [(String, StageVerdict, String)] {
    var c = StageCounters()
    try stage.resume(finishedParts: [])
    let r = try run(stage, [docs], counters: &c)
    try stage.finish()
    return r
}

func doc(_ id: String, _ text: String) -> Document { Document(id: id, text: text, source: "test") }

func dropped(_ r: [(String, StageVerdict, String)]) -> [String] {
    r.compactMap { if case .drop = $0.1 { return $0.0 } else { return nil } }
}

/// Deterministic pseudo-random prose.
func prose(seed: UInt64, words: Int) -> String {
    let vocab = ["the", "river", "ran", "under", "old", "stone", "bridge", "while", "children", "played", "near",
                 "market", "square", "selling", "fresh", "bread", "and", "cheese", "every", "morning", "before",
                 "sunrise", "quiet", "town", "woke", "slowly", "to", "sound", "of", "bells", "ringing", "far",
                 "away", "hills", "covered", "with", "snow", "winter", "came", "early", "that", "year", "farmers"]
    var s = seed &* 0x9E3779B97F4A7C15 | 1
    var out: [String] = []
    for _ in 0..<words {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17
        out.append(vocab[Int(s % UInt64(vocab.count))] + (s % 7 == 0 ? "\(s % 1000)" : ""))
    }
    return out.joined(separator: " ")
}

/// `text` with every `every`-th word replaced.
func edited(_ text: String, every: Int) -> String {
    text.split(separator: " ").enumerated().map { $0.offset % every == every - 1 ? "zzz\($0.offset)" : String($0.element) }
        .joined(separator: " ")
}

// MARK: text kit

@Test func wordsAreLowercasedAndSplitOnPunctuation() {
    #expect(TextKit.wordHashes("Hello, WORLD! it's") == TextKit.wordHashes("hello world it s"))
    #expect(TextKit.wordHashes("Ünïcode ÀÉ") == TextKit.wordHashes("ünïcode àé"))
    #expect(TextKit.wordHashes("“quoted”—dash…") == TextKit.wordHashes("quoted dash"))
    #expect(TextKit.wordHashes("日本語").count == 3) // one word per character in scripts without spaces
    #expect(TextKit.wordHashes("Привет мир").count == 2)
    #expect(TextKit.wordHashes("").isEmpty)
    #expect(TextKit.wordHashes("  ,,, !! ").isEmpty)
}

@Test func exactNormalization() {
    func n(_ s: String, digits: Bool = false) -> String {
        String(decoding: TextKit.normalizeForExact(s, lowercase: true, removePunctuation: true, removeDigits: digits,
                                                   collapseWhitespace: true), as: UTF8.self)
    }
    #expect(n("  Hello,\n\n World!  ") == "hello world")
    #expect(n("Price: 42 €") == "price 42")
    #expect(n("Price: 42 €", digits: true) == "price")
    #expect(n("ÉCOLE\u{00A0}d’été") == "école dété")
    #expect(n("") == "")
}

@Test func murmurKnownVector() {
    // MurmurHash3_x64_128("", seed 0) is all zeros; "hello" has a well-known value.
    let e = [UInt8]().withUnsafeBytes { TextKit.hash128($0) }
    #expect(e.0 == 0 && e.1 == 0)
    let h = Array("hello".utf8).withUnsafeBytes { TextKit.hash128($0) }
    #expect(h.0 == 0xcbd8a7b341bd9b02 && h.1 == 0x5b1e906a48ae1d19)
}

// MARK: exact

@Test func exactDedupKeepsFirstAndNormalizes() throws {
    let dir = tempDir()
    let s = try ExactDedupStage(stateDirectory: dir)
    let r = try run(s, [doc("a", "Hello, World!"), doc("b", "hello   world"), doc("c", "Hello World 2"),
                        doc("d", ""), doc("e", ""), doc("f", "word"), doc("g", "WORD."), doc("h", "日本語のテキスト"),
                        doc("i", "日本語のテキスト")])
    #expect(dropped(r) == ["b", "g", "i"])
    let dups = try String(contentsOfFile: dir + "/duplicates.jsonl", encoding: .utf8)
    #expect(dups.contains("\"dropped\":\"b\"") && dups.contains("\"kept\":\"a\""))
}

@Test func exactDedupDropNamesTheKeptDocument() throws {
    let s = try ExactDedupStage(stateDirectory: tempDir())
    try s.resume(finishedParts: [])
    var c = StageCounters()
    var a = doc("a", "same text"), b = doc("b", "Same text!")
    #expect(try s.decide(&a, counters: &c) == .keep)
    let any: any OrderedStage = s
    #expect(try any.decide(&b, erasedPrepared: any.anyPreparer.prepare(b), counters: &c)
            == .drop(reason: "exact_duplicate", details: DropDetails(duplicateOf: "a", similarity: 1.0)))
}

/// The executor hands a preparer's result over as `any Sendable`; a document without a key (nil) survives that.
@Test func erasedPreparedWithoutAKeyIsKept() throws {
    let stages: [any OrderedStage] = [try ExactDedupStage(stateDirectory: tempDir()), try MinHashDedupStage(stateDirectory: tempDir())]
    for s in stages {
        try s.resume(finishedParts: [])
        try s.beginPart(0)
        var c = StageCounters()
        var empty = doc("e", " ... ")
        let prepared: any Sendable = s.anyPreparer.prepare(empty)
        #expect(try s.decide(&empty, erasedPrepared: prepared, counters: &c) == .keep)
        try s.endPart(0)
    }
}

@Test func exactOptionsChangeTheKey() throws {
    let o = try DedupStageFactory.decode(ExactDedupStage.Options.self, type: "exact_dedup",
                                         .object(["lowercase": .bool(false), "remove_punctuation": .bool(false)]))
    let s = try ExactDedupStage(options: o, stateDirectory: tempDir())
    #expect(dropped(try run(s, [doc("a", "Hello"), doc("b", "hello"), doc("c", "Hello!"), doc("d", "Hello")])) == ["d"])
}

@Test func largeDocument() throws {
    let big = prose(seed: 7, words: 180_000) // about 1 MB
    #expect(big.utf8.count > 900_000)
    let e = try ExactDedupStage(stateDirectory: tempDir())
    #expect(dropped(try run(e, [doc("a", big), doc("b", big + " ")])) == ["b"])
    let m = try MinHashDedupStage(stateDirectory: tempDir())
    #expect(dropped(try run(m, [doc("a", big), doc("b", edited(big, every: 50))])) == ["b"])
    let lines = (0..<20_000).map { "Line number \($0) of a very long document " + prose(seed: UInt64($0 % 50), words: 3) }.joined(separator: "\n")
    #expect(lines.utf8.count > 900_000)
    let l = try LineDedupStage(stateDirectory: tempDir())
    let rl = try run(l, [doc("a", lines), doc("b", lines), doc("c", lines), doc("d", lines + "\nNew last line that nobody has seen before.")])
    #expect(rl[2].2 == lines && rl[3].1 == .keep && rl[3].2.hasPrefix("New last line"))
    let base = try evalFixture()
    let d = try StageRegistry.makeOrderedStage(type: "decontaminate", options: decontamOptions("cut"), stateDirectory: tempDir(), baseDirectory: base)
    let leak = " Which planet in the solar system has the largest number of confirmed natural moons orbiting it today? "
    let rd = try run(d, [doc("big", big + leak + big)])
    #expect(rd[0].1 == .keep && rd[0].2.utf8.count < (big.utf8.count * 2 + leak.utf8.count) && !rd[0].2.contains("planet"))
}

// MARK: minhash

@Test func minhashFindsNearDuplicatesOnly() throws {
    let dir = tempDir()
    let s = try MinHashDedupStage(stateDirectory: dir)
    var docs: [Document] = []
    for k in 0..<20 { docs.append(doc("u\(k)", prose(seed: UInt64(k + 1), words: 300))) }
    docs.append(doc("n1", edited(prose(seed: 3, words: 300), every: 40)))   // ~0.88 Jaccard of u2
    docs.append(doc("n2", edited(prose(seed: 5, words: 300), every: 8)))    // ~0.5: not a duplicate
    docs.append(doc("n3", prose(seed: 9, words: 300).uppercased()))          // identical words to u8
    let r = try run(s, docs)
    #expect(dropped(r) == ["n1", "n3"])
    guard case .drop(_, let details) = r.last!.1 else { Issue.record("n3 kept"); return }
    #expect(details?.duplicateOf == "u8" && details?.similarity == 1.0)
    let report = try DedupReport.render(stateDirectory: dir, samplePairs: 5)
    #expect(report.contains("minhash_dedup") && report.contains("n1  duplicates  u2"))
}

@Test func minhashVerifiedJaccard() throws {
    let o = try DedupStageFactory.decode(MinHashDedupStage.Options.self, type: "minhash_dedup",
                                         .object(["verify_jaccard": .bool(true), "bands": .int(20), "rows": .int(5)]))
    let s = try MinHashDedupStage(options: o, stateDirectory: tempDir())
    let base = prose(seed: 11, words: 400)
    try s.resume(finishedParts: [])
    var c = StageCounters()
    var docs = [doc("a", base), doc("b", edited(base, every: 60)), doc("c", edited(base, every: 6)), doc("d", prose(seed: 12, words: 400))]
    var verdicts: [StageVerdict] = []
    for k in docs.indices { verdicts.append(try s.decide(&docs[k], counters: &c)) }
    guard case .drop(let reason, let details?) = verdicts[1] else { Issue.record("b kept: \(verdicts)"); return }
    let sim = details.similarity
    #expect(reason == "near_duplicate" && details.duplicateOf == "a")
    #expect(verdicts[0] == .keep && verdicts[2] == .keep && verdicts[3] == .keep)
    // exact Jaccard of 5-gram sets with 1 edit per 30 words
    #expect(sim > 0.7 && sim < 0.95)
}

@Test func minhashBadInputs() throws {
    let s = try MinHashDedupStage(stateDirectory: tempDir())
    let r = try run(s, [doc("e1", ""), doc("e2", "   ...  "), doc("w1", "word"), doc("w2", "Word!"),
                        doc("s1", "three short words"), doc("s2", "three short words."), doc("s3", "three short"),
                        doc("j1", "東京は日本の首都です。人口が多い都市です。"), doc("j2", "東京は日本の首都です。人口が多い都市です"),
                        doc("r1", "Москва — столица России и крупнейший город страны"),
                        doc("r2", "МОСКВА: столица России и крупнейший город страны")])
    #expect(dropped(r) == ["w2", "s2", "j2", "r2"])
}

@Test func minhashDeterministic() throws {
    var docs: [Document] = []
    for k in 0..<30 { docs.append(doc("d\(k)", prose(seed: UInt64(k % 12), words: 200 + k))) }
    let a = try run(try MinHashDedupStage(stateDirectory: tempDir()), docs).map { "\($0.0) \($0.1)" }
    let b = try run(try MinHashDedupStage(stateDirectory: tempDir()), docs).map { "\($0.0) \($0.1)" }
    #expect(a == b)
    let s = try MinHashDedupStage(stateDirectory: tempDir())
    #expect(s.preparer.prepare(docs[0]) == s.preparer.prepare(docs[0]))
}

func corpusParts(_ type: String) -> [[Document]] {
    (0..<4).map { p in
        (0..<12).map { k in
            let n = p * 12 + k
            // every third document repeats (with edits) one from an earlier part or earlier in the same part
            var text = n % 3 == 2 ? edited(prose(seed: UInt64(n / 2), words: 250), every: 45) : prose(seed: UInt64(n), words: 250)
            switch type {
            case "exact_dedup": text = n % 3 == 2 ? prose(seed: UInt64(n / 2), words: 40) : prose(seed: UInt64(n), words: 40)
            case "line_dedup": text += "\nCopyright 2024 Example Corporation. All rights reserved.\nNavigation: Home | About us | Contact\n"
                + (n % 4 == 0 ? "Shared first sentence here. Shared second one. Shared third one.\n" : "")
            case "decontaminate": if n % 5 == 0 { text += " " + prose(seed: 0, words: 20) }
            default: break
            }
            return doc("p\(p)-\(k)", text)
        }
    }
}

@Test(arguments: ["minhash_dedup", "exact_dedup", "line_dedup", "decontaminate"])
func resumeGivesIdenticalDecisions(type: String) throws {
    let parts = corpusParts(type)
    let evalDir = tempDir()
    try "question\n\(prose(seed: 0, words: 20))\n".write(toFile: evalDir + "/e.csv", atomically: true, encoding: .utf8)
    let opts: JSONValue = type == "decontaminate"
        ? .object(["eval_sets": .array([.object(["name": .string("e"), "path": .string("e.csv"), "format": .string("csv"),
                                                 "fields": .array([.string("question")])])]), "ngram": .int(8), "mode": .string("cut")])
        : type == "line_dedup" ? .object(["max_occurrences": .int(2), "sentence_spans": .bool(true)]) : .null
    func make(_ dir: String) throws -> any OrderedStage {
        try StageRegistry.makeOrderedStage(type: type, options: opts, stateDirectory: dir, baseDirectory: evalDir)
    }
    // uninterrupted
    let fullDir = tempDir()
    let full = try make(fullDir)
    var c1 = StageCounters()
    try full.resume(finishedParts: [])
    let expected = try run(full, parts, counters: &c1).map { "\($0.0) \($0.1) \($0.2.utf8.count)" }
    try full.finish()
    #expect(expected.contains { $0.contains("drop") } || type == "line_dedup" || type == "decontaminate")
    // parts 0-1 finished, crash in the middle of part 2 (no endPart)
    let dir = tempDir()
    do {
        let s = try make(dir)
        var c = StageCounters()
        try s.resume(finishedParts: [])
        try run(s, Array(parts[0..<3]), end: false, counters: &c)
    }
    let s2 = try make(dir + "/.") // the same folder spelled differently is the same run
    try s2.resume(finishedParts: [0, 1])
    var c2 = StageCounters()
    let redone = try run(s2, Array(parts[2...]), firstPart: 2, counters: &c2).map { "\($0.0) \($0.1) \($0.2.utf8.count)" }
    #expect(redone == Array(expected[24...]))
    try s2.finish()
    for f in ["contamination.json", "line_patterns.json", "duplicates.jsonl"] {
        let a = try? String(contentsOfFile: fullDir + "/" + f, encoding: .utf8)
        let b = try? String(contentsOfFile: dir + "/" + f, encoding: .utf8)
        #expect(a == b, "\(type) \(f)")
    }
}

@Test func incrementalRunAgainstEarlierIndex() throws {
    let first = tempDir()
    let a = try MinHashDedupStage(stateDirectory: first)
    let old = (0..<10).map { doc("old\($0)", prose(seed: UInt64($0), words: 200)) }
    #expect(dropped(try run(a, old)).isEmpty)
    let index = first + "/minhash.sqlite"
    // a second run in another output folder, pointing at the first index
    let opts = try DedupStageFactory.decode(MinHashDedupStage.Options.self, type: "minhash_dedup",
                                            .object(["index_path": .string(index)]))
    let b = try MinHashDedupStage(options: opts, stateDirectory: tempDir())
    let new = [doc("new0", edited(prose(seed: 4, words: 200), every: 100)), doc("new1", prose(seed: 99, words: 200))]
    let rb = try run(b, new)
    #expect(dropped(rb) == ["new0"])
    let dups = try String(contentsOfFile: b.run.core.stateDirectory + "/duplicates.jsonl", encoding: .utf8)
    #expect(dups.contains("\"kept\":\"old4\""))
    // the earlier run's rows survive the second run's resume
    let c = try MinHashDedupStage(options: opts, stateDirectory: tempDir())
    #expect(dropped(try run(c, [doc("again", prose(seed: 7, words: 200))])) == ["again"])
    // different settings on the same index are refused
    let bad = try DedupStageFactory.decode(MinHashDedupStage.Options.self, type: "minhash_dedup",
                                           .object(["index_path": .string(index), "bands": .int(10)]))
    #expect(throws: DedupConfigError.self) { try MinHashDedupStage(options: bad, stateDirectory: tempDir()) }
}

// MARK: line dedup

@Test func lineDedupRemovesRepeatedLines() throws {
    let dir = tempDir()
    let o = try DedupStageFactory.decode(LineDedupStage.Options.self, type: "line_dedup", .object(["max_occurrences": .int(2)]))
    let s = try LineDedupStage(options: o, stateDirectory: dir)
    let footer = "Copyright 2021 Example Corporation. All rights reserved."
    var docs: [Document] = []
    for k in 0..<5 { docs.append(doc("d\(k)", "Article \(k): " + prose(seed: UInt64(k), words: 20) + "\n" + footer.replacingOccurrences(of: "2021", with: "20\(k)2"))) }
    docs.append(doc("only", "copyright 2099 example corporation.   all rights reserved."))
    let r = try run(s, docs)
    #expect(r[0].2.contains("Copyright") && r[1].2.contains("Copyright"))
    #expect(!r[2].2.contains("Copyright") && !r[4].2.contains("Copyright"))
    #expect(r[2].2.hasPrefix("Article 2"))
    #expect(r[5].1 == .drop(reason: "empty_after_line_dedup"))
    let report = try String(contentsOfFile: dir + "/line_patterns.json", encoding: .utf8)
    #expect(report.contains("\"removed\":4") && report.contains("Copyright"))
}

@Test func lineDedupSentenceSpans() throws {
    let o = try DedupStageFactory.decode(LineDedupStage.Options.self, type: "line_dedup",
                                         .object(["sentence_spans": .bool(true), "max_occurrences": .int(100)]))
    let s = try LineDedupStage(options: o, stateDirectory: tempDir())
    let shared = "This site uses cookies. By continuing you agree. Read our policy here."
    let r = try run(s, [doc("a", "Intro text one is here. " + shared + " Closing words of a."),
                        doc("b", "Another opening sentence. " + shared + " Ending of b.")])
    #expect(r[0].2.contains("cookies"))
    #expect(!r[1].2.contains("cookies") && r[1].2.contains("Another opening") && r[1].2.contains("Ending of b"))
}

@Test func lineDedupShortLinesAndEmptyDocs() throws {
    let s = try LineDedupStage(stateDirectory: tempDir())
    let r = try run(s, (0..<6).map { doc("d\($0)", "Home\nshort line\n") } + [doc("e", "")])
    #expect(dropped(r).isEmpty)
}

// MARK: decontamination

func evalFixture() throws -> String {
    let dir = tempDir()
    try """
    question,choice0,choice1,answer
    "Which planet in the solar system has the largest number of confirmed natural moons orbiting it today?",Saturn,Jupiter,0
    "What is two plus two, asked the teacher of the class?",4,5,0
    Tiny question?,a,b,1
    """.write(toFile: dir + "/mmlu_test.csv", atomically: true, encoding: .utf8)
    try """
    {"question": "Janet has 16 eggs per day and eats three for breakfast every morning with her family", "answer": "#### 13"}
    """.write(toFile: dir + "/gsm.jsonl", atomically: true, encoding: .utf8)
    return dir
}

func decontamOptions(_ mode: String) -> JSONValue {
    .object(["mode": .string(mode), "eval_sets": .array([
        .object(["name": .string("mmlu"), "path": .string("*_test.csv"), "format": .string("csv"),
                 "fields": .array([.string("question"), .string("choice0")])]),
        .object(["name": .string("gsm8k"), "path": .string("gsm.jsonl"), "format": .string("jsonl"),
                 "fields": .array([.string("question"), .string("answer")])]),
    ])])
}

@Test func decontaminateDrop() throws {
    let base = try evalFixture(), state = tempDir()
    let s = try StageRegistry.makeOrderedStage(type: "decontaminate", options: decontamOptions("drop"), stateDirectory: state, baseDirectory: base)
    let r = try run(s, [
        doc("leak", "Quiz: which planet in the Solar System has the largest number of confirmed natural moons orbiting it? Saturn."),
        doc("short", "The teacher said: what is two plus two, asked the teacher of the class."),
        doc("gsm", "JANET has 16 eggs per day and eats three for breakfast every morning, with her family!"),
        doc("clean", "Saturn has many moons and Jupiter is the largest planet in the solar system."),
        doc("tiny", "tiny question"),
    ])
    #expect(dropped(r) == ["leak", "short", "gsm"])
    let report = try DedupReport.readJSON(state + "/contamination.json")
    let sets = try #require(report["eval_sets"]?.arrayValue)
    #expect(sets[0]["items_found"]?.intValue == 2 && sets[1]["items_found"]?.intValue == 1)
    #expect(report["contaminated_documents"]?.intValue == 3)
    #expect(try DedupReport.render(stateDirectory: state).contains("gsm8k: 1 of 1 items found"))
}

@Test func decontaminateCut() throws {
    let base = try evalFixture()
    let s = try StageRegistry.makeOrderedStage(type: "decontaminate", options: decontamOptions("cut"), stateDirectory: tempDir(), baseDirectory: base)
    let long = prose(seed: 3, words: 60)
    let r = try run(s, [
        doc("cut", long + " Which planet in the solar system has the largest number of confirmed natural moons orbiting it today? " + long),
        doc("mostly", "Which planet in the solar system has the largest number of confirmed natural moons orbiting it today? yes"),
    ])
    #expect(r[0].1 == .keep && !r[0].2.lowercased().contains("planet") && r[0].2.hasPrefix(long))
    #expect(r[1].1 == .drop(reason: "contaminated"))
}

@Test func decontaminateConfigErrors() throws {
    #expect(throws: DedupConfigError.self) {
        try StageRegistry.makeOrderedStage(type: "decontaminate", options: .object(["eval_sets": .array([.object([
            "name": .string("x"), "path": .string("nope/*.csv"), "format": .string("csv"), "fields": .array([.string("q")])])])]),
            stateDirectory: tempDir(), baseDirectory: tempDir())
    }
    #expect(throws: DedupConfigError.self) {
        try StageRegistry.makeOrderedStage(type: "decontaminate", options: .object(["mode": .string("erase")]), stateDirectory: tempDir(), baseDirectory: "")
    }
}

@Test func decontaminateRefusesACSVWithAnUnclosedQuote() throws {
    let dir = tempDir()
    try "question,answer\n\"What is the boiling point of water at sea level,100\nNext question,2\n"
        .write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
    let options: JSONValue = .object(["eval_sets": .array([.object([
        "name": .string("x"), "path": .string("bad.csv"), "format": .string("csv"), "fields": .array([.string("question")])])])])
    do {
        _ = try StageRegistry.makeOrderedStage(type: "decontaminate", options: options, stateDirectory: tempDir(), baseDirectory: dir)
        Issue.record("an unclosed quote was accepted")
    } catch let e as DedupConfigError {
        #expect(e.message == "stage 'decontaminate': eval set 'x': \(dir)/bad.csv:2: a quoted field opened here is never closed; "
                + "fix the quoting of the file")
    }
}

// MARK: factory and schema

@Test func unknownOptionNamesKeyAndAllowed() {
    do {
        _ = try StageRegistry.makeOrderedStage(type: "minhash_dedup", options: .object(["band": .int(3)]), stateDirectory: tempDir(), baseDirectory: "")
        Issue.record("expected an error")
    } catch {
        let m = "\(error)"
        #expect(m.contains("'band'") && m.contains("bands") && m.contains("rows"))
    }
    do {
        _ = try StageRegistry.makeOrderedStage(type: "decontaminate", options: .object(["eval_sets": .array([.object([
            "name": .string("x"), "path": .string("a.csv"), "field": .array([.string("q")])])])]), stateDirectory: tempDir(), baseDirectory: "")
        Issue.record("expected an error")
    } catch {
        #expect("\(error)".contains("eval_sets[0].field") && "\(error)".contains("fields"))
    }
    #expect(throws: DedupConfigError.self) {
        try StageRegistry.makeOrderedStage(type: "fuzzy", options: .null, stateDirectory: tempDir(), baseDirectory: "")
    }
}

@Test func radixSortSorts() {
    var s: UInt64 = 88172645463325252
    for n in [0, 1, 5, 63, 64, 1000, 5000] {
        var a = (0..<n).map { _ -> UInt32 in s ^= s << 13; s ^= s >> 7; s ^= s << 17; return UInt32(truncatingIfNeeded: s) }
        let expected = a.sorted()
        radixSort(&a)
        #expect(a == expected)
    }
}

@Test func polynomialGramsMatchPrefixSums() {
    let w = TextKit.wordHashes(prose(seed: 5, words: 40))
    var p = [UInt64](repeating: 0, count: w.count + 1)
    for k in 0..<w.count { p[k + 1] = p[k] &* TextKit.rollBase &+ w[k] }
    w.withUnsafeBufferPointer { wp in
        for (i, L) in [(0, 13), (5, 8), (27, 13)] {
            let pw = (0..<L).reduce(UInt64(1)) { a, _ in a &* TextKit.rollBase }
            #expect(TextKit.polyGram(wp, i, L) == TextKit.finishGram(p[i + L] &- p[i] &* pw, L))
        }
    }
}
