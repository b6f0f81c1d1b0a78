import DomainForgeCore
import Evaluation
import Tokenization

/// Everything `pipeline diagnose` measured, and the recommendation.
public struct DiagnosisReport: Sendable {
    public var checkpoint: String
    public var parameters: Int
    public var domain: TextSample
    public var general: TextSample
    public var vocabulary: VocabularyFit
    public var domainLoss: LossProfile
    public var generalLoss: LossProfile
    public var thresholds: DiagnosisThresholds
    /// Estimated tokens of all unique domain documents.
    public var domainTokens = 0.0
    public var behaviour: BehaviourGap?
    public var mcq: DatasetEval?
    public var overlap: EvalOverlap?
    public var cost = CostEstimate(parameters: 0, cptTokens: 0, sftTokens: 0, trainTokensPerSecond: nil, gpuTFLOPS: 0)
    public var recommendation = Recommendation(action: .none, reasons: [])

    public init(checkpoint: String, parameters: Int, domain: TextSample, general: TextSample, vocabulary: VocabularyFit,
                domainLoss: LossProfile, generalLoss: LossProfile, thresholds: DiagnosisThresholds) {
        self.checkpoint = checkpoint; self.parameters = parameters; self.domain = domain; self.general = general
        self.vocabulary = vocabulary; self.domainLoss = domainLoss; self.generalLoss = generalLoss; self.thresholds = thresholds
    }

    /// Domain loss minus general loss.
    public var lossGap: Double? {
        guard let d = domainLoss.meanLoss, let g = generalLoss.meanLoss else { return nil }
        return d - g
    }

    /// The numbers the recommendation reads.
    public var signals: DiagnosisSignals {
        DiagnosisSignals(lossGap: lossGap, fertilityRatio: vocabulary.fertilityRatio, fragmentedShare: vocabulary.terms.isEmpty ? nil : vocabulary.fragmentedShare,
                         domainTokens: domainTokens, responseLoss: behaviour?.responseLoss, stopCompliance: behaviour?.stopCompliance,
                         jsonCompliance: behaviour?.jsonCompliance, sftTokens: behaviour?.sftTokens)
    }

    /// The report as text, section by section.
    public var text: String {
        func f(_ x: Double?) -> String { x.map(formatNumber) ?? "-" }
        func pct(_ x: Double?) -> String { x.map { formatNumber(($0 * 1000).rounded() / 10) + "%" } ?? "-" }
        let v = vocabulary
        var l = ["diagnosis of \(checkpoint) (\(parameters) parameters)", ""]
        l.append("vocabulary fit")
        l.append("  fertility: domain \(f(v.domain.value)) tokens/\(v.domain.unit), general \(f(v.general.value)) tokens/\(v.general.unit), ratio \(f(v.fertilityRatio))")
        l.append("  domain terms: \(v.terms.count), split into ≥3 tokens: \(pct(v.terms.isEmpty ? nil : v.fragmentedShare))")
        let frag = v.mostFragmented(8).map { "\($0.text) (\($0.pieces))" }.joined(separator: ", ")
        l.append("  most fragmented: \(frag.isEmpty ? "-" : frag)")
        if let e = v.extendedDomain {
            l.append("  tokenizer extend (+\(v.extensionTokens) tokens): domain fertility \(f(v.domain.value)) → \(f(e.value)), \(pct(v.extensionSaving)) fewer domain tokens")
        }
        l += ["", "knowledge gap"]
        l.append("  loss: domain \(f(domainLoss.meanLoss)) (ppl \(f(domainLoss.perplexity))), general \(f(generalLoss.meanLoss)) (ppl \(f(generalLoss.perplexity))), gap \(f(lossGap)) nats")
        l.append("  domain text: loss on term tokens \(f(domainLoss.termLoss)) (\(domainLoss.termTokens) tokens), other tokens \(f(domainLoss.otherLoss))")
        l.append("  scored: \(domainLoss.tokens) domain and \(generalLoss.tokens) general targets")
        if let m = mcq {
            l.append("  multiple choice: \(pct(m.accuracy)) of \(m.questions ?? 0) (chance \(pct(m.chance)))")
        }
        if let b = behaviour {
            l += ["", "behaviour gap (SFT set)"]
            l.append("  response loss \(f(b.responseLoss)) over \(b.scoredRecords) records (\(b.scoredTokens) tokens)")
            l.append("  JSON answers: \(b.jsonChecked == 0 ? "no prompt asks for JSON" : "\(b.jsonPassed)/\(b.jsonChecked) valid")")
            if b.endOfTurn.isEmpty {
                l.append("  stops: not measured (the tokenizer has no end-of-turn token)")
            } else {
                l.append("  stops at \(b.endOfTurn): \(b.stopped)/\(b.generated) (\(pct(b.stopCompliance))), run on \(pct(b.runOnShare)), early stop \(pct(b.earlyStopShare))")
            }
        }
        l += ["", "data available"]
        l.append("  domain: \(domain.documents) unique documents (\(domain.duplicates) duplicates, \(domain.rejected) unusable), ≈\(f(domainTokens)) tokens; sampled \(domain.texts.count)")
        l.append("  general: \(general.documents) unique documents; sampled \(general.texts.count)")
        if let b = behaviour { l.append("  SFT: \(b.validRecords) valid records, \(b.invalidRecords) invalid, ≈\(f(b.sftTokens.rounded())) response tokens") }
        if let o = overlap {
            l.append("  eval overlap (\(EvalOverlap.n)-word n-grams): \(o.domainOverlapping)/\(o.domainDocuments) sampled domain documents, \(o.sftOverlapping)/\(o.sftLines) SFT lines")
        }
        l += ["", "cost (FLOPs ≈ 6·N·D)"]
        let c = cost
        let speed = c.trainTokensPerSecond.map { "\(f($0.rounded())) training tokens/s here (forward speed ÷ 3)" } ?? "speed not measured"
        l.append("  \(speed); GPU at \(f(c.gpuTFLOPS)) TFLOP/s effective")
        l.append("  CPT over \(f(c.cptTokens)) tokens: \(f(c.cptFLOPs)) FLOPs, \(f(c.cptCPUHours)) h here, \(f(c.cptGPUHours)) GPU-h")
        if c.sftTokens > 0 {
            l.append("  SFT over \(f(c.sftTokens.rounded())) tokens: \(f(c.sftFLOPs)) FLOPs, \(f(c.sftCPUHours)) h here, \(f(c.sftGPUHours)) GPU-h")
        }
        l += ["", "recommendation: \(recommendation.headline)"]
        l += recommendation.reasons.map { "  - " + $0 }
        return l.joined(separator: "\n")
    }
}
