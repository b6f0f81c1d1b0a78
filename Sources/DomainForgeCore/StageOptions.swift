import Foundation

/// The options of a configurable stage: a Codable struct whose `init()` holds the published defaults.
///
/// A stage declares its options once, as stored properties with default values and a `CodingKeys` enum naming the
/// config keys (snake_case). It writes no `init(from:)`: ``StageOptionsDecoder`` overlays the keys a config gives on
/// the encoded defaults and decodes the result, so an absent key keeps its default and `null` turns an optional rule
/// off. Range checks go in ``validate()``, which throws ``StageOptionError`` naming the key.
///
/// ```swift
/// public struct Options: StageOptions {
///     /// Minimum characters (null: no bound).
///     public var minChars: Int? = 200
///     public init() {}
///     public enum CodingKeys: String, CodingKey, CaseIterable { case minChars = "min_chars" }
///     public func validate() throws { try StageOptionError.nonNegative(minChars, CodingKeys.minChars) }
/// }
/// ```
public protocol StageOptions: Codable, Sendable, Equatable {
    /// The config keys, one per option, in the order the schema lists them.
    associatedtype CodingKeys: CodingKey & CaseIterable & RawRepresentable where CodingKeys.RawValue == String
    /// The defaults.
    init()
    /// Checks values after decoding; throws ``StageOptionError`` naming the key at fault.
    func validate() throws
}

extension StageOptions {
    /// The snake_case option keys (the `CodingKeys` raw values).
    public static var optionKeys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public func validate() throws {}
}

/// A value a stage's options reject: the key, and what would have been accepted.
public struct StageOptionError: Error, Sendable, Equatable {
    public var key: String
    public var message: String
    public init(key: String, message: String) { self.key = key; self.message = message }

    /// Throws unless `value` (when set) is at least 0.
    public static func nonNegative<K: CodingKey, V: Comparable & Numeric>(_ value: V?, _ key: K) throws {
        if let value, value < 0 { throw StageOptionError(key: key.stringValue, message: "must be >= 0, got \(value)") }
    }

    /// Throws unless `value` (when set) is within 0...1.
    public static func ratio<K: CodingKey>(_ value: Double?, _ key: K) throws {
        if let value, !(value >= 0 && value <= 1) {
            throw StageOptionError(key: key.stringValue, message: "must be between 0 and 1, got \(value)")
        }
    }

    /// Throws with `message` unless `condition` holds.
    public static func require<K: CodingKey>(_ condition: Bool, _ key: K, _ message: @autoclosure () -> String) throws {
        if !condition { throw StageOptionError(key: key.stringValue, message: message()) }
    }
}

/// Why a stage's options object could not be decoded; the factories turn it into their config error.
public enum StageOptionsProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// `options` is not an object (or null).
    case notAnObject(got: String)
    /// A key the options do not have.
    case unknownKey(String, allowed: [String])
    /// A value of the wrong type or out of range; `key` is the dotted path.
    case invalid(key: String, message: String)

    public var description: String {
        switch self {
        case .notAnObject(let got): return "options must be an object, got \(got)"
        case .unknownKey(let key, let allowed): return "unknown option '\(key)'; allowed options: \(allowed.joined(separator: ", "))"
        case .invalid(let key, let message): return "invalid option '\(key)': \(message)"
        }
    }
}

/// The one way stage options are read from a config: check the object and its keys, then decode.
public enum StageOptionsDecoder {
    /// The options object without its `type` key; `null` is the empty object. Throws `.unknownKey` for the first
    /// key (in sorted order) that is not in `allowed`.
    public static func object(_ options: JSONValue, allowed: [String]) throws(StageOptionsProblem) -> [String: JSONValue] {
        var object: [String: JSONValue]
        switch options {
        case .null: object = [:]
        case .object(let o): object = o
        default: throw .notAnObject(got: options.typeName)
        }
        object.removeValue(forKey: "type")
        for key in object.keys.sorted() where !allowed.contains(key) { throw .unknownKey(key, allowed: allowed) }
        return object
    }

    /// Decodes `O` from a config object: the given keys overlay the encoded defaults, then ``StageOptions/validate()``.
    public static func decode<O: StageOptions>(_: O.Type, _ options: JSONValue, extraKeys: [String] = []) throws(StageOptionsProblem) -> O {
        var object = try self.object(options, allowed: O.optionKeys + extraKeys)
        for key in extraKeys { object.removeValue(forKey: key) }
        var merged = defaults(O.self)
        for (key, value) in object { merged[key] = value }
        let o: O = try decodeValue(O.self, .object(merged))
        do { try o.validate() } catch let e as StageOptionError {
            throw .invalid(key: e.key, message: e.message)
        } catch {
            throw .invalid(key: "?", message: "\(error)")
        }
        return o
    }

    /// The defaults of `O` as a JSON object (an optional that defaults to nil is absent).
    public static func defaults<O: StageOptions>(_: O.Type) -> [String: JSONValue] {
        guard let data = try? JSONEncoder().encode(O()), let v = try? JSONParser.parse(bytes: [UInt8](data)),
              case .object(let o) = v else { return [:] }
        return o
    }

    /// Decodes a Decodable from a JSON value, with decoding errors as `.invalid` naming the key path.
    public static func decodeValue<T: Decodable>(_: T.Type, _ value: JSONValue) throws(StageOptionsProblem) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(value.serialized().utf8))
        } catch let error as DecodingError {
            throw describe(error)
        } catch {
            throw .invalid(key: "?", message: "\(error)")
        }
    }

    /// A decoding error as the key path and what was expected.
    public static func describe(_ error: DecodingError) -> StageOptionsProblem {
        func keyName(_ path: some Collection<any CodingKey>) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let ctx) where ctx.debugDescription.hasPrefix("Expected Int key") && !ctx.codingPath.isEmpty:
            return .invalid(key: keyName(ctx.codingPath.dropLast()), message: "keys must be integers, got '\(ctx.codingPath.last!.stringValue)'")
        case .typeMismatch(let expected, let ctx):
            return .invalid(key: keyName(ctx.codingPath), message: "expected \(jsonName(expected))")
        case .valueNotFound(let expected, let ctx):
            return .invalid(key: keyName(ctx.codingPath), message: "expected \(jsonName(expected)), got null")
        case .keyNotFound(let key, let ctx):
            return .invalid(key: keyName(ctx.codingPath + [key]), message: "missing")
        case .dataCorrupted(let ctx):
            return .invalid(key: keyName(ctx.codingPath), message: ctx.debugDescription)
        @unknown default:
            return .invalid(key: "?", message: "\(error)")
        }
    }

    private static func jsonName(_ t: Any.Type) -> String {
        if t == Int.self { return "an integer" }
        if t == Double.self { return "a number" }
        if t == Bool.self { return "a boolean" }
        if t == String.self { return "a string" }
        return "\(t)"
    }
}
