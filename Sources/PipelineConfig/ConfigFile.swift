import DomainForgeCore
import Foundation

/// The one path every YAML file of the CLI takes: YAML → `JSONValue` → the kind's JSON Schema (every problem, with
/// its key path) → the caller's typed decoding (`PipelineSpec`, `TrainConfig`, `MixSpec`, `Sweep`, `LabConfig`,
/// `SFTDedupConfig`). A file of another kind is named as such before its keys are checked.
public struct ConfigFile: Sendable {
    /// The validated tree.
    public var tree: JSONValue
    /// The file it was read from.
    public var path: String
    public var kind: ConfigKind

    /// Reads `path` as a config of `kind`. Throws `ConfigErrors`: unreadable file, YAML syntax, wrong kind, or every
    /// schema problem. `schemas` holds the stage definitions of a stage registry (needed to check the stages of a
    /// pipeline or SFT dedup config; without it only the rest of such a file is checked).
    public static func load(path: String, as kind: ConfigKind, schemas: ConfigSchemas? = nil) throws -> ConfigFile {
        let tree = try read(path: path)
        try validate(tree, as: kind, schemas: schemas)
        return ConfigFile(tree: tree, path: path, kind: kind)
    }

    /// The YAML of `path` as a tree (not validated).
    public static func read(path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors(errors: [ConfigError(path: path, message: "cannot read the config file")])
        }
        do { return try YAMLLoader.load(String(decoding: data, as: UTF8.self), file: path) } catch let e as ConfigError {
            throw ConfigErrors(errors: [e])
        }
    }

    /// Checks that `tree` is a `kind` config (else names the kind it is) and valid against its schema (with the
    /// stage definitions of `schemas`).
    public static func validate(_ tree: JSONValue, as kind: ConfigKind, schemas: ConfigSchemas? = nil) throws {
        try checkKind(tree, expected: kind)
        let errors = (schemas?.validator(kind) ?? kind.validator).validate(tree)
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
    }

    /// Throws when the keys of `tree` fit another kind plainly better than `expected` (`ConfigKind.other`).
    public static func checkKind(_ tree: JSONValue, expected: ConfigKind) throws {
        guard let other = ConfigKind.other(than: expected, tree) else { return }
        throw ConfigErrors(errors: [ConfigError(path: "", message: wrongKind(other, expected: expected))])
    }

    /// "this is a pipeline config, not a train config; use pipeline run"
    public static func wrongKind(_ kind: ConfigKind, expected: ConfigKind) -> String {
        "this is a \(kind.title), not a \(expected.title); use \(kind.command)"
    }

    /// A resolver for the relative paths of this file.
    public func resolver(_ style: PathResolver.Style) -> PathResolver { PathResolver(configFile: path, style: style) }
}
