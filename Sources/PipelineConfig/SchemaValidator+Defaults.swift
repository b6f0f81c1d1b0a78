import DomainForgeCore

extension SchemaValidator {
    /// `value` with the `default` of every absent property filled in, recursively (also inside a default that was
    /// filled in, and in array items), following `$ref`. For a value that passed `validate`: the readers of lab and
    /// sweep files take their defaults from the schema this way, so a default is written once.
    public func applyingDefaults(_ value: JSONValue) -> JSONValue { fill(value, schema) }

    func fill(_ v: JSONValue, _ raw: JSONValue) -> JSONValue {
        let s = resolve(raw)
        switch v {
        case .object(var o):
            for (key, property) in s["properties"]?.objectValue ?? [:] {
                if o[key] == nil, let d = resolve(property)["default"] { o[key] = d }
                if let present = o[key] { o[key] = fill(present, property) }
            }
            return .object(o)
        case .array(let a):
            guard let items = s["items"] else { return v }
            return .array(a.map { fill($0, items) })
        default:
            return v
        }
    }
}
