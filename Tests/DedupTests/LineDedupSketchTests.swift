import DomainForgeCore
import Foundation
import Testing
@testable import Dedup

@Test func countMinSketchNeverUnderestimates() {
    let s = CountMinSketch(log2Width: 4, depth: 2) // 16 counters per row: many collisions
    var truth = [UInt64: UInt32]()
    for i in 0..<500 {
        let k = UInt64(i % 97) &* 0x9E37_79B9_7F4A_7C15
        s.add(k)
        truth[k, default: 0] += 1
    }
    #expect(truth.allSatisfy { s.estimate($0.key) >= $0.value })
    #expect(truth.contains { s.estimate($0.key) > $0.value }) // collisions do overestimate
    let big = CountMinSketch(log2Width: 16)
    big.add(42, 3); big.add(42)
    #expect(big.estimate(42) == 4)
    #expect(big.estimate(43) == 0)
    big.add(7, UInt32.max)
    #expect(big.estimate(7) == UInt32.max) // saturates
    big.clear()
    #expect(big.estimate(42) == 0 && big.estimate(7) == 0)
    #expect(CountMinSketch(log2Width: 1, depth: 20).bytes == 8 * 16 * 4) // clamped to 16 wide, 8 deep
}

/// A tiny sketch (everything collides) must give exactly the decisions of the default one: it only filters, the
/// exact counts decide.
@Test func lineDedupDecisionsDoNotDependOnTheSketch() throws {
    let o = try DedupStageFactory.decode(LineDedupStage.Options.self, type: "line_dedup",
                                         .object(["max_occurrences": .int(2), "sentence_spans": .bool(true), "min_line_chars": .int(12)]))
    let footers = ["Share this page with your friends today.", "All rights reserved by the publisher.", "Subscribe to the weekly newsletter now.",
                   "Contact the editorial team for corrections."]
    var parts = [[Document]]()
    for p in 0..<3 {
        parts.append((0..<12).map { k in
            let i = p * 12 + k
            let lines = [prose(seed: UInt64(i), words: 12), footers[i % 4], footers[(i / 3) % 4], prose(seed: UInt64(i + 99), words: 9),
                         "Unique line number \(i) of the corpus."]
            return doc("d\(i)", lines.joined(separator: "\n"))
        })
    }
    func outcome(tiny: Bool) throws -> ([(String, StageVerdict, String)], String) {
        let dir = tempDir()
        let s = try LineDedupStage(options: o, stateDirectory: dir)
        if tiny { s.sketch = CountMinSketch(log2Width: 4, depth: 1) }
        var c = StageCounters()
        try s.resume(finishedParts: [])
        if tiny { s.sketch = CountMinSketch(log2Width: 4, depth: 1) }
        let r = try run(s, parts, counters: &c)
        try s.finish()
        return (r, try String(contentsOfFile: dir + "/line_patterns.json", encoding: .utf8))
    }
    let (big, bigReport) = try outcome(tiny: false)
    let (tiny, tinyReport) = try outcome(tiny: true)
    #expect(big.map(\.0) == tiny.map(\.0))
    #expect(big.map(\.1) == tiny.map(\.1))
    #expect(big.map(\.2) == tiny.map(\.2))
    #expect(bigReport == tinyReport)
    // Each footer survives in the first 2 documents containing it, then is removed.
    let withFooter0 = big.filter { $0.2.contains(footers[0]) }.map(\.0)
    #expect(withFooter0 == ["d0", "d1"]) // d0, d1, d2, d4... contain it
    #expect(!big[36 - 1].2.contains(footers[3]))
}

@Test func lineDedupResumeRebuildsTheSketch() throws {
    let dir = tempDir()
    let footer = "Printed from the example clinic website."
    let docs = (0..<6).map { doc("d\($0)", "Body \($0) " + prose(seed: UInt64($0), words: 8) + "\n" + footer) }
    var c = StageCounters()
    do {
        let s = try LineDedupStage(options: try DedupStageFactory.decode(LineDedupStage.Options.self, type: "line_dedup",
                                                                         .object(["max_occurrences": .int(3)])), stateDirectory: dir)
        try s.resume(finishedParts: [])
        try run(s, [Array(docs[0..<2]), Array(docs[2..<4])], counters: &c) // part 1 written, not recorded as finished
    }
    let s = try LineDedupStage(options: try DedupStageFactory.decode(LineDedupStage.Options.self, type: "line_dedup",
                                                                     .object(["max_occurrences": .int(3)])), stateDirectory: dir)
    try s.resume(finishedParts: [0])
    let r = try run(s, [Array(docs[2..<6])], firstPart: 1, counters: &c)
    // Part 1's counts were forgotten: d2 is the third document with the footer and keeps it.
    #expect(r.map { $0.2.contains(footer) } == [true, false, false, false])
    let fresh = try LineDedupStage(options: try DedupStageFactory.decode(LineDedupStage.Options.self, type: "line_dedup",
                                                                         .object(["max_occurrences": .int(3)])), stateDirectory: tempDir())
    let r2 = try run(fresh, docs)
    #expect(r2.map { $0.2.contains(footer) } == [true, true, true, false, false, false])
}
