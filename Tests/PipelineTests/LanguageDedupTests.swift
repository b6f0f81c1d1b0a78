import TestSupport
import DomainForgeCore
import Foundation
import PipelineConfig
import Testing
@testable import PipelineRunner

/// Per-language dedup through the executor: `partition_by_language` and the keeper's `minhash_cluster_size`.
@Suite struct LanguageDedupTests {
    static func write(_ d: TempDir) {
        let text = GlobalDedupPipelineTests.prose(7, 80)
        let lines = [
            #"{"id": "en-1", "text": "\#(text)", "metadata": {"language": "en"}}"#,
            #"{"id": "de-1", "text": "\#(text)", "metadata": {"language": "de"}}"#,
            #"{"id": "en-2", "text": "\#(text) and one more", "metadata": {"language": "en"}}"#,
            #"{"id": "en-3", "text": "\#(text) and two more", "metadata": {"language": "en"}}"#,
            #"{"id": "other", "text": "\#(GlobalDedupPipelineTests.prose(8, 80))", "metadata": {"language": "en"}}"#,
        ]
        d.write("in/a.jsonl", lines.joined(separator: "\n") + "\n")
    }

    static func kept(_ d: TempDir) throws -> [String: JSONValue] {
        var out = [String: JSONValue]()
        for f in try d.files("out/documents") where f.hasSuffix(".jsonl") {
            for line in d.lines("out/documents/\(f)") {
                let v = try JSONParser.parse(line)
                out[try #require(v["id"]?.stringValue)] = v
            }
        }
        return out
    }

    @Test func partitionByLanguageKeepsEachLanguagesCopy() throws {
        for (partition, expected) in [(false, ["en-1", "other"]), (true, ["de-1", "en-1", "other"])] {
            let d = TempDir()
            Self.write(d)
            try GlobalDedupPipelineTests.run(d, yaml: """
                inputs: [{path: in, format: jsonl}]
                stages:
                  - {type: exact_dedup, partition_by_language: \(partition)}
                  - {type: minhash_dedup, partition_by_language: \(partition)}
                output: {path: out, compression: none}
                """)
            #expect(try Self.kept(d).keys.sorted() == expected, "partition \(partition)")
        }
    }

    @Test func globalKeeperRecordsClusterSize() throws {
        for record in [false, true] {
            let d = TempDir()
            Self.write(d)
            try GlobalDedupPipelineTests.run(d, yaml: """
                inputs: [{path: in, format: jsonl}]
                stages:
                  - {type: minhash_dedup, mode: global, partition_by_language: true, record_cluster_size: \(record)}
                output: {path: out, compression: none}
                """)
            let kept = try Self.kept(d)
            #expect(kept.keys.sorted() == ["de-1", "en-1", "other"])
            let size = kept["en-1"]?["metadata"]?["minhash_cluster_size"]
            #expect(size == (record ? .int(3) : nil))
            #expect(kept["de-1"]?["metadata"]?["minhash_cluster_size"] == nil)  // alone in its language
            #expect(kept["en-1"]?["metadata"]?["language"]?.stringValue == "en")
        }
    }

    @Test func clusterSizeNeedsGlobalMode() throws {
        let d = TempDir()
        Self.write(d)
        #expect(throws: (any Error).self) {
            try GlobalDedupPipelineTests.run(d, yaml: """
                inputs: [{path: in, format: jsonl}]
                stages:
                  - {type: minhash_dedup, record_cluster_size: true}
                output: {path: out, compression: none}
                """)
        }
    }
}
