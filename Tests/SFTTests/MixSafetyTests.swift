import DomainForgeCore
import Foundation
import Testing
@testable import SFT

@Suite struct MixSafetyTests {
    func spec(_ d: String, ratios: (Double, Double), extra: String = "") throws -> MixSpec {
        let dom = writeSFT(40, prefix: "dom", answerWords: 5, in: d)
        let gen = writeSFT(40, prefix: "gen", answerWords: 5, in: d)
        return try MixSpec.parse("""
            by: records
            \(extra)
            output: \(d)/out
            sources:
              - {name: domain, sft: \(dom), ratio: \(ratios.0)}
              - {name: general, sft: \(gen), ratio: \(ratios.1)}
            """)
    }

    @Test func ratiosMustSumToOneUnlessNormalize() throws {
        let d = Fix.tempDir("ratios")
        var s = try spec(d, ratios: (1.0, 0.4))
        #expect {
            try Mixer.run(s)
        } throws: { e in
            (e as? MixError)?.message.contains("sum to 1.4") == true && (e as? MixError)?.message.contains("--normalize") == true
        }
        #expect(!FileManager.default.fileExists(atPath: d + "/out"))
        s.normalize = true
        let r = try Mixer.run(s)
        #expect(abs(r.entries[0].target - 1 / 1.4) < 1e-12)
        // Within the tolerance of 1e-6 the ratios are accepted as they are.
        #expect(try spec(d, ratios: (0.7, 0.3000000001)).normalizedRatios().count == 2)
    }

    @Test func aSourceWhoseShareRoundsToZeroIsWarnedAbout() throws {
        let d = Fix.tempDir("zero")
        let s = try spec(d, ratios: (0.999, 0.001), extra: "total: 20\ntolerance: 0.01")
        var lines = [String]()
        let r = try Mixer.run(s, log: { lines.append($0) })
        #expect(r.entries[1].records == 0)
        #expect(lines.contains { $0.contains("warning: source general gets 0 records") }, "\(lines)")
    }

    @Test func aFailedMixLeavesNoOutputFolder() throws {
        let d = Fix.tempDir("tolerance")
        // 3 records cannot be split 70/30: 2 + 1 misses the target by 3.3 points.
        let s = try spec(d, ratios: (0.7, 0.3), extra: "total: 3\ntolerance: 0.01")
        #expect(throws: MixError.self) { try Mixer.run(s) }
        #expect(!FileManager.default.fileExists(atPath: d + "/out"), "a failed mix must not leave a complete-looking output")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: d).filter { $0.hasPrefix(".out.") }
        #expect(leftovers.isEmpty, "temporary folders left: \(leftovers)")
    }

    @Test func aSecondRunReplacesTheOutputAndIsIdentical() throws {
        let d = Fix.tempDir("rerun")
        let s = try spec(d, ratios: (0.5, 0.5), extra: "tokenizer: \(Fix.path("byte-tokenizer.json"))")
        _ = try Mixer.run(s)
        let first = try readAll(d + "/out")
        let records = FileManager.default.contents(atPath: d + "/out/records.jsonl")
        _ = try Mixer.run(s)
        #expect(try readAll(d + "/out") == first)
        #expect(FileManager.default.contents(atPath: d + "/out/records.jsonl") == records)
        #expect(try FileManager.default.contentsOfDirectory(atPath: d).filter { $0.hasPrefix(".") }.isEmpty)
    }
}
