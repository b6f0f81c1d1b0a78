import TestSupport
import DomainForgeCore
import Foundation
import PipelineConfig
@testable import PipelineRunner
import Shards
import Testing

/// Runs the bundled sample pipelines end to end and checks their outputs against the JSON Schemas in schemas/.
@Suite struct SampleRunTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func schema(_ name: String) throws -> SchemaValidator {
        SchemaValidator(schema: try JSONParser.parse(bytes: Array(FileManager.default.contents(atPath: Self.root + "/schemas/" + name)!)))
    }

    func decompressLines(_ path: String) throws -> [String] {
        let src = try openByteSource(path: path, displayName: path)
        let lr = LineReader(source: src, maxLineBytes: 1 << 24)
        var out = [String]()
        while let l = try lr.next() { out.append(String(decoding: l.bytes, as: UTF8.self)) }
        return out
    }

    @Test func cptSamplePipelineProducesValidDocumentsAndShards() throws {
        var spec = try PipelineSpec.load(path: Self.root + "/pipelines/medical-cpt-shards.yaml")
        let out = TempDir()
        spec.output.path = out.path + "/run"
        let plan = try StageFactory.make(spec)
        var o = PipelineExecutor.Options()
        o.workers = 2
        let stats = try PipelineExecutor(spec: spec, plan: plan, options: o, log: { _ in }).run()
        #expect(stats.balanceProblem() == nil)
        #expect(stats.kept > 20)
        #expect(stats.rejected["invalid_json"] == 1 && stats.rejected["missing_text_field"] == 1)
        let docSchema = try schema("document.schema.json")
        let rejSchema = try schema("reject.schema.json")
        for f in out.files("run/documents") {
            for line in try decompressLines(out.path + "/run/documents/" + f) {
                #expect(docSchema.validate(try JSONParser.parse(line)).isEmpty, "\(line.prefix(200))")
            }
        }
        for dir in ["rejects", "errors"] {
            for f in out.files("run/" + dir) {
                for line in try decompressLines(out.path + "/run/\(dir)/" + f) {
                    #expect(rejSchema.validate(try JSONParser.parse(line)).isEmpty, "\(line.prefix(200))")
                }
            }
        }
        let shards = out.path + "/run/shards"
        let manifest = try JSONParser.parse(bytes: Array(FileManager.default.contents(atPath: shards + "/manifest.json")!))
        #expect(try schema("shard-manifest.schema.json").validate(manifest).isEmpty)
        let report = ShardVerifier.verify(directory: shards)
        #expect(report.ok)
        #expect(report.samples == stats.kept)
        #expect(manifest["tokens"]?.intValue == report.tokens)
    }
}
