/// A parsed JSON value. Objects keep their keys in a dictionary; writers sort keys for deterministic output.
public enum JSONValue: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    /// Integers that fit in `Int64` keep their exact value.
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// Integer value of `.int`, or of a `.double` with no fractional part.
    public var intValue: Int? {
        switch self {
        case .int(let i): return Int(exactly: i)
        case .double(let d): return d.rounded() == d && abs(d) < 9e15 ? Int(d) : nil
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// The JSON type name used in error messages ("string", "object", ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Serializes compactly with sorted object keys.
    public func serialized() -> String {
        var out = [UInt8]()
        JSONWriter.write(self, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
