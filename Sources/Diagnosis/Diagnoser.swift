import DomainForgeCore
import Evaluation
import Foundation
import SFT
import Tokenization
import Trainer

/// Runs a diagnosis: loads the base model and tokenizer, samples the domain and general data, measures vocabulary
/// fit, knowledge gap, behaviour gap (with an SFT set), MCQ accuracy (with an eval set), data and cost, and decides.
public struct Diagnoser {
    /// Inputs and bounds.
    public struct Options: Sendable {
        public var base: String
        public var tokenizer: String
        public var domain: String
        public var general: String
        public var sft: String?
        public var eval: String?
        public var targetTokens: Double?
        /// Documents and bytes sampled per side.
        public var maxDocs = 200
        public var maxBytes = 400_000
        /// Targets scored per side.
        public var maxTokens = 20_000
        /// SFT records scored, and answered greedily.
        public var sftRecords = 32
        public var generateRecords = 8
        public var maxNewTokens = 96
        public var mcqQuestions = 100
        public var template = "chatml"
        public var seqLen: Int?
        public var thresholds = DiagnosisThresholds()
        public var vocabulary = VocabularyFit.Options()

        public init(base: String, tokenizer: String, domain: String, general: String) {
            self.base = base; self.tokenizer = tokenizer; self.domain = domain; self.general = general
        }
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// Measures everything and decides. `progress` receives one line per step.
    public func run(progress: (String) -> Void = { _ in }) throws -> DiagnosisReport {
        let o = options
        for p in [o.base, o.tokenizer, o.domain, o.general] + [o.sft, o.eval].compactMap({ $0 }) {
            guard FileManager.default.fileExists(atPath: p) else { throw DiagnosisError.missingInput(p) }
        }
        let tok: BPETokenizer
        do { tok = try BPETokenizer.load(path: o.tokenizer) } catch { throw DiagnosisError.model("\(o.tokenizer): \(error)") }
        let checkpoint = RunDirectory.checkpoint(of: o.base)
        let model: LlamaModel
        do { model = try Checkpoint.loadModel(from: checkpoint) } catch { throw DiagnosisError.model("\(checkpoint): \(error)") }
        progress("sampling data")
        let domain = try TextSample.load(path: o.domain, label: "domain", maxDocs: o.maxDocs, maxBytes: o.maxBytes)
        let general = try TextSample.load(path: o.general, label: "general", maxDocs: o.maxDocs, maxBytes: o.maxBytes)
        progress("vocabulary fit")
        let vocab = VocabularyFit.measure(tok, domain: domain.texts, general: general.texts, options: o.vocabulary)
        let seqLen = o.seqLen ?? min(model.config.maxPositions, 256)
        progress("loss on domain and general text")
        let terms = Set(vocab.terms.map(\.text))
        let dLoss = try LossProfile.measure(model: model, tokenizer: tok, texts: domain.texts, terms: terms, seqLen: seqLen, maxTokens: o.maxTokens)
        let gLoss = try LossProfile.measure(model: model, tokenizer: tok, texts: general.texts, terms: terms, seqLen: seqLen, maxTokens: o.maxTokens)
        var report = DiagnosisReport(checkpoint: checkpoint, parameters: model.parameterCount, domain: domain, general: general,
                                     vocabulary: vocab, domainLoss: dLoss, generalLoss: gLoss, thresholds: o.thresholds)
        // domain tokens of all documents: sampled tokens per byte × all bytes
        report.domainTokens = domain.sampleBytes > 0 ? (Double(vocab.domain.tokens) / Double(domain.sampleBytes) * Double(domain.totalBytes)).rounded() : 0
        if let sft = o.sft {
            progress("behaviour on \(sft)")
            report.behaviour = try measureBehaviour(model: model, tokenizer: tok, path: sft, seqLen: seqLen)
        }
        if let eval = o.eval {
            progress("multiple choice \(eval)")
            let scorer = try TokenScorer(model: model, batchSize: 1, seqLen: seqLen)
            report.mcq = try MultipleChoiceEvaluator(scorer: scorer, tokenizer: tok, maxQuestions: o.mcqQuestions).evaluate(path: eval, label: "eval")
            report.overlap = try EvalOverlap.measure(evalPath: eval, domain: domain.texts, sftPath: o.sft)
        }
        let trainSpeed = dLoss.forwardTokensPerSecond.map { $0 / 3 }
        report.cost = CostEstimate(parameters: model.parameterCount, cptTokens: o.targetTokens ?? report.domainTokens,
                                   sftTokens: report.behaviour?.sftTokens ?? 0, trainTokensPerSecond: trainSpeed, gpuTFLOPS: o.thresholds.gpuTFLOPS)
        report.recommendation = Recommendation.decide(report.signals, o.thresholds)
        return report
    }

    func measureBehaviour(model: LlamaModel, tokenizer: BPETokenizer, path: String, seqLen: Int) throws -> BehaviourGap {
        let template: ChatTemplate
        do { template = try ChatTemplate.named(options.template) } catch { throw DiagnosisError.thresholds("\(error)") }
        let renderer: SFTRenderer
        do { renderer = try SFTRenderer(template: template, tokenizer: tokenizer) } catch { throw DiagnosisError.model("\(error)") }
        return try BehaviourGap.measure(model: model, renderer: renderer, path: path, seqLen: seqLen, maxRecords: options.sftRecords,
                                        generateRecords: options.generateRecords, maxNewTokens: options.maxNewTokens)
    }
}
