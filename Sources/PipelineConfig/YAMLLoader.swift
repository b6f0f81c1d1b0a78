import Foundation
import DomainForgeCore
import Yams

/// Loads YAML (or JSON, a subset) into a `JSONValue` tree for schema validation and typed decoding.
public enum YAMLLoader {
    /// Parses YAML text. Throws `ConfigError.yaml` with the parser's message (which includes line and column).
    public static func load(_ text: String, file: String) throws -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError(path: file, message: "not valid YAML: \(error)")
        }
        guard let node else { return .null }
        return try convert(node, file: file)
    }

    static func convert(_ node: Node, file: String) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            return scalar(s)
        case .sequence(let seq):
            return .array(try seq.map { try convert($0, file: file) })
        case .mapping(let map):
            var obj = [String: JSONValue]()
            for (k, v) in map {
                guard let key = k.string else { throw ConfigError(path: file, message: "mapping keys must be strings (line \(k.mark?.line ?? 0))") }
                if obj[key] != nil { throw ConfigError(path: file, message: "duplicate key '\(key)' (line \(k.mark?.line ?? 0))") }
                obj[key] = try convert(v, file: file)
            }
            return .object(obj)
        case .alias:
            throw ConfigError(path: file, message: "YAML aliases are not supported in pipeline configs")
        }
    }

    static func scalar(_ s: Node.Scalar) -> JSONValue {
        let v = s.string
        if s.style == .singleQuoted || s.style == .doubleQuoted || s.style == .literal || s.style == .folded { return .string(v) }
        switch v {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        let cleaned = v.replacingOccurrences(of: "_", with: "")
        if let i = Int64(cleaned), !v.hasPrefix("_") { return .int(i) }
        if let first = v.first, first.isNumber || first == "-" || first == "+" || first == ".", let d = Double(cleaned), !v.hasPrefix("_") {
            return .double(d)
        }
        return .string(v)
    }
}
