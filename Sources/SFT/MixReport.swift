import DomainForgeCore

/// The outcome of a mix, also stored as `mix_report.json`.
public struct MixReport: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var target: Double
        public var achieved: Double
        public var records: Int
        public var tokens: Int
        public var availableRecords: Int
        public var availableTokens: Int
        /// How many times the source was used over (selected units / available units).
        public var upsample: Double
        public var validation: SFTValidationSummary?
    }
    public var name: String
    public var by: MixSpec.Unit
    public var seed: UInt64
    public var total: Int
    public var entries: [Entry]

    public var maxDeviation: Double { entries.map { abs($0.achieved - $0.target) }.max() ?? 0 }

    public var json: JSONValue {
        .object([
            "name": .string(name), "by": .string(by.rawValue), "seed": .int(Int64(seed)), "total": .int(Int64(total)),
            "max_deviation": .double(maxDeviation),
            "sources": .array(entries.map { e in
                var o: [String: JSONValue] = ["name": .string(e.name), "target_ratio": .double(e.target), "achieved_ratio": .double(e.achieved),
                        "records": .int(Int64(e.records)), "tokens": .int(Int64(e.tokens)), "available_records": .int(Int64(e.availableRecords)),
                        "available_tokens": .int(Int64(e.availableTokens)), "upsample": .double(e.upsample)]
                if let v = e.validation { o["validation"] = v.json }
                return .object(o)
            }),
        ])
    }

    public func table() -> String {
        var s = "mix \(name): \(total) \(by.rawValue), seed \(seed)\n"
        s += "  source".padding(20) + "target".padding(10) + "achieved".padding(10) + "records".padding(10) + "tokens".padding(12) + "upsample\n"
        for e in entries {
            s += "  \(e.name)".padding(20) + "\(format2(e.target * 100))%".padding(10) + "\(format2(e.achieved * 100))%".padding(10)
            s += "\(e.records)".padding(10) + "\(e.tokens)".padding(12) + "\(format2(e.upsample))x\n"
        }
        s += "max deviation \(format2(maxDeviation * 100)) points\n"
        return s
    }
}
