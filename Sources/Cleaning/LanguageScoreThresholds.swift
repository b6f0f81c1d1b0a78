/// The `min_score` option of `language_id`: one number for every language, or an object with a `default` and
/// per-language values, e.g. `{default: 0.5, zh: 0.69}`.
///
/// A label is looked up as written (`zh-Hant`), then by its base language (`zh`), then `default`.
public struct LanguageScoreThresholds: Codable, Sendable, Equatable {
    /// The threshold for languages without their own value.
    public var defaultValue: Double
    /// Per-language thresholds, by label.
    public var perLanguage: [String: Double]

    public init(defaultValue: Double = 0, perLanguage: [String: Double] = [:]) {
        self.defaultValue = defaultValue
        self.perLanguage = perLanguage
    }

    /// The threshold for `label`.
    public func threshold(for label: String) -> Double {
        if let v = perLanguage[label] { return v }
        if let dash = label.firstIndex(of: "-"), let v = perLanguage[String(label[..<dash])] { return v }
        return defaultValue
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let v = try? single.decode(Double.self) {
            try self.init(defaultValue: Self.checked(v, decoder.codingPath), perLanguage: [:])
            return
        }
        let c = try decoder.container(keyedBy: Key.self)
        var d = 0.0, per: [String: Double] = [:]
        for key in c.allKeys {
            let v = try Self.checked(c.decode(Double.self, forKey: key), decoder.codingPath + [key])
            if key.stringValue == "default" { d = v } else { per[key.stringValue] = v }
        }
        self.init(defaultValue: d, perLanguage: per)
    }

    /// A plain number when there are no per-language values, else an object with `default`.
    public func encode(to encoder: any Encoder) throws {
        if perLanguage.isEmpty {
            var c = encoder.singleValueContainer()
            try c.encode(defaultValue)
            return
        }
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(defaultValue, forKey: Key(stringValue: "default"))
        for (k, v) in perLanguage.sorted(by: { $0.key < $1.key }) { try c.encode(v, forKey: Key(stringValue: k)) }
    }

    static func checked(_ v: Double, _ path: [any CodingKey]) throws -> Double {
        guard v >= 0 && v <= 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "must be between 0 and 1, got \(v)"))
        }
        return v
    }
}
