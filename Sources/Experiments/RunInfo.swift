import DomainForgeCore
import Foundation

/// `RUN/run_info.json`, written by `ExperimentRun` after training: the training wall time (summed over the
/// sessions of a resumed run; a run that is only re-evaluated keeps its file) and the parameter counts.
public struct RunInfo: Sendable, Equatable {
    /// Seconds spent in `TrainingRun.run`, all sessions.
    public var trainSeconds: Double
    /// Parameters the optimizer updates (the adapter's with LoRA, every weight with full fine-tuning).
    public var trainableParameters: Int
    /// Parameters of the model (base weights; an adapter's not counted).
    public var parameters: Int

    public init(trainSeconds: Double, trainableParameters: Int, parameters: Int) {
        self.trainSeconds = trainSeconds; self.trainableParameters = trainableParameters; self.parameters = parameters
    }

    /// The file of a run directory.
    public static func path(_ runDirectory: String) -> String { runDirectory + "/run_info.json" }

    /// Reads a run's file; nil when absent or unreadable (runs made before it existed).
    public static func load(directory: String) -> RunInfo? {
        guard let d = FileManager.default.contents(atPath: path(directory)), let j = try? JSONParser.parse(bytes: [UInt8](d)),
              let s = j["train_seconds"]?.doubleValue, let t = j["trainable_parameters"]?.intValue, let p = j["parameters"]?.intValue else { return nil }
        return RunInfo(trainSeconds: s, trainableParameters: t, parameters: p)
    }

    /// Writes the file under a temporary name, then renames it.
    public func write(directory: String) throws {
        let j = JSONValue.object(["train_seconds": .double((trainSeconds * 1000).rounded() / 1000),
                                  "trainable_parameters": .int(Int64(trainableParameters)), "parameters": .int(Int64(parameters))])
        let p = Self.path(directory)
        try Data((j.serialized() + "\n").utf8).write(to: URL(fileURLWithPath: p + ".tmp"))
        if FileManager.default.fileExists(atPath: p) { try FileManager.default.removeItem(atPath: p) }
        try FileManager.default.moveItem(atPath: p + ".tmp", toPath: p)
    }
}
