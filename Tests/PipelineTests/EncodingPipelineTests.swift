import TestSupport
import DomainForgeCore
import Foundation
import PipelineConfig
import Testing
@testable import PipelineRunner

/// Legacy encodings through the pipeline: detection for text and JSONL, `encoding:` forcing, charset metadata and
/// the `decoding` counters of the run stats. Byte strings were made with Python's codecs.
@Suite struct EncodingPipelineTests {
    static let simplified = "中华人民共和国是位于东亚的国家。医院的医生每天都要检查病人的身体状况，并且记录详细的病历。这个城市的交通非常方便，地铁和公交车可以到达每一个地方。我们应该保护环境，减少污染，让下一代生活在更美好的世界里。"
    /// `{"id": "g1", "text": simplified}` in GBK.
    static let gbkJSONLine = Array(Data(base64Encoded: "eyJpZCI6ICJnMSIsICJ0ZXh0IjogItbQu6rIy8PxubK6zbn6ysfOu9PatqvRx7XEufq80qGj0r3UurXE0r3J+sO/zOy2vNKqvOyy6bKhyMu1xMntzOXXtL/2o6yyosfSvMfCvM/qz7i1xLKhwPqho9XiuPazx8rQtcS9u82ot8ezo7e9seOjrLXYzPq6zbmrvbuztb/J0tS1vbTvw7/Su7j2tdi3vaGjztLDx9OmuMOxo7uku7e+s6OsvPXJ2c7byL6jrMjDz8LSu7T6yfq77tTauPzDwLrDtcTKwL3nwO+hoyJ9")!)
    /// The Traditional text (中華民國位於東亞。醫院的醫生…) in Big5.
    static let big5Text = Array(Data(base64Encoded: "pKS12KXBsOqm7KnzqkaoyKFDwuWwfKq6wuWlzahDpNGzo61uwMusZK9mpEiquqitxemqrKpwoUGow6VCsE+//bjUstOquq9mvvqhQ7NvrdOrsKWrqrql5rNxq0SxYKToq0uhQbG2uUKpTaS9qK6laaVIqOy5RqhDpECt06ZhpOihQ6farczAs7jTq0/FQMD0udKhQbTupNamw6xWoUHF/aRVpEClTqXNrKGmYqfzrPymbqq6pUCsybjMoUM=")!)
    /// `{"id": "s1", "text": "表示の表"}` in Shift_JIS: 表 is 0x95 0x5C, a JSON backslash as second byte.
    static let shiftJISLine = Array(Data(base64Encoded: "eyJpZCI6ICJzMSIsICJ0ZXh0IjogIpVcjqaCzJVcIn0=")!)

    func documents(_ d: TempDir) -> [JSONValue] {
        d.lines("out/documents/r00000-p00000.jsonl").map { try! JSONParser.parse($0) }
    }

    @Test func gbkJSONLAndBig5TextAreDetectedAndCounted() throws {
        let d = TempDir()
        d.write("j/a.jsonl", Self.gbkJSONLine + Array("\n{\"id\":\"u1\",\"text\":\"plain\"}\n".utf8))
        d.write("t/b.txt", Self.big5Text)
        let s = try spec("inputs: [{path: j, format: jsonl}, {path: t, format: text}]\noutput: {path: out, compression: none}", in: d)
        let st = try runPipeline(s, workers: 1)
        #expect(st.balanceProblem() == nil)
        #expect(st.documentsRead == 3)
        let docs = documents(d)
        let g = docs.first { $0["id"] == .string("g1") }
        #expect(g?["text"]?.stringValue == Self.simplified)
        #expect(g?["metadata"]?["charset"] == .string("gb18030"))
        let b = docs.first { $0["id"] == .string("t/b.txt") }
        #expect(b?["text"]?.stringValue?.hasPrefix("中華民國位於東亞。") == true)
        #expect(b?["metadata"]?["charset"] == .string("big5"))
        #expect(docs.first { $0["id"] == .string("u1") }?["metadata"]?["charset"] == nil)
        #expect(st.decoding == ["charset_gb18030": 1, "charset_big5": 1])
    }

    @Test func forcedEncodingDecodesBeforeJSONParsing() throws {
        let d = TempDir()
        d.write("j/a.jsonl", Self.shiftJISLine + [0x0A])
        let s = try spec("inputs: [{path: j, format: jsonl, encoding: shift_jis}]\noutput: {path: out, compression: none}", in: d)
        #expect(s.inputs[0].encoding == .shiftJIS)
        let st = try runPipeline(s, workers: 1)
        #expect(st.rejected.isEmpty)
        #expect(documents(d).first?["text"]?.stringValue == "表示の表")
        #expect(st.decoding == ["charset_shift_jis": 1])
    }

    @Test func badBytesAreCountedPerCharset() throws {
        let d = TempDir()
        var broken = Self.big5Text
        broken.insert(0xFF, at: 10)
        d.write("t/b.txt", broken)
        let s = try spec("inputs: [{path: t, format: text, encoding: big5}]\noutput: {path: out, compression: none}", in: d)
        let st = try runPipeline(s, workers: 1)
        #expect(st.balanceProblem() == nil)
        #expect(st.decoding == ["charset_big5": 1, "replaced_bytes_big5": 1])
        #expect(documents(d).first?["metadata"]?["replaced_bytes"] == .int(1))
    }

    @Test func unknownOrMisplacedEncodingIsAConfigError() throws {
        let d = TempDir()
        #expect(throws: ConfigErrors.self) {
            try spec("inputs: [{path: j, format: jsonl, encoding: klingon}]\noutput: {path: out}", in: d)
        }
        #expect(throws: ConfigErrors.self) {
            try spec("inputs: [{path: x, format: xml, encoding: gbk, xml: {documents: //d, text: [t]}}]\noutput: {path: out}", in: d)
        }
    }
}
