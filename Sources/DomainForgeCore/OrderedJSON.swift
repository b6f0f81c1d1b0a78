/// A JSON value whose objects keep the order they were built in, for text a person reads (the published schemas);
/// ``value`` is the same value as a ``JSONValue`` for validation and comparison.
public indirect enum OrderedJSON: Sendable, Equatable {
    /// A value written as ``JSONValue/serialized()`` writes it (nested object keys sorted).
    case value(JSONValue)
    /// An object whose keys are written in this order.
    case object([Member])

    /// One key of an ordered object.
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: OrderedJSON
        public init(_ key: String, _ value: OrderedJSON) { self.key = key; self.value = value }
    }

    /// The value without its order.
    public var value: JSONValue {
        switch self {
        case .value(let v): return v
        case .object(let members):
            var o = [String: JSONValue]()
            for m in members { o[m.key] = m.value.value }
            return .object(o)
        }
    }

    /// Compact JSON text, objects in their order.
    public func serialized() -> String {
        switch self {
        case .value(let v): return v.serialized()
        case .object(let members):
            var out = [UInt8]()
            out.append(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: Array(m.value.serialized().utf8))
            }
            out.append(UInt8(ascii: "}"))
            return String(decoding: out, as: UTF8.self)
        }
    }
}
