import PipelineRunner
import DomainForgeCore
import Foundation
import Testing
@testable import Cleaning

/// The executor calls `process` from several threads at once: results must match a single-threaded run.
@Suite struct ConcurrencyTests {
    @Test func parallelRunsMatchSerialRuns() async throws {
        var docs: [Document] = []
        let samples = [
            goodProse, goodLines, "Mail a@mail.com or call 555-234-5678.\n\n\nNext\u{A0}para  ",
            String(repeating: "Same line again.\n", count: 20), "\u{8FD9}\u{662F}\u{4E00}\u{4E2A}\u{53E5}\u{5B50}\u{3002}",
            "", "Cafe\u{301} lorem ipsum {x}",
        ]
        for k in 0..<140 { docs.append(Document(id: "\(k)", text: samples[k % samples.count] + " \(k)", source: "t")) }
        let stages = try StageRegistry.cleaningTypes.map { try StageRegistry.makeDocumentStage(type: $0, options: .null) }

        func runAll(_ doc: Document) -> [String] {
            var out: [String] = []
            for stage in stages {
                var d = doc
                var c = StageCounters()
                let v = stage.process(&d, counters: &c)
                out.append("\(stage.name) \(v) \(Array(d.text.unicodeScalars).count) \(c.values.sorted { $0.key < $1.key })")
            }
            return out
        }
        let serial = docs.map(runAll)
        let parallel = await withTaskGroup(of: (Int, [String]).self) { group in
            for (k, doc) in docs.enumerated() { group.addTask { (k, runAll(doc)) } }
            var results = [[String]](repeating: [], count: docs.count)
            for await (k, r) in group { results[k] = r }
            return results
        }
        #expect(parallel == serial)
    }
}
