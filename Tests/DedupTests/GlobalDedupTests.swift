import DomainForgeCore
import Foundation
import Testing
@testable import Dedup
import PipelineRunner

// MARK: helpers

/// Runs `parts` through a `mode: global` stage built from `options` and clusters what it recorded.
func globalRun(_ type: String, _ options: [String: JSONValue], _ parts: [[Document]]) throws -> (GlobalDedupResult, [StageVerdict]) {
    let dir = tempDir()
    var o = options
    o["mode"] = .string("global")
    let stage = try StageRegistry.makeOrderedStage(type: type, options: .object(o), stateDirectory: dir, baseDirectory: "")
    var c = StageCounters()
    try stage.resume(finishedParts: [])
    let r = try run(stage, parts, counters: &c)
    try stage.finish()
    let plan = try #require((stage as? any GlobalDedupStage)?.globalPlan)
    return (try GlobalDedupClusterer.cluster(plan: plan, indexes: [(0, dir + "/global.sqlite")]), r.map(\.1))
}

/// Words `w<from>` ... `w<to - 1>`: with 1-word shingles, the Jaccard of two ranges is overlap / union.
func wordRange(_ from: Int, _ to: Int) -> String { (from..<to).map { "w\($0)" }.joined(separator: " ") }

let chainOptions: [String: JSONValue] = ["ngram": .int(1), "bands": .int(64), "rows": .int(2), "verify_jaccard": .bool(true),
                                         "jaccard_threshold": .double(0.6)]

func keptIDs(_ r: GlobalDedupResult, all: [String]) -> [String] {
    let dropped = Set(r.drops.values.flatMap { $0.map(\.id) })
    return all.filter { !dropped.contains($0) }
}

// MARK: tests

@Test func globalModeKeepsEverythingDuringTheRun() throws {
    let docs = [doc("a", "same text here"), doc("b", "Same text, here!"), doc("empty", "  ,, ")]
    let (result, verdicts) = try globalRun("exact_dedup", [:], [docs])
    #expect(verdicts == [.keep, .keep, .keep])
    #expect(result.recorded == 2) // the empty one has no key
    #expect(result.droppedTotal == 1)
    #expect(result.drops[.init(rank: 0, part: 0)] == [.init(position: 1, id: "b", keptID: "a", similarity: 1)])
}

@Test func chainEndsInOneCluster() throws {
    // A~B (80/120 = 0.667) and B~C (0.667), A and C below the threshold (60/140 = 0.429); D unrelated.
    let docs = [doc("A", wordRange(0, 100)), doc("D", wordRange(500, 600)), doc("B", wordRange(20, 120)), doc("C", wordRange(40, 140))]
    let (r, _) = try globalRun("minhash_dedup", chainOptions, [Array(docs[0...1]), Array(docs[2...3])])
    #expect(r.clusters.count == 1)
    let c = try #require(r.clusters.first)
    #expect(c.members.map(\.id) == ["A", "B", "C"])
    #expect(c.keeper.id == "A")
    #expect(c.members.map { ($0.similarity * 10_000).rounded() / 10_000 } == [1, 0.6667, 0.4286])
    #expect(r.drops[.init(rank: 0, part: 1)]?.map(\.id) == ["B", "C"])
    #expect(r.drops[.init(rank: 0, part: 1)]?.map(\.position) == [0, 1])
    #expect(r.drops[.init(rank: 0, part: 0)] == nil)
    // Online mode keeps C: it is compared with kept documents only, and A is below the threshold.
    let online = try run(StageRegistry.makeOrderedStage(type: "minhash_dedup", options: .object(chainOptions), stateDirectory: tempDir(),
                                                baseDirectory: ""), docs)
    #expect(dropped(online) == ["B"])
}

@Test func keepLongestPicksTheLongestNotTheFirst() throws {
    let docs = [doc("short", "Hello world"), doc("other", "something else entirely"), doc("long", "HELLO,   world!!!"),
                doc("mid", "hello world.")]
    let (r, _) = try globalRun("exact_dedup", ["keep": .string("longest")], [docs])
    #expect(r.clusters.count == 1)
    #expect(r.clusters[0].keeper.id == "long")
    #expect(r.clusters[0].members.map(\.id) == ["short", "long", "mid"])
    #expect(keptIDs(r, all: docs.map(\.id)) == ["other", "long"])
    #expect(r.drops[.init(rank: 0, part: 0)]?.map(\.keptID) == ["long", "long"])
}

@Test func keepLongestTiesGoToTheFirst() throws {
    let docs = [doc("x", "abc def"), doc("y", "ABC DEF")]
    let (r, _) = try globalRun("exact_dedup", ["keep": .string("longest")], [docs])
    #expect(keptIDs(r, all: ["x", "y"]) == ["x"])
}

@Test func keepPriorityReadsTheMetadataField() throws {
    func d(_ id: String, _ p: JSONValue?) -> Document {
        Document(id: id, text: wordRange(0, 50), source: "t", metadata: p.map { ["quality": $0] } ?? [:])
    }
    let docs = [d("none", nil), d("one", .int(1)), d("five", .string("5")), d("three", .double(3)), d("bad", .string("high"))]
    let (r, _) = try globalRun("minhash_dedup", ["keep": .string("priority"), "priority_field": .string("quality")], [docs])
    #expect(r.clusters.count == 1)
    #expect(r.clusters[0].keeper.id == "five")
    #expect(keptIDs(r, all: docs.map(\.id)) == ["five"])
    #expect(r.clusters[0].members.first { $0.id == "five" }?.priority == 5)
    #expect(r.clusters[0].members.first { $0.id == "bad" }?.priority == nil)
}

@Test func globalOptionErrorsNameTheKey() throws {
    func message(_ type: String, _ o: [String: JSONValue]) -> String {
        do {
            _ = try StageRegistry.makeOrderedStage(type: type, options: .object(o), stateDirectory: tempDir(), baseDirectory: "")
            return "no error"
        } catch { return "\(error)" }
    }
    #expect(message("exact_dedup", ["keep": .string("longest")])
        == "stage 'exact_dedup': invalid option 'keep': 'longest' needs mode: global (an online stage can only keep the first document); add mode: global or use keep: first")
    #expect(message("minhash_dedup", ["mode": .string("global"), "keep": .string("priority")]).contains("option 'priority_field' is required"))
    #expect(message("minhash_dedup", ["priority_field": .string("q")]).contains("only used with keep: priority"))
    #expect(message("exact_dedup", ["mode": .string("global"), "index_path": .string("x.sqlite")])
        .contains("'index_path' cannot be used with mode: global"))
    #expect(message("exact_dedup", ["mode": .string("later")]).hasPrefix("stage 'exact_dedup': invalid options: 'mode'"))
    #expect(message("minhash_dedup", ["keep": .string("newest"), "mode": .string("global")]).hasPrefix("stage 'minhash_dedup': invalid options: 'keep'"))
    #expect(message("minhash_dedup", ["mode": .string("global"), "keep": .string("longest")]) == "no error")
}

@Test func globalIndexResumesPerPart() throws {
    let parts = [[doc("a", wordRange(0, 60)), doc("b", wordRange(0, 60))], [doc("c", wordRange(0, 60)), doc("d", wordRange(100, 160))]]
    let full = try globalRun("minhash_dedup", chainOptions, parts).0
    // Part 1 written (with other documents) but not recorded as finished, then resumed with part 0 finished: part 1 is redone.
    let dir = tempDir()
    var o = chainOptions
    o["mode"] = .string("global")
    var c = StageCounters()
    do { // the killed process: its open transaction goes away with it
        let s1 = try StageRegistry.makeOrderedStage(type: "minhash_dedup", options: .object(o), stateDirectory: dir, baseDirectory: "")
        try s1.resume(finishedParts: [])
        try run(s1, [parts[0], [doc("junk", wordRange(0, 60)), doc("junk2", wordRange(0, 60))]], counters: &c)
    }
    let s2 = try StageRegistry.makeOrderedStage(type: "minhash_dedup", options: .object(o), stateDirectory: dir, baseDirectory: "")
    try s2.resume(finishedParts: [0])
    try run(s2, [parts[1]], firstPart: 1, counters: &c)
    try s2.finish()
    let plan = try #require((s2 as? any GlobalDedupStage)?.globalPlan)
    let resumed = try GlobalDedupClusterer.cluster(plan: plan, indexes: [(0, dir + "/global.sqlite")])
    #expect(resumed == full)
    #expect(full.drops.values.flatMap { $0.map(\.id) }.sorted() == ["b", "c"])
}

@Test func clustererRefusesMissingOrWrongIndexes() throws {
    let plan = GlobalDedupPlan(stage: "exact_dedup", keep: .first, priorityField: nil, similarity: .exact, threshold: 1, reason: "exact_duplicate")
    let dir = tempDir()
    #expect(throws: GlobalDedupError.self) { try GlobalDedupClusterer.cluster(plan: plan, indexes: [(1, dir + "/none.sqlite")]) }
    let online = try ExactDedupStage(stateDirectory: dir)
    _ = try run(online, [doc("a", "x y")])
    do {
        _ = try GlobalDedupClusterer.cluster(plan: plan, indexes: [(0, dir + "/exact.sqlite")])
        Issue.record("expected an error")
    } catch let e as GlobalDedupError {
        #expect(e.message.contains("is not the index of a mode: global dedup stage"))
    }
}

@Test func unionFindJoinsTransitively() {
    var u = SparseUnionFind()
    let joined = [u.union(0, 1), u.union(3, 4), u.union(1, 0), u.union(1, 4)]
    #expect(joined == [true, true, false, true])
    let roots = (0..<5).map { u.find($0) }
    #expect(roots[0] == roots[3] && roots[1] == roots[4])
    #expect(roots[2] != roots[0])
}

@Test func copiesCostOneComparisonEach() throws {
    let docs = (0..<50).map { doc("c\($0)", "The same boilerplate line") }
        + [doc("other", "something different")]
    let (r, _) = try globalRun("exact_dedup", [:], [Array(docs[0..<20]), Array(docs[20...])])
    #expect(r.comparisons == 49)
    #expect(r.clusters.count == 1)
    #expect(r.clusters[0].members.count == 50)
    #expect(r.clusters[0].keeper.id == "c0")
    #expect(r.drops[.init(rank: 0, part: 0)]?.count == 19)
    #expect(r.drops[.init(rank: 0, part: 1)]?.map(\.position) == Array(0..<30))
}
