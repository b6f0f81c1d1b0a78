import DomainForgeCore
import Foundation
import PipelineConfig
import PipelineRunner
import Testing

@Suite struct ConfigTests {
    func errors(_ yaml: String) -> [String] {
        do {
            _ = try PipelineSpec.from(try YAMLLoader.load(yaml, file: "t.yaml"), baseDirectory: "/base", name: "t")
            return []
        } catch let e as ConfigErrors {
            return e.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func minimalConfigResolvesPathsAndDefaults() throws {
        let s = try PipelineSpec.from(try YAMLLoader.load("""
            inputs:
              - path: data/x.jsonl
                format: jsonl
            output:
              path: out
            """, file: "t"), baseDirectory: "/base", name: "t")
        #expect(s.inputs[0].path == "/base/data/x.jsonl")
        #expect(s.inputs[0].name == "x.jsonl")
        #expect(s.inputs[0].textField == "text")
        #expect(s.output.path == "/base/out")
        #expect(s.output.zstdLevel == 3)
        #expect(s.output.writeRejects)
        #expect(s.execution.maxDocumentBytes == 32 << 20)
    }

    @Test func unknownKeyIsNamedWithAllowedKeys() {
        let e = errors("""
            inputs: [{path: a, format: jsonl, txt_field: body}]
            output: {path: out}
            """)
        #expect(e.count == 1)
        #expect(e[0].hasPrefix("inputs[0].txt_field: unknown key; allowed keys here: encoding, exclude, follow_symlinks, format, id_field, include"))
    }

    @Test func wrongEnumListsAllowedValues() {
        let e = errors("""
            inputs: [{path: a, format: pdf}]
            output: {path: out, compression: gzip}
            """)
        #expect(e.contains("inputs[0].format: 'pdf' is not allowed; allowed values: 'text', 'jsonl', 'json', 'html', 'xml'"))
        #expect(e.contains("output.compression: 'gzip' is not allowed; allowed values: 'none', 'zstd'"))
    }

    @Test func missingAndMistypedKeys() {
        let e = errors("""
            inputs: []
            execution: {workers: two}
            """)
        #expect(e.contains("output: is required"))
        #expect(e.contains("inputs: must have at least 1 item(s)"))
        #expect(e.contains("execution.workers: expected integer, got string 'two'"))
    }

    @Test func xmlNeedsSelectors() {
        let e = errors("""
            inputs: [{path: a, format: xml}, {path: b, format: jsonl, xml: {documents: //x, text: [y]}}]
            output: {path: out}
            """)
        #expect(e.contains("inputs[0].xml: is required for format xml (documents and text XPaths)"))
        #expect(e.contains("inputs[1].xml: is only allowed with format xml"))
    }

    @Test func yamlSyntaxErrorIsReported() {
        let e = errors("inputs: [unclosed\noutput: {path: x}")
        #expect(e.count == 1)
        #expect(e[0].contains("not valid YAML"))
    }

    @Test func configHashIgnoresWorkerCount() throws {
        let a = try PipelineSpec.from(try YAMLLoader.load("inputs: [{path: a, format: text}]\noutput: {path: o}\nexecution: {workers: 1}", file: "t"), baseDirectory: ".", name: "t")
        let b = try PipelineSpec.from(try YAMLLoader.load("inputs: [{path: a, format: text}]\noutput: {path: o}\nexecution: {workers: 4}", file: "t"), baseDirectory: ".", name: "t")
        let c = try PipelineSpec.from(try YAMLLoader.load("inputs: [{path: a, format: jsonl}]\noutput: {path: o}", file: "t"), baseDirectory: ".", name: "t")
        #expect(a.configHash == b.configHash)
        #expect(a.configHash != c.configHash)
    }
}
