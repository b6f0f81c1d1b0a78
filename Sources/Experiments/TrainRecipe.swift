import DomainForgeCore
import Evaluation
import Foundation
import PipelineConfig
import Trainer

/// A TRAIN.yaml as a tree that sweeps and the lab change before training: dotted keys (`lora.rank`,
/// `optimizer.lr`, `data.1.weight`), replay ratios and nested overrides. `config()` hands the tree to
/// `TrainConfig.decode` (the trainer's own schema and checks), so whatever the trainer accepts (LoRA, EWC keys) works, and whatever it
/// rejects comes back as the trainer's own message.
public struct TrainRecipe: Sendable {
    public var tree: [String: JSONValue]
    /// The folder relative paths of the recipe are resolved against.
    public var baseDirectory: String

    public init(tree: [String: JSONValue], baseDirectory: String) { self.tree = tree; self.baseDirectory = baseDirectory }

    /// Reads a TRAIN.yaml file.
    public static func load(path: String) throws -> TrainRecipe {
        let v: JSONValue
        do {
            v = try ConfigFile.read(path: path)
            try ConfigFile.checkKind(v, expected: .train)
        } catch { throw EvaluationError.config("\(path): \(error)") }
        guard let o = v.objectValue else { throw EvaluationError.config("\(path): TRAIN.yaml must be a mapping") }
        let base = PathResolver(baseDirectory: (path as NSString).deletingLastPathComponent, style: .absolute).resolve(".")
        return TrainRecipe(tree: o, baseDirectory: base)
    }

    /// Sets a dotted key (`a.b.c`; a number indexes a list), creating mappings on the way.
    public mutating func set(_ dotted: String, _ value: JSONValue) throws {
        let parts = dotted.split(separator: ".").map(String.init)
        guard !parts.isEmpty else { throw EvaluationError.config("empty parameter name") }
        tree = try Self.setting(.object(tree), parts[...], value, full: dotted).objectValue!
    }

    static func setting(_ node: JSONValue, _ path: ArraySlice<String>, _ value: JSONValue, full: String) throws -> JSONValue {
        guard let k = path.first else { return value }
        if case .array(var a) = node {
            guard let i = Int(k), i >= 0, i < a.count else { throw EvaluationError.config("\(full): '\(k)' is not an index of a list of \(a.count)") }
            a[i] = try setting(a[i], path.dropFirst(), value, full: full)
            return .array(a)
        }
        var o = node.objectValue ?? [:]
        o[k] = try setting(o[k] ?? .object([:]), path.dropFirst(), value, full: full)
        return .object(o)
    }

    /// Merges `overrides` into the tree: mappings are merged key by key, everything else replaced.
    public mutating func merge(_ overrides: [String: JSONValue]) {
        tree = Self.merged(.object(tree), .object(overrides)).objectValue!
    }

    static func merged(_ a: JSONValue, _ b: JSONValue) -> JSONValue {
        guard case .object(var x) = a, case .object(let y) = b else { return b }
        for (k, v) in y { x[k] = x[k].map { merged($0, v) } ?? v }
        return .object(x)
    }

    /// The `data` list as (path, weight) pairs.
    public func dataSources() throws -> [(path: String, weight: Double)] {
        guard let d = tree["data"] else { return [] }
        return try (d.arrayValue ?? [d]).map { e in
            if let p = e.stringValue { return (p, 1) }
            guard let p = e["path"]?.stringValue else { throw EvaluationError.config("data: each entry is a path or {path, weight}") }
            return (p, e["weight"]?.doubleValue ?? 1)
        }
    }

    /// Gives the data source whose path is `source` (or ends with it) the share `ratio` of all draws, scaling its
    /// weight against the others; ratio 0 removes it. Throws when no source matches or the ratio is not in [0, 1).
    public mutating func setReplay(ratio: Double, source: String) throws {
        guard ratio >= 0, ratio < 1 else { throw EvaluationError.config("a replay ratio must be in [0, 1), got \(ratio)") }
        var list = try dataSources()
        guard let i = list.firstIndex(where: { $0.path == source || $0.path.hasSuffix(source) }) else {
            throw EvaluationError.config("no data source matches replay source '\(source)' (sources: \(list.map(\.path).joined(separator: ", ")))")
        }
        let others = list.enumerated().filter { $0.offset != i }.reduce(0.0) { $0 + $1.element.weight }
        guard others > 0 else { throw EvaluationError.config("replay needs at least one other data source besides '\(source)'") }
        if ratio == 0 { list.remove(at: i) } else { list[i].weight = ratio * others / (1 - ratio) }
        tree["data"] = .array(list.map { .object(["path": .string($0.path), "weight": .double($0.weight)]) })
    }

    /// The recipe as YAML text (JSON flow style, which YAML reads).
    public var yaml: String { JSONValue.object(tree).serialized() + "\n" }

    /// Reads the recipe with the trainer's own reader.
    public func config() throws -> TrainConfig {
        do { return try TrainConfig.decode(.object(tree), paths: PathResolver(baseDirectory: baseDirectory, style: .joined)) } catch { throw EvaluationError.config("TRAIN.yaml rejected by the trainer: \(error)") }
    }
}
