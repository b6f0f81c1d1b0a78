import Foundation

/// The measurements the recommendation rule reads (nil: not measured).
public struct DiagnosisSignals: Sendable, Equatable {
    public var lossGap: Double?
    public var fertilityRatio: Double?
    public var fragmentedShare: Double?
    public var domainTokens: Double
    public var responseLoss: Double?
    public var stopCompliance: Double?
    public var jsonCompliance: Double?
    public var sftTokens: Double?

    public init(lossGap: Double? = nil, fertilityRatio: Double? = nil, fragmentedShare: Double? = nil, domainTokens: Double = 0,
                responseLoss: Double? = nil, stopCompliance: Double? = nil, jsonCompliance: Double? = nil, sftTokens: Double? = nil) {
        self.lossGap = lossGap; self.fertilityRatio = fertilityRatio; self.fragmentedShare = fragmentedShare
        self.domainTokens = domainTokens; self.responseLoss = responseLoss; self.stopCompliance = stopCompliance
        self.jsonCompliance = jsonCompliance; self.sftTokens = sftTokens
    }
}

/// What to do, with the reasons that led there: each reason names its measured number and the threshold.
public struct Recommendation: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case cpt = "CPT"
        case vocabularyExtensionCPT = "vocabulary extension + CPT"
        case sft = "SFT"
        case mixedSFT = "mixed SFT with replay"
        case rag = "RAG"
        case ragSFT = "RAG + SFT"
        case none = "no adaptation needed"
    }

    public var action: Action
    /// With `.mixedSFT`: the general replay share.
    public var replayRatio: Double?
    /// With CPT: SFT should follow (behaviour gap measured too).
    public var thenSFT = false
    public var reasons: [String]

    /// The headline, e.g. `vocabulary extension + CPT, then SFT` or `mixed SFT with replay (20% general)`.
    public var headline: String {
        var s = action.rawValue
        if let r = replayRatio { s += " (\(Int((r * 100).rounded()))% general replay)" }
        if thenSFT { s += ", then SFT" }
        return s
    }

    /// The rule. Knowledge gap (loss gap ≥ loss_gap): CPT when the domain has at least min_cpt_tokens, with
    /// vocabulary extension first when fertility ratio ≥ fertility_ratio or fragmented share ≥ fragmented_share;
    /// with less data, RAG. Behaviour gap (response loss ≥ response_loss, stop compliance < stop_compliance, or
    /// JSON compliance < json_compliance): SFT (mixed with replay_ratio general data when the set has at least
    /// replay_sft_tokens), or "RAG + SFT" / "CPT, then SFT" beside a knowledge gap. Neither: no adaptation needed.
    public static func decide(_ s: DiagnosisSignals, _ t: DiagnosisThresholds) -> Recommendation {
        var reasons = [String]()
        func f(_ x: Double) -> String { formatNumber(x) }
        var knowledge = false
        if let g = s.lossGap {
            knowledge = g >= t.lossGap
            reasons.append("knowledge gap: domain loss − general loss = \(f(g)) nats \(knowledge ? "≥" : "<") loss_gap \(f(t.lossGap))")
        }
        var vocab = false
        if let r = s.fertilityRatio {
            let hit = r >= t.fertilityRatio
            vocab = vocab || hit
            reasons.append("vocabulary: fertility ratio domain/general = \(f(r)) \(hit ? "≥" : "<") fertility_ratio \(f(t.fertilityRatio))")
        }
        if let r = s.fragmentedShare {
            let hit = r >= t.fragmentedShare
            vocab = vocab || hit
            reasons.append("vocabulary: \(f(r * 100))% of domain terms split into ≥3 tokens \(hit ? "≥" : "<") fragmented_share \(f(t.fragmentedShare * 100))%")
        }
        var behaviour = false
        if let l = s.responseLoss {
            let hit = l >= t.responseLoss
            behaviour = behaviour || hit
            reasons.append("behaviour: SFT response loss = \(f(l)) nats \(hit ? "≥" : "<") response_loss \(f(t.responseLoss))")
        }
        if let c = s.stopCompliance {
            let hit = c < t.stopCompliance
            behaviour = behaviour || hit
            reasons.append("behaviour: \(f(c * 100))% of answers stop at end of turn \(hit ? "<" : "≥") stop_compliance \(f(t.stopCompliance * 100))%")
        }
        if let c = s.jsonCompliance {
            let hit = c < t.jsonCompliance
            behaviour = behaviour || hit
            reasons.append("behaviour: \(f(c * 100))% valid JSON answers \(hit ? "<" : "≥") json_compliance \(f(t.jsonCompliance * 100))%")
        }
        let enough = s.domainTokens >= t.minCPTTokens
        if knowledge {
            reasons.append("data: \(f(s.domainTokens)) domain tokens \(enough ? "≥" : "<") min_cpt_tokens \(f(t.minCPTTokens))")
            if enough {
                return Recommendation(action: vocab ? .vocabularyExtensionCPT : .cpt, thenSFT: behaviour, reasons: reasons)
            }
            return Recommendation(action: behaviour ? .ragSFT : .rag, reasons: reasons)
        }
        if behaviour {
            if let n = s.sftTokens {
                let big = n >= t.replaySFTTokens
                reasons.append("data: \(f(n)) SFT tokens \(big ? "≥" : "<") replay_sft_tokens \(f(t.replaySFTTokens))")
                if big { return Recommendation(action: .mixedSFT, replayRatio: t.replayRatio, reasons: reasons) }
            }
            return Recommendation(action: .sft, reasons: reasons)
        }
        return Recommendation(action: .none, reasons: reasons)
    }
}

/// A number for reports: from 10^7 up and below 10^-3 with 3 significant digits (`2.52e+10`), integers as integers,
/// others with up to 3 decimals.
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if abs(x) >= 1e7 || (x != 0 && abs(x) < 1e-3) { return String(format: "%.3g", x) }
    if x == x.rounded() { return String(Int64(x)) }
    return String(format: "%.3f", x).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
}
