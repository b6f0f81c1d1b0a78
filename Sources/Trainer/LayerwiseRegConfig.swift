import DomainForgeCore
import Foundation
import PipelineConfig

/// The `layerwise_reg:` section of TRAIN.yaml: dual-objective regularization with layer-wise coefficients
/// (`LayerwiseRegularizer`). Defaults here are the only ones; the schema's `default`s are checked against them.
public struct LayerwiseRegConfig: Sendable, Equatable {
    /// Where the element-wise importance Ω comes from.
    public enum Importance: String, Sendable, CaseIterable {
        /// The diagonal Fisher information of the base, as for EWC (`FisherInformation.estimate`).
        case fisher
        /// Synaptic Intelligence's path-integral importance (Zenke et al. 2017, eq. 5) over a short SGD run of the
        /// base on general data (`SynapticImportance`).
        case gradient
    }

    /// The kind of element-wise importance.
    public var importance: Importance = .fisher
    /// An importance file in the layout `pipeline fisher` writes (Ω under the model's tensor names, θ* under
    /// `reference.<name>`); only with `importance: fisher`.
    public var fisher: String?
    /// General shard folders the importance is measured on at the start of training (from `init_from`).
    public var fisherData: [String] = []
    /// Windows for the importance estimate (Fisher) or SGD steps of the recording run (gradient).
    public var fisherSamples = 64
    /// λ of the coefficient rule α_l = λ·‖∇_l CE‖ / (‖∇_l R_l‖ + δ).
    public var lambda = 1.0
    /// δ of the rule (keeps the ratio finite when R_l has no gradient yet).
    public var delta = 1e-6
    /// Upper bound of every α_l.
    public var maxAlpha = 1e4
    /// Recompute α every this many steps (at steps 0, k, 2k, …); 0 keeps every α_l at `alpha` for the whole run.
    public var updateEvery = 1
    /// The α_l of every layer before the first update (and throughout with update_every 0).
    public var alpha = 1.0
    /// Learning rate of the SGD recording run (importance gradient).
    public var importanceLR = 0.01
    /// ξ, the damping of the Synaptic Intelligence importance Ω = ω / (Δ² + ξ).
    public var damping = 1e-3

    public init() {}

    /// Reads the section (needs init_from, and exactly one of fisher and fisher_data; fisher only with importance
    /// fisher). Problems are appended with their key path.
    static func read(_ e: JSONValue, _ c: TrainConfig, _ paths: PathResolver, problems: inout [ConfigError]) -> LayerwiseRegConfig {
        var w = LayerwiseRegConfig()
        if let v = e["importance"]?.stringValue, let i = Importance(rawValue: v) { w.importance = i }
        w.fisher = e["fisher"]?.stringValue.map(paths.resolve)
        w.fisherData = (e["fisher_data"]?.arrayValue ?? []).compactMap(\.stringValue).map(paths.resolve)
        if let n = e["fisher_samples"]?.intValue { w.fisherSamples = n }
        if let n = e["update_every"]?.intValue { w.updateEvery = n }
        for (key, field) in numberKeys { if let v = e[key]?.doubleValue { w[keyPath: field] = v } }
        if (w.fisher != nil) == !w.fisherData.isEmpty {
            problems.append(ConfigError(path: "layerwise_reg", message: "needs exactly one of fisher and fisher_data"))
        }
        if w.fisher != nil && w.importance != .fisher {
            problems.append(ConfigError(path: "layerwise_reg.fisher", message: "a Fisher file only serves importance: fisher; give fisher_data"))
        }
        if c.initFrom == nil {
            problems.append(ConfigError(path: "layerwise_reg", message: "needs init_from (the weights to stay close to)"))
        }
        return w
    }

    /// The number keys of the section.
    static var numberKeys: [(String, WritableKeyPath<LayerwiseRegConfig, Double>)] {
        [("lambda", \.lambda), ("delta", \.delta), ("max_alpha", \.maxAlpha), ("alpha", \.alpha),
         ("importance_lr", \.importanceLR), ("damping", \.damping)]
    }

    /// (dotted key, default) of every key with a default, for `TrainConfig.schemaDefaultMismatches`.
    static var schemaDefaults: [(String, JSONValue)] {
        let d = LayerwiseRegConfig()
        return [("layerwise_reg.importance", .string(d.importance.rawValue)),
                ("layerwise_reg.fisher_samples", .int(Int64(d.fisherSamples))),
                ("layerwise_reg.update_every", .int(Int64(d.updateEvery)))]
            + numberKeys.map { ("layerwise_reg." + $0.0, .double(d[keyPath: $0.1])) }
    }
}
