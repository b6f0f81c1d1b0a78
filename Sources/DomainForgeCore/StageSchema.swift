/// The JSON Schema of a stage type, declared in the stage's own file next to its options: the stage's description
/// and, per option key, its JSON type, allowed values or range, and meaning. Defaults are not written here: they are
/// the options' own (`Options()` encoded), filled in by ``definition(type:defaults:)``.
///
/// The stage registry (`StageRegistry` in PipelineRunner) turns the declarations into the stage part of the pipeline
/// schema at run time, so a stage declared in one file and listed on one registry line is validated at once;
/// `schemas/pipeline.schema.json` is the published copy (`python3 scripts/build-schemas.py`).
///
/// ```swift
/// public static let schema = StageSchema("Drop documents outside a length range.", keys: Options.CodingKeys.self, [
///     .integer(.minChars, min: 0, nullable: true, "Minimum characters; null or 0 turns it off."),
/// ])
/// ```
public struct StageSchema: Sendable {
    /// What the stage does, its drop reasons and counters.
    public let description: String
    /// One entry per option key, in the order the schema lists them.
    public let options: [OptionSchema]

    public init(_ description: String, options: [OptionSchema]) {
        self.description = description; self.options = options
    }

    /// A schema whose keys are the cases of the options' `CodingKeys` (written `.minChars`).
    public init<K: CodingKey>(_ description: String, keys _: K.Type, _ options: [OptionSchema.Keyed<K>]) {
        self.init(description, options: options.map(\.option))
    }

    /// The option keys, in schema order.
    public var optionKeys: [String] { options.map(\.key) }

    /// The `$defs` entry of stage `type`: an object with `type` fixed to the name, no other keys than the options,
    /// and each option's default taken from `defaults` (an option without one defaults to `null` when its type
    /// allows null; a required option has none).
    public func definition(type: String, defaults: [String: JSONValue]) -> OrderedJSON {
        var properties: [OrderedJSON.Member] = [.init("type", .object([.init("const", .value(.string(type)))]))]
        for o in options {
            var members = o.rules.map { OrderedJSON.Member($0.key, .value($0.value)) }
            if !o.required, let d = defaults[o.key] ?? (o.allowsNull ? .null : nil) { members.append(.init("default", .value(d))) }
            members.append(.init("description", .value(.string(o.description))))
            properties.append(.init(o.key, .object(members)))
        }
        let required: [JSONValue] = (["type"] + options.filter(\.required).map(\.key)).map { .string($0) }
        return .object([
            .init("type", .value(.string("object"))),
            .init("description", .value(.string(description))),
            .init("additionalProperties", .value(.bool(false))),
            .init("required", .value(.array(required))),
            .init("properties", .object(properties)),
        ])
    }
}

/// The schema of one option key: its rules (`type`, `enum`, `minimum`, ...), its description, whether it is required.
public struct OptionSchema: Sendable {
    /// One JSON Schema keyword of an option.
    public struct Rule: Sendable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) { self.key = key; self.value = value }
    }

    public let key: String
    /// The keywords, in the order the schema writes them (without `default` and `description`).
    public let rules: [Rule]
    public let description: String
    /// A config must give this key (it then has no default).
    public let required: Bool

    public init(key: String, rules: [Rule], description: String, required: Bool = false) {
        self.key = key; self.rules = rules; self.description = description; self.required = required
    }

    /// Whether the option's `type` admits `null` (an optional rule that `null` turns off).
    public var allowsNull: Bool {
        guard let t = rules.first(where: { $0.key == "type" })?.value else { return false }
        return t == .string("null") || (t.arrayValue?.contains(.string("null")) ?? false)
    }

    /// An option named by a case of the options' `CodingKeys` (see ``StageSchema/init(_:keys:_:)``).
    public struct Keyed<K: CodingKey>: Sendable {
        public let option: OptionSchema
        public init(_ option: OptionSchema) { self.option = option }

        /// A boolean.
        public static func bool(_ key: K, _ description: String) -> Self {
            Self(OptionSchema(key: key.stringValue, rules: [Rule("type", .string("boolean"))], description: description))
        }

        /// An integer, optionally bounded; `nullable`: `null` is allowed (turns the rule off).
        public static func integer(_ key: K, min: Int? = nil, max: Int? = nil, nullable: Bool = false, required: Bool = false,
                                   _ description: String) -> Self {
            numeric(key, "integer", min.map { .int(Int64($0)) }, max.map { .int(Int64($0)) }, nullable, required, description)
        }

        /// A number, optionally bounded; `nullable`: `null` is allowed (turns the rule off).
        public static func number(_ key: K, min: Double? = nil, max: Double? = nil, nullable: Bool = false, _ description: String) -> Self {
            // a whole bound is written as an integer (0, 1), as a person would
            func bound(_ d: Double) -> JSONValue { d.rounded() == d && abs(d) < 1e15 ? .int(Int64(d)) : .double(d) }
            return numeric(key, "number", min.map(bound), max.map(bound), nullable, false, description)
        }

        /// A string, optionally of at least `minLength` characters.
        public static func string(_ key: K, minLength: Int? = nil, nullable: Bool = false, required: Bool = false,
                                  _ description: String) -> Self {
            var rules = [Rule("type", nullable ? .array([.string("string"), .string("null")]) : .string("string"))]
            if let minLength { rules.append(Rule("minLength", .int(Int64(minLength)))) }
            return Self(OptionSchema(key: key.stringValue, rules: rules, description: description, required: required))
        }

        /// One of `values` (`typed`: also declared a string).
        public static func choice(_ key: K, _ values: [String], typed: Bool = false, _ description: String) -> Self {
            let e = Rule("enum", .array(values.map { .string($0) }))
            return Self(OptionSchema(key: key.stringValue, rules: typed ? [Rule("type", .string("string")), e] : [e], description: description))
        }

        /// Any other shape, as JSON Schema keywords in a JSON object literal (nested lists, maps, alternatives).
        public static func custom(_ key: K, _ rules: String, _ description: String) -> Self {
            custom(key.stringValue, rules, description)
        }

        /// An option that is not a case of `K` (a key the stage handles itself, such as the filters' `languages`).
        public static func custom(_ key: String, _ rules: String, _ description: String) -> Self {
            guard case .object(let o) = try? JSONParser.parse(rules) else { preconditionFailure("schema of '\(key)' is not a JSON object") }
            return Self(OptionSchema(key: key, rules: o.keys.sorted().map { Rule($0, o[$0]!) }, description: description))
        }

        static func numeric(_ key: K, _ type: String, _ min: JSONValue?, _ max: JSONValue?, _ nullable: Bool, _ required: Bool,
                            _ description: String) -> Self {
            var rules = [Rule("type", nullable ? .array([.string(type), .string("null")]) : .string(type))]
            if let min { rules.append(Rule("minimum", min)) }
            if let max { rules.append(Rule("maximum", max)) }
            return Self(OptionSchema(key: key.stringValue, rules: rules, description: description, required: required))
        }
    }
}
