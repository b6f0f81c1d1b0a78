import DomainForgeCore
import Foundation
import PipelineRunner
import Testing
import TestSupport

/// Every registered stage passes the conformance verifier: the same documents and rejects whether it sees the
/// documents one at a time or in batches, with 1 or 2 workers, and after an interrupted part. A stage added to the
/// registry is covered here without editing this file (a stage that needs options names them in `setup`).
@Suite struct StageConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let tokenizer = root + "/pipelines/tokenizers/medical-sample-bpe.json"

    /// The config lines a stage type needs: required options, and the stages it needs before it.
    static func setup(_ type: String) -> String {
        switch type {
        case "tokenize": return "- {type: tokenize, tokenizer: \(tokenizer)}"
        case "shard": return "- {type: tokenize, tokenizer: \(tokenizer)}\n- {type: shard, size_limit: 4096}"
        case "decontaminate":
            return "- type: decontaminate\n  eval_sets:\n    - {name: probe, path: \(root)/Tests/PipelineTests/StageConformanceTests.swift, format: text}"
        default: return "- {type: \(type)}"
        }
    }

    /// Documents that some stage keeps, drops or changes: prose, duplicates and near-duplicates, short and
    /// repetitive text, PII, Chinese, and a line of this file for decontamination.
    static let documents: [String] = {
        let prose = (0..<12).map { i in
            "Patients with chronic condition number \(i) were followed for two years in the clinic. "
                + "The doctors measured blood pressure, weight and heart rate at every visit, and they wrote down "
                + "what the patients said about their sleep, their diet and the exercise they did each week. "
                + "Most patients improved when they walked for thirty minutes a day and ate less salt.\n"
                + "Contact the study office at study\(i)@hospital.org or call 555-013-\(1000 + i) for details."
        }
        return [
            prose[0], prose[1], prose[0], prose[2] + " Extra words at the end.", "too short",
            prose[3], String(repeating: "the same line again\n", count: 40), prose[4],
            "患者在医院接受了两年的随访。医生在每次就诊时测量血压、体重和心率，并记录患者的睡眠和饮食情况。大多数患者在每天步行三十分钟并减少盐的摄入后病情有所改善。",
            prose[5], "Documents that some stage keeps, drops or changes: prose, duplicates and near-duplicates, short and",
            prose[6], prose[1], "", prose[7], prose[8],
        ]
    }()

    @Test(arguments: StageRegistry.types)
    func registeredStageConforms(_ type: String) throws {
        let problems = try StageConformanceVerifier(stages: Self.setup(type), documents: Self.documents).verify()
        #expect(problems.isEmpty, "\(type): \(problems.joined(separator: "; "))")
    }
}
