import DomainForgeCore
import Foundation

/// A dedup or decontamination stage as a config names it: its `type`, its options (Codable, defaults in `init()`),
/// the schema of those options, and its construction. A conforming type is registered with one line in the stage
/// registry (`.dedup(ExactDedupStage.self)` in `StageRegistry`, PipelineRunner), like a cleaning stage; there is
/// no list of dedup types anywhere else.
public protocol DedupStage: OrderedStage {
    associatedtype Options: DedupOptions
    /// The config `type`, e.g. `minhash_dedup`.
    static var type: String { get }
    /// The JSON Schema of the options, declared beside them; the defaults are `Options()`'s.
    static var schema: StageSchema { get }
    /// The stage with decoded options, keeping its index and reports in `stateDirectory`, resolving relative paths
    /// of the options against `baseDirectory`.
    init(name: String, options: Options, stateDirectory: String, baseDirectory: String) throws
}

extension DedupStage {
    /// The option keys (the options' `CodingKeys`).
    public static var optionKeys: [String] { Options.optionKeys }

    /// The defaults as the options encode them (an optional that defaults to nil is absent).
    public static var defaults: [String: JSONValue] {
        guard let data = try? JSONEncoder().encode(Options()), case .object(let o)? = try? JSONParser.parse(bytes: [UInt8](data)) else {
            return [:]
        }
        return o
    }

    /// Builds the stage from a config's options object (null: the defaults). Throws `DedupConfigError` naming the
    /// stage and the key at fault.
    public static func make(options: JSONValue, stateDirectory: String, baseDirectory: String, name: String? = nil) throws -> Self {
        try Self(name: name ?? type, options: DedupStageFactory.decode(Options.self, type: type, options),
                 stateDirectory: stateDirectory, baseDirectory: baseDirectory)
    }
}

/// The options of a dedup stage: Codable, with the defaults in `init()`; checked after decoding by
/// ``validate(type:)``.
public protocol DedupOptions: Codable, Sendable {
    /// The config keys, in schema order.
    associatedtype CodingKeys: CodingKey & CaseIterable & RawRepresentable where CodingKeys.RawValue == String
    /// The defaults.
    init()
    /// Checks the decoded values; throws `DedupConfigError` naming the key.
    func validate(type: String) throws
    /// Checks keys of nested objects (e.g. `eval_sets` entries) before decoding.
    static func checkNested(_ object: [String: JSONValue], type: String) throws
}

extension DedupOptions {
    /// The snake_case option keys (the `CodingKeys` raw values).
    public static var optionKeys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static func checkNested(_ object: [String: JSONValue], type: String) throws {}
}
