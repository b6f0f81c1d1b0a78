import DomainForgeCore
import Foundation
@testable import Cleaning

/// Runs `stage` on `text`; returns the verdict, the text after the stage and the counters.
func run(_ stage: some DocumentStage, _ text: String) -> (verdict: StageVerdict, text: String, counters: StageCounters) {
    var doc = Document(id: "d", text: text, source: "test")
    var counters = StageCounters()
    let verdict = stage.process(&doc, counters: &counters)
    return (verdict, doc.text, counters)
}

func dropped(_ reason: String) -> StageVerdict { .drop(reason: reason) }

/// A plain English paragraph of well-formed, varied sentences: passes every quality and repetition rule.
let goodProse: String = {
    let sentences = [
        "The history of the river valley begins with the farmers who settled along its banks.",
        "They built small houses of stone and timber, and they planted wheat and barley in the fields.",
        "Over many generations the villages grew into market towns with bridges, mills and churches.",
        "Trade with the coast brought salt, iron tools and news from distant cities to the valley.",
        "In the nineteenth century a railway line was laid through the narrow gorge to the north.",
        "Factories followed the railway, and the population of the largest town doubled in twenty years.",
        "Today the valley is known for its orchards, its quiet walking paths and a small museum of local life.",
        "Visitors can see old tools, photographs and letters that describe how people lived and worked there.",
        "Scholars still argue about the origin of the oldest bridge, which may be older than the first church.",
        "Most agree that the river has shaped the character of the region more than any single event.",
    ]
    return sentences.joined(separator: " ")
}()

/// `goodProse` split into one sentence per line (C4-style text).
let goodLines: String = goodProse.replacingOccurrences(of: ". ", with: ".\n")
