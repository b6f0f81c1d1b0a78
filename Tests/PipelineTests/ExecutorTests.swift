import TestSupport
import DomainForgeCore
import Foundation
import PipelineConfig
@testable import PipelineRunner
import Testing

@Suite struct ReaderBadInputTests {
    @Test func badJSONLLinesAreRejectedWithFileAndLineAndTheRunGoesOn() throws {
        let d = TempDir()
        d.write("in/a.jsonl", "{\"text\":\"one\"}\nnot json\n{\"body\":\"x\"}\n{\"text\":5}\n[1]\n\n{\"text\":\"two\",\"id\":\"t2\"}\n")
        let s = try spec("inputs: [{path: in, format: jsonl}]\noutput: {path: out, compression: none}", in: d)
        let st = try runPipeline(s)
        #expect(st.documentsRead == 2)
        #expect(st.rejected == ["invalid_json": 1, "missing_text_field": 1, "text_not_string": 1, "not_an_object": 1])
        #expect(st.balanceProblem() == nil)
        let errs = d.lines("out/errors/r00000-p00000.jsonl").map { try! JSONParser.parse($0) }
        #expect(errs.map { $0["line"]!.intValue! } == [2, 3, 4, 5])
        #expect(errs.allSatisfy { $0["file"] == .string("in/a.jsonl") })
        #expect(errs[1]["message"]?.stringValue?.contains("no 'text' field (keys: body)") == true)
        let docs = d.lines("out/documents/r00000-p00000.jsonl")
        #expect(docs == [
            #"{"id":"in/a.jsonl:1","text":"one","metadata":{"source":"in/a.jsonl","source_name":"in"}}"#,
            #"{"id":"t2","text":"two","metadata":{"source":"in/a.jsonl","source_name":"in"}}"#,
        ])
    }

    @Test(.enabled(if: haveTool("gzip") && haveTool("zstd"), "needs the gzip and zstd command-line tools (apt-get install gzip zstd)"))
    func truncatedGzipAndZstdKeepRecordsBeforeTheCutAndReportTheFile() throws {
        let d = TempDir()
        var text = ""
        for i in 0..<2000 { text += "{\"text\":\"record number \(i) with some padding text to make it longer\"}\n" }
        let gz = gzip(Array(text.utf8))
        let zs = zstd(Array(text.utf8))
        d.write("in/good.jsonl.gz", gz)
        d.write("in/cut.jsonl.gz", Array(gz.prefix(gz.count / 2)))
        d.write("in/cut.jsonl.zst", Array(zs.prefix(zs.count / 2)))
        let s = try spec("inputs: [{path: in, format: jsonl}]\noutput: {path: out}", in: d)
        let st = try runPipeline(s)
        #expect(st.rejected["truncated_gzip"] == 1)
        #expect(st.rejected["truncated_zstd"] == 1)
        #expect(st.documentsRead > 2000 && st.documentsRead < 4000)
        let errs = d.lines("out/errors/r00000-p00000.jsonl").joined()
        #expect(errs.contains("in/cut.jsonl.gz"))
        #expect(errs.contains("in/cut.jsonl.zst"))
    }

    @Test func overlongLineIsSkippedInBoundedMemory() throws {
        let d = TempDir()
        var big = [UInt8](repeating: UInt8(ascii: "a"), count: 3_000_000)
        big.insert(contentsOf: Array("{\"text\":\"".utf8), at: 0)
        d.write("in/a.jsonl", Array("{\"text\":\"before\"}\n".utf8) + big + Array("\"}\n{\"text\":\"after\"}\n".utf8))
        let s = try spec("inputs: [{path: in, format: jsonl}]\noutput: {path: out, compression: none}\nexecution: {max_document_bytes: 65536}", in: d)
        let st = try runPipeline(s)
        #expect(st.documentsRead == 2)
        #expect(st.rejected == ["line_too_long": 1])
        #expect(d.lines("out/errors/r00000-p00000.jsonl")[0].contains("\"line\":2"))
    }

    @Test func emptyFilesInvalidUTF8AndJSONArrays() throws {
        let d = TempDir()
        d.write("t/empty.txt", "")
        d.write("t/latin1.txt", [0x46, 0x69, 0xE8, 0x76, 0x72, 0x65, 0x20, 0x39, 0x30, 0xB0])  // "Fièvre 90°"
        d.write("j/empty.jsonl", "")
        d.write("a/arr.json", "[{\"text\": \"x, [y]\"}, {\"text\": \"z\\\"}\"}, 5, {\"no\": 1}]")
        d.write("a/bad.json", "{\"text\": \"not an array\"}")
        let s = try spec("""
            inputs:
              - {path: t, format: text}
              - {path: j, format: jsonl}
              - {path: a, format: json}
            output: {path: out, compression: none}
            """, in: d)
        let st = try runPipeline(s)
        #expect(st.rejected == ["empty_file": 1, "not_an_object": 1, "missing_text_field": 1, "invalid_json": 1])
        let docs = d.lines("out/documents/r00000-p00000.jsonl")
        #expect(docs.count == 3)
        #expect(docs[0].contains(#""text":"Fièvre 90°""#))
        #expect(docs[0].contains(#""charset":"windows-1252""#))
        #expect(docs[1].contains(#""id":"arr.json#0","text":"x, [y]""#) || docs[1].contains(#""text":"x, [y]""#))
        #expect(docs[2].contains(#""text":"z\"}""#))
    }

    @Test func paragraphsModeSplitsOnBlankLines() throws {
        let d = TempDir()
        d.write("a.txt", "first line\r\nstill first\r\n\r\n\n  \nsecond\n\nthird")
        let s = try spec("inputs: [{path: a.txt, format: text, text_mode: paragraphs}]\noutput: {path: out, compression: none}", in: d)
        try runPipeline(s)
        let docs = d.lines("out/documents/r00000-p00000.jsonl").map { try! JSONParser.parse($0) }
        #expect(docs.map { $0["text"]!.stringValue! } == ["first line\nstill first", "second", "third"])
        #expect(docs.map { $0["id"]!.stringValue! } == ["a.txt#0", "a.txt#1", "a.txt#2"])
        #expect(docs.map { $0["metadata"]!["line"]!.intValue! } == [1, 6, 8])
    }

    @Test func unwritableOutputIsAClearError() throws {
        let d = TempDir()
        d.write("a.txt", "hello")
        d.write("blocker", "a file where a folder should be")
        let s = try spec("inputs: [{path: a.txt, format: text}]\noutput: {path: blocker/out}", in: d)
        #expect { try runPipeline(s) } throws: { e in
            "\(e)".contains("blocker") && "\(e)".contains("not a directory")
        }
    }

    @Test func missingInputIsAConfigError() throws {
        let d = TempDir()
        let s = try spec("inputs: [{path: nothing-here, format: text}]\noutput: {path: out}", in: d)
        #expect { try runPipeline(s) } throws: { e in "\(e)".contains("does not exist") }
    }
}

@Suite struct ExecutorTests {
    /// A corpus of several JSONL files, some documents short (dropped by MinWordsStage).
    func corpus(_ d: TempDir, files: Int = 6, perFile: Int = 300) {
        for f in 0..<files {
            var s = ""
            for i in 0..<perFile {
                let words = (i * 7 + f) % 13
                s += "{\"id\":\"f\(f)-\(i)\",\"text\":\"" + (0..<words).map { "w\($0)é" }.joined(separator: " ") + "\"}\n"
                if i == 17 { s += "broken line \(f)\n" }
            }
            d.write("in/file\(f).jsonl", s)
        }
    }

    let yaml = """
        inputs: [{path: in, format: jsonl}]
        output: {path: out}
        execution: {chunk_bytes: 20000, batch_bytes: 4096}
        """

    @Test func accountingBalancesAndStatsMatchOutput() throws {
        let d = TempDir()
        corpus(d)
        let st = try runPipeline(try spec(yaml, in: d), stages: [MinWordsStage(minWords: 4), UpperStage()])
        #expect(st.balanceProblem() == nil)
        #expect(st.documentsIn == 6 * 301)
        #expect(st.rejectedTotal == 6)
        #expect(st.stages[0].dropped["too_few_words"]! > 0)
        #expect(st.stages[1].total == st.stages[0].kept)
        #expect(st.kept == st.stages[1].kept)
        let report = try StatsReport.load(outputDir: d.path + "/out")
        #expect(report.total == st)
        #expect(report.table().contains("(ok)"))
    }

    @Test func outputIsIdenticalWithOneOrTwoWorkers() throws {
        let a = TempDir(), b = TempDir()
        corpus(a); corpus(b)
        try runPipeline(try spec(yaml, in: a), stages: [MinWordsStage(minWords: 4)], workers: 1)
        try runPipeline(try spec(yaml, in: b), stages: [MinWordsStage(minWords: 4)], workers: 2)
        #expect(a.files("out/documents").count > 2)
        #expect(folderBytes(a, "out/documents") == folderBytes(b, "out/documents"))
        #expect(folderBytes(a, "out/rejects") == folderBytes(b, "out/rejects"))
        #expect(folderBytes(a, "out/errors") == folderBytes(b, "out/errors"))
    }

    @Test func interruptedRunResumesToIdenticalBytes() throws {
        let full = TempDir(), cut = TempDir()
        corpus(full); corpus(cut)
        try runPipeline(try spec(yaml, in: full), stages: [MinWordsStage(minWords: 4)])
        // First attempt stops after two parts and leaves a half-written temporary file behind, as a kill would.
        try runPipeline(try spec(yaml, in: cut), stages: [MinWordsStage(minWords: 4)], maxParts: 2)
        #expect(!FileManager.default.fileExists(atPath: cut.path + "/out/completions/rank-00000"))
        cut.write("out/documents/r00000-p00002.jsonl.zst.tmp", "garbage from a killed run of an earlier version")
        cut.write("out/documents/r00000-p00002.jsonl.zst.tmp-4242-1a2b3c", "garbage from a killed run")
        let partial = try StatsReport.load(outputDir: cut.path + "/out")
        #expect(partial.ranks[0].complete == false)
        #expect(partial.total.files > 0)
        let resumed = try runPipeline(try spec(yaml, in: cut), stages: [MinWordsStage(minWords: 4)])
        #expect(folderBytes(full, "out/documents") == folderBytes(cut, "out/documents"))
        #expect(folderBytes(full, "out/rejects") == folderBytes(cut, "out/rejects"))
        #expect(cut.files("out/documents").allSatisfy { !AtomicOutputFile.isTemporary($0) })
        #expect(resumed == (try StatsReport.load(outputDir: full.path + "/out")).total)
    }

    @Test func rerunWithAnotherConfigIsRefused() throws {
        let d = TempDir()
        corpus(d, files: 1, perFile: 10)
        try runPipeline(try spec(yaml, in: d))
        let other = try spec(yaml.replacingOccurrences(of: "format: jsonl", with: "format: jsonl, name: renamed"), in: d)
        #expect { try runPipeline(other) } throws: { e in "\(e)".contains("a different config") }
    }

    @Test func ranksSplitTheInputsAndStatsMerge() throws {
        let d = TempDir(), single = TempDir()
        corpus(d); corpus(single)
        let s = try spec(yaml, in: d)
        let r0 = try runPipeline(s, stages: [MinWordsStage(minWords: 4)], rank: 0, worldSize: 2)
        let r1 = try runPipeline(s, stages: [MinWordsStage(minWords: 4)], rank: 1, worldSize: 2)
        let one = try runPipeline(try spec(yaml, in: single), stages: [MinWordsStage(minWords: 4)])
        #expect(r0.files == 3 && r1.files == 3)
        let report = try StatsReport.load(outputDir: d.path + "/out")
        #expect(report.ranks.count == 2 && report.ranks.allSatisfy(\.complete))
        #expect(report.total.kept == one.kept)
        #expect(report.total.documentsIn == one.documentsIn)
        #expect(d.files("out/completions") == ["rank-00000", "rank-00001"])
        #expect(throws: RunError.self) { try runPipeline(s, rank: 2, worldSize: 2) }
    }

    @Test func zstdOutputDecompressesToTheSameDocuments() throws {
        let a = TempDir()
        corpus(a, files: 1, perFile: 50)
        try runPipeline(try spec(yaml, in: a))
        let files = a.files("out/documents")
        #expect(files.allSatisfy { $0.hasSuffix(".jsonl.zst") })
        let src = try openByteSource(path: a.path + "/out/documents/" + files[0], displayName: "x")
        let lr = LineReader(source: src, maxLineBytes: 1 << 20)
        var n = 0
        while let l = try lr.next() { _ = try JSONParser.parse(bytes: l.bytes); n += 1 }
        #expect(n == 50)
    }
}

@Suite struct OrderedStageTests {
    /// Many repeated texts across files, so duplicates span parts.
    func corpus(_ d: TempDir) {
        for f in 0..<5 {
            var s = ""
            for i in 0..<200 { s += "{\"text\":\"text number \((i * 13 + f * 7) % 150) with words\"}\n" }
            d.write("in/f\(f).jsonl", s)
        }
    }
    let yaml = "inputs: [{path: in, format: jsonl}]\noutput: {path: out}\nexecution: {chunk_bytes: 12000, batch_bytes: 2048}"

    func run(_ d: TempDir, workers: Int, maxParts: Int? = nil, stage: SeenTextStage = SeenTextStage()) throws -> RunStats {
        var o = PipelineExecutor.Options()
        o.workers = workers
        o.maxParts = maxParts
        let plan = StagePlan(steps: [.document(MinWordsStage(minWords: 2)), .ordered(stage), .document(UpperStage())], shards: nil)
        return try PipelineExecutor(spec: try spec(yaml, in: d), plan: plan, options: o, log: { _ in }).run()
    }

    @Test func orderedStageKeepsFirstInInputOrderWhateverTheWorkers() throws {
        let a = TempDir(), b = TempDir()
        corpus(a); corpus(b)
        let stage = SeenTextStage()
        let sa = try run(a, workers: 1, stage: stage)
        let sb = try run(b, workers: 2)
        #expect(stage.finished)
        #expect(sa.kept == 150)
        #expect(sa.stages[1].dropped["exact_duplicate"] == 850)
        #expect(sa.stages[2].total == 150)
        #expect(sa.balanceProblem() == nil)
        #expect(folderBytes(a, "out/documents") == folderBytes(b, "out/documents"))
        #expect(folderBytes(a, "out/rejects") == folderBytes(b, "out/rejects"))
        #expect(sa == sb)
    }

    @Test func orderedStageResumesToIdenticalOutput() throws {
        let full = TempDir(), cut = TempDir()
        corpus(full); corpus(cut)
        let s1 = try run(full, workers: 2)
        let stage = SeenTextStage()
        _ = try run(cut, workers: 2, maxParts: 2, stage: stage)
        // The same stage object carries state from the interrupted part-less run; resume must discard it.
        let s2 = try run(cut, workers: 2, stage: stage)
        #expect(cut.files("out/documents").count > 3)
        #expect(folderBytes(full, "out/documents") == folderBytes(cut, "out/documents"))
        #expect(s1 == s2)
    }
}

@Suite struct InputPlanTests {
    @Test func folderWalkIsSortedFilteredAndIgnoresLinkedFolders() throws {
        let d = TempDir()
        d.write("in/b.jsonl", "{}\n")
        d.write("in/a/z.jsonl", "{}\n")
        d.write("in/a/y.txt", "x")
        d.write("in/.hidden.jsonl", "{}\n")
        d.write("in/skip.jsonl", "{}\n")
        try FileManager.default.createSymbolicLink(atPath: d.path + "/in/loop", withDestinationPath: d.path + "/in")
        let s = try spec("inputs: [{path: in, format: jsonl, exclude: [\"skip*\"]}]\noutput: {path: out}", in: d)
        let plan = try InputPlan.build(s)
        #expect(plan.files.map(\.displayName) == ["in/a/z.jsonl", "in/b.jsonl"])
        #expect(plan.files(rank: 1, worldSize: 2).map(\.displayName) == ["in/b.jsonl"])
    }
}

/// Empties the text, then drops (like c4_lines when no line survives).
struct EmptyingDropStage: DocumentStage {
    var name: String { "emptying" }
    func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        document.text = ""
        return .drop(reason: "nothing_left")
    }
}

@Suite struct RejectTextTests {
    @Test func rejectShowsTheTextThatEnteredTheDroppingStage() throws {
        let d = TempDir()
        d.write("a.jsonl", "{\"text\":\"original words here\"}\n")
        try runPipeline(try spec("inputs: [{path: a.jsonl, format: jsonl}]\noutput: {path: out, compression: none}", in: d),
                        stages: [UpperStage(), EmptyingDropStage()])
        let rej = try JSONParser.parse(d.lines("out/rejects/r00000-p00000.jsonl")[0])
        #expect(rej["text"] == .string("ORIGINAL WORDS HERE"))
        #expect(rej["stage"] == .string("emptying") && rej["reason"] == .string("nothing_left"))
    }
}

@Suite struct DecompressionTests {
    func readAll(_ path: String) throws -> String {
        let src = try openByteSource(path: path, displayName: path)
        var out = [UInt8]()
        while try src.read(into: &out, count: 1000) > 0 {}
        return String(decoding: out, as: UTF8.self)
    }

    @Test(.enabled(if: haveTool("gzip") && haveTool("zstd"), "needs the gzip and zstd command-line tools (apt-get install gzip zstd)"))
    func multiMemberGzipAndMultiFrameZstdReadWhole() throws {
        let d = TempDir()
        let a = String(repeating: "first part line\n", count: 500), b = String(repeating: "second part\n", count: 700)
        d.write("x.gz", gzip(Array(a.utf8)) + gzip(Array(b.utf8)))
        d.write("x.zst", zstd(Array(a.utf8)) + zstd(Array(b.utf8)))
        d.write("empty.gz", [])
        #expect(try readAll(d.path + "/x.gz") == a + b)
        #expect(try readAll(d.path + "/x.zst") == a + b)
        #expect(try readAll(d.path + "/empty.gz") == "")
        var bad = gzip(Array(a.utf8))
        bad[bad.count / 2] ^= 0xFF
        d.write("bad.gz", bad)
        #expect { try readAll(d.path + "/bad.gz") } throws: { e in (e as? InputError).map { ["corrupt_gzip", "truncated_gzip"].contains($0.code) } ?? false }
    }
}
