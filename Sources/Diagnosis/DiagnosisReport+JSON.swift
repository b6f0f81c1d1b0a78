import DomainForgeCore
import Evaluation
import Tokenization

extension DiagnosisReport {
    /// The report as one JSON object (`--json`); absent measurements are null.
    public var json: JSONValue {
        func d(_ x: Double?) -> JSONValue { x.map { .double($0) } ?? .null }
        func i(_ x: Int) -> JSONValue { .int(Int64(x)) }
        func fert(_ x: Fertility) -> JSONValue {
            .object(["value": .double(x.value), "unit": .string(x.unit), "tokens": i(x.tokens), "words": i(x.words), "characters": i(x.characters)])
        }
        func loss(_ p: LossProfile) -> JSONValue {
            .object(["loss": d(p.meanLoss), "perplexity": d(p.perplexity), "tokens": i(p.tokens), "term_loss": d(p.termLoss),
                     "term_tokens": i(p.termTokens), "other_loss": d(p.otherLoss), "histogram": .array(p.histogram.map(i)),
                     "histogram_bin_nats": .double(LossProfile.binWidth)])
        }
        let v = vocabulary
        var o: [String: JSONValue] = [
            "checkpoint": .string(checkpoint), "parameters": i(parameters),
            "vocabulary": .object([
                "domain_fertility": fert(v.domain), "general_fertility": fert(v.general), "fertility_ratio": .double(v.fertilityRatio),
                "terms": i(v.terms.count), "fragmented_share": v.terms.isEmpty ? .null : .double(v.fragmentedShare),
                "most_fragmented": .array(v.mostFragmented(20).map { .object(["term": .string($0.text), "pieces": i($0.pieces), "domain_count": i($0.domainCount)]) }),
                "extension_tokens": i(v.extensionTokens), "extended_domain_fertility": v.extendedDomain.map { fert($0) } ?? .null,
                "extension_saving": d(v.extensionSaving),
            ]),
            "knowledge": .object(["domain": loss(domainLoss), "general": loss(generalLoss), "loss_gap": d(lossGap),
                                  "mcq_accuracy": d(mcq?.accuracy), "mcq_questions": mcq?.questions.map(i) ?? .null, "mcq_chance": d(mcq?.chance)]),
            "data": .object(["domain_documents": i(domain.documents), "domain_duplicates": i(domain.duplicates), "domain_tokens": .double(domainTokens),
                             "domain_sampled": i(domain.texts.count), "general_documents": i(general.documents), "general_sampled": i(general.texts.count),
                             "sft_valid_records": behaviour.map { i($0.validRecords) } ?? .null,
                             "sft_invalid_records": behaviour.map { i($0.invalidRecords) } ?? .null,
                             "eval_overlap": overlap.map { .object(["ngram": i(EvalOverlap.n), "domain_documents": i($0.domainDocuments),
                                                                    "domain_overlapping": i($0.domainOverlapping), "sft_lines": i($0.sftLines),
                                                                    "sft_overlapping": i($0.sftOverlapping)]) } ?? .null]),
            "cost": .object(["cpt_tokens": .double(cost.cptTokens), "cpt_flops": .double(cost.cptFLOPs), "cpt_cpu_hours": d(cost.cptCPUHours),
                             "cpt_gpu_hours": .double(cost.cptGPUHours), "sft_tokens": .double(cost.sftTokens), "sft_flops": .double(cost.sftFLOPs),
                             "sft_cpu_hours": d(cost.sftCPUHours), "sft_gpu_hours": .double(cost.sftGPUHours),
                             "train_tokens_per_second": d(cost.trainTokensPerSecond), "gpu_tflops": .double(cost.gpuTFLOPS)]),
            "thresholds": .object(Dictionary(uniqueKeysWithValues: thresholds.entries.map { ($0.0, JSONValue.double($0.1)) })),
            "recommendation": .object(["action": .string(recommendation.action.rawValue), "headline": .string(recommendation.headline),
                                       "replay_ratio": d(recommendation.replayRatio), "then_sft": .bool(recommendation.thenSFT),
                                       "reasons": .array(recommendation.reasons.map { .string($0) })]),
        ]
        if let b = behaviour {
            o["behaviour"] = .object(["response_loss": d(b.responseLoss), "scored_records": i(b.scoredRecords), "scored_tokens": i(b.scoredTokens),
                                      "json_checked": i(b.jsonChecked), "json_passed": i(b.jsonPassed), "generated": i(b.generated),
                                      "stopped": i(b.stopped), "run_on": i(b.runOns), "early_stop": i(b.earlyStops),
                                      "end_of_turn": b.endOfTurn.isEmpty ? .null : .string(b.endOfTurn), "stop_compliance": d(b.stopCompliance)])
        }
        return .object(o)
    }
}
