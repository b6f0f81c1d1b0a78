import TestSupport
import DomainForgeCore
import Foundation
import Testing
@testable import Evaluation
@testable import Experiments

@Suite struct ReportTests {
    func eval(_ domain: Double, _ general: Double) -> EvalResult {
        var d = DatasetEval(label: "domain", path: "d", kind: .cptShards)
        d.loss = domain; d.tokenAccuracy = 0.5; d.tokens = 10
        var g = DatasetEval(label: "general", path: "g", kind: .cptShards)
        g.loss = general; g.tokenAccuracy = 0.25; g.tokens = 10
        return EvalResult(checkpoint: "c", seqLen: 8, maxBatches: nil, datasets: [d, g])
    }

    func writeRun(_ dir: String, _ e: EvalResult, losses: [Double]) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try e.write(path: dir + "/eval.json")
        let lines = losses.enumerated().map { "{\"step\":\($0.offset + 1),\"loss\":\($0.element)}" } + ["not json", "{\"step\":2,\"eval_loss\":3.5}"]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/metrics.jsonl"))
    }

    @Test func gainsForgettingTableAndHTML() throws {
        let d = TmpDir()
        try writeRun(d.path + "/full-ft", eval(2.0, 4.25), losses: [5, 4, 3])
        try writeRun(d.path + "/full-ft-replay", eval(2.5, 3.75), losses: [5, 4.5, 3.5])
        let runs = try [RunDirectory(path: d.path + "/full-ft"), RunDirectory(path: d.path + "/full-ft-replay")]
        #expect(runs[0].trainLoss.map(\.value) == [5, 4, 3])
        #expect(runs[0].evalLoss == [RunDirectory.Point(step: 2, value: 3.5)])
        let c = try RunComparison(runs: runs, base: eval(3.0, 3.5), failures: [("lora", "TRAIN.yaml rejected by the trainer: config: unknown key 'lora'")])
        #expect(c.runs[0].domainGain == 1.0)
        #expect(c.runs[0].forgetting == 0.75)
        #expect(c.runs[1].domainGain == 0.5)
        #expect(c.runs[1].forgetting == 0.25)
        let t = c.table
        let lines = t.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 + 4)
        #expect(lines[2].hasPrefix("base ") && lines[2].contains("3.0000") && lines[2].contains("(base)"))
        #expect(lines[3].hasPrefix("full-ft ") && lines[3].contains("+1.0000") && lines[3].contains("+0.7500"))
        #expect(lines[4].hasPrefix("full-ft-replay") && lines[4].contains("+0.5000") && lines[4].contains("+0.2500"))
        #expect(lines[5].hasPrefix("lora") && lines[5].contains("unknown key 'lora'"))
        // a failure note does not widen the number columns
        #expect(lines[2].count == lines[0].count || lines[2].count < 100)
        #expect(lines[1].count < 110)
        let html = HTMLReport.comparison(c, title: "T <&>").html
        #expect(html.components(separatedBy: "<svg ").count - 1 == 2)
        #expect(html.contains("+0.7500") && html.contains("+0.2500") && html.contains("3.7500"))
        #expect(html.contains("T &lt;&amp;&gt;"))
        #expect(!html.contains("<script"))
        // the scatter has one labelled point per run with gains
        #expect(c.tradeOffScatter().components(separatedBy: "<circle").count - 1 == 2)
        #expect(c.lossCurvePlot().components(separatedBy: "<polyline").count - 1 == 2)
    }

    @Test func missingEvalAndUnknownLabelsAreClearErrors() throws {
        let d = TmpDir()
        try FileManager.default.createDirectory(atPath: d.path + "/r", withIntermediateDirectories: true)
        #expect(throws: EvaluationError.self) { try RunDirectory(path: d.path + "/r") }
        try writeRun(d.path + "/r", eval(1, 2), losses: [1])
        #expect(throws: EvaluationError.self) { try RunComparison(runs: [RunDirectory(path: d.path + "/r")], base: nil, domainLabel: "x", generalLabel: "y") }
        let noBase = try RunComparison(runs: [RunDirectory(path: d.path + "/r")], base: nil)
        #expect(noBase.runs[0].domainGain == nil)
        #expect(noBase.table.contains("1.0000"))
    }

    @Test func svgSkipsNonFiniteValuesAndHandlesEmptySeries() {
        let p = SVGPlot(title: "t", xLabel: "x", yLabel: "y")
        let s = p.lines([.init(name: "a", points: [(0, 1), (1, .nan), (2, 3)]), .init(name: "b", points: [])])
        #expect(s.hasPrefix("<svg") && s.hasSuffix("</svg>"))
        #expect(!s.contains("nan"))
        #expect(p.scatter([]).contains("</svg>"))
    }
}
