import DomainForgeCore

/// Validates a `JSONValue` against a JSON Schema (the subset used by `schemas/*.schema.json`).
///
/// Supported keywords: `type`, `properties`, `required`, `additionalProperties` (boolean or schema), `enum`,
/// `const`, `items`, `minItems`, `minProperties`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`,
/// `minLength`, `oneOf`, `anyOf`, `$ref`
/// (to `#/$defs/...`). A `oneOf` whose branches all fix `properties.type.const` is treated as a tagged union, so an
/// error names the tag's allowed values and then the chosen branch's own problems, not every branch's.
public struct SchemaValidator: Sendable {
    public let schema: JSONValue

    public init(schema: JSONValue) { self.schema = schema }

    /// Returns every problem found (empty when valid). Paths look like `stages[1].min_words`.
    public func validate(_ value: JSONValue) -> [ConfigError] {
        var errors = [ConfigError]()
        check(value, against: schema, path: "", errors: &errors)
        return errors
    }

    func resolve(_ s: JSONValue) -> JSONValue {
        guard let ref = s["$ref"]?.stringValue else { return s }
        let parts = ref.split(separator: "/").dropFirst()  // drop "#"
        var cur = schema
        for p in parts { cur = cur[String(p)] ?? .null }
        return resolve(cur)
    }

    static func matchesType(_ v: JSONValue, _ t: String) -> Bool {
        switch (t, v) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("integer", .int): return true
        case ("integer", .double(let d)): return d.rounded() == d
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }

    static func describe(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return "'\(s)'"
        default: return v.serialized()
        }
    }

    func check(_ v: JSONValue, against raw: JSONValue, path: String, errors: inout [ConfigError]) {
        let s = resolve(raw)
        let label = path.isEmpty ? "(top level)" : path
        if let t = s["type"] {
            let types = t.arrayValue?.compactMap(\.stringValue) ?? [t.stringValue ?? ""]
            if !types.contains(where: { Self.matchesType(v, $0) }) {
                errors.append(ConfigError(path: label, message: "expected \(types.joined(separator: " or ")), got \(v.typeName) \(Self.describe(v))"))
                return
            }
        }
        if let c = s["const"], c != v {
            errors.append(ConfigError(path: label, message: "must be \(Self.describe(c)), got \(Self.describe(v))"))
        }
        if let e = s["enum"]?.arrayValue, !e.contains(v) {
            errors.append(ConfigError(path: label, message: "\(Self.describe(v)) is not allowed; allowed values: \(e.map(Self.describe).joined(separator: ", "))"))
        }
        if let d = v.doubleValue {
            if let mn = s["minimum"]?.doubleValue, d < mn { errors.append(ConfigError(path: label, message: "must be at least \(s["minimum"]!.serialized()), got \(v.serialized())")) }
            if let mx = s["maximum"]?.doubleValue, d > mx { errors.append(ConfigError(path: label, message: "must be at most \(s["maximum"]!.serialized()), got \(v.serialized())")) }
            if let mn = s["exclusiveMinimum"]?.doubleValue, d <= mn { errors.append(ConfigError(path: label, message: "must be greater than \(s["exclusiveMinimum"]!.serialized()), got \(v.serialized())")) }
            if let mx = s["exclusiveMaximum"]?.doubleValue, d >= mx { errors.append(ConfigError(path: label, message: "must be less than \(s["exclusiveMaximum"]!.serialized()), got \(v.serialized())")) }
        }
        if case .string(let str) = v, let ml = s["minLength"]?.intValue, str.count < ml {
            errors.append(ConfigError(path: label, message: "must have at least \(ml) character(s)"))
        }
        if case .array(let arr) = v {
            if let mi = s["minItems"]?.intValue, arr.count < mi { errors.append(ConfigError(path: label, message: "must have at least \(mi) item(s)")) }
            if let items = s["items"] {
                for (i, item) in arr.enumerated() { check(item, against: items, path: "\(path)[\(i)]", errors: &errors) }
            }
        }
        if case .object(let obj) = v {
            if let mp = s["minProperties"]?.intValue, obj.count < mp { errors.append(ConfigError(path: label, message: "must have at least \(mp) key(s)")) }
            let props = s["properties"]?.objectValue ?? [:]
            for r in s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where obj[r] == nil {
                errors.append(ConfigError(path: join(path, r), message: "is required"))
            }
            for key in obj.keys.sorted() {
                let child = obj[key]!
                if let ps = props[key] {
                    check(child, against: ps, path: join(path, key), errors: &errors)
                } else if let ap = s["additionalProperties"] {
                    if ap == .bool(false) {
                        let allowed = props.keys.sorted().joined(separator: ", ")
                        errors.append(ConfigError(path: join(path, key), message: "unknown key; allowed keys here: \(allowed)"))
                    } else if ap.objectValue != nil {
                        check(child, against: ap, path: join(path, key), errors: &errors)
                    }
                }
            }
        }
        if let branches = s["oneOf"]?.arrayValue ?? s["anyOf"]?.arrayValue {
            checkBranches(v, branches, isOne: s["oneOf"] != nil, path: path, errors: &errors)
        }
    }

    /// `oneOf` / `anyOf`: a tagged union, a choice of required keys, or alternative forms.
    func checkBranches(_ v: JSONValue, _ branches: [JSONValue], isOne: Bool, path: String, errors: inout [ConfigError]) {
        let label = path.isEmpty ? "(top level)" : path
        let tags = branches.map { resolve($0)["properties"]?["type"]?["const"] }
        if !tags.isEmpty, tags.allSatisfy({ $0 != nil }), case .object(let obj) = v {
            let allowed = tags.map { Self.describe($0!) }.joined(separator: ", ")
            guard let tag = obj["type"] else {
                errors.append(ConfigError(path: join(path, "type"), message: "is required; allowed values: \(allowed)"))
                return
            }
            guard let k = tags.firstIndex(where: { $0 == tag }) else {
                errors.append(ConfigError(path: join(path, "type"), message: "\(Self.describe(tag)) is not a known type; allowed values: \(allowed)"))
                return
            }
            check(v, against: branches[k], path: path, errors: &errors)
            return
        }
        // branches that only require keys (`anyOf: [{required: [a]}, {required: [b]}]`): name them all
        let requiredOnly = branches.map { b -> [String]? in
            let r = resolve(b)
            guard r.objectValue?.keys.sorted() == ["required"] else { return nil }
            return r["required"]?.arrayValue?.compactMap(\.stringValue)
        }
        if case .object(let obj) = v, requiredOnly.allSatisfy({ $0 != nil }) {
            let sets = requiredOnly.map { $0! }
            let met = sets.filter { $0.allSatisfy { obj[$0] != nil } }.count
            if met == 0 {
                errors.append(ConfigError(path: label, message: "needs one of: \(sets.map { $0.joined(separator: " and ") }.joined(separator: ", "))"))
            } else if isOne && met > 1 {
                errors.append(ConfigError(path: label, message: "needs only one of: \(sets.map { $0.joined(separator: " and ") }.joined(separator: ", "))"))
            }
            return
        }
        var matches = 0
        var firstErrors: [ConfigError]?, innerErrors: [ConfigError]?
        for b in branches {
            var e = [ConfigError]()
            check(v, against: b, path: path, errors: &e)
            if e.isEmpty { matches += 1 } else if firstErrors == nil { firstErrors = e }
            // a form the value itself fits, with problems only inside it, says the most
            if !e.isEmpty && innerErrors == nil && !e.contains(where: { $0.path == label }) { innerErrors = e }
        }
        if matches == 0 {
            errors.append(contentsOf: innerErrors ?? firstErrors ?? [ConfigError(path: label, message: "matches none of the allowed forms")])
        } else if isOne && matches > 1 {
            errors.append(ConfigError(path: label, message: "matches more than one allowed form"))
        }
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}
