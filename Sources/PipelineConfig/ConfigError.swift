/// A problem with a pipeline config: fatal, reported before any work starts.
///
/// `path` is the key path inside the config (e.g. `stages[2].min_words`) or the file name for syntax errors.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
