import TestSupport
import DomainForgeCore
import Foundation
import PipelineConfig
import Testing
@testable import PipelineRunner

/// The `language_id` stage inside a pipeline run: metadata written, drops counted, accounting balanced.
@Suite struct LanguageIDPipelineTests {
    static let documents: [(String, String)] = [
        ("en1", "The program copies each input file to the output folder and reports how many bytes were written."),
        ("en2", "Set the environment variable to change the default location of the cache directory."),
        ("de1", "Das Programm kopiert jede Eingabedatei in den Ausgabeordner und meldet, wie viele Bytes geschrieben wurden."),
        ("zh1", "该程序将每个输入文件复制到输出目录，并报告写入了多少字节。"),
        ("num", "12345 67890 -- 2026"),
    ]

    @Test func accountingBalancesWithDropReasons() throws {
        let d = TempDir()
        var jsonl = ""
        for (id, text) in Self.documents { jsonl += "{\"id\":\"\(id)\",\"text\":\"\(text)\"}\n" }
        jsonl += "not json\n"
        d.write("in/a.jsonl", jsonl)
        let yaml = """
            inputs: [{path: in, format: jsonl}]
            output: {path: out, compression: none}
            stages:
              - {type: language_id, languages: [zh, en], min_score: {default: 0.5, zh: 0.69}}
            """
        let s = try spec(yaml, in: d)
        let stats = try PipelineExecutor(spec: s, plan: try StageFactory.make(s), options: .init(), log: { _ in }).run()
        #expect(stats.balanceProblem() == nil)
        #expect(stats.documentsIn == Self.documents.count + 1)
        #expect(stats.kept == 3)
        let stage = try #require(stats.stages.first { $0.name == "language_id" })
        #expect(stage.dropped == ["language_not_allowed": 1, "language_undetermined": 1])
        let out = d.files("out/documents").filter { $0.hasSuffix(".jsonl") }.flatMap { d.lines("out/documents/" + $0) }
        #expect(out.count == 3)
        for line in out {
            let doc = try JSONParser.parse(line)
            let language = try #require(doc["metadata"]?["language"]?.stringValue)
            #expect(language == "en" || language == "zh", "\(line)")
            #expect((doc["metadata"]?["language_score"]?.doubleValue ?? 0) >= 0.5)
        }
    }
}
