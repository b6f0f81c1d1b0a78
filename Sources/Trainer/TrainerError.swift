/// Errors from the trainer: bad configuration, bad checkpoint files, bad data.
public enum TrainerError: Error, Sendable, Equatable, CustomStringConvertible {
    case config(String)
    case checkpoint(file: String, message: String)
    case data(String)

    public var description: String {
        switch self {
        case .config(let m): return "config: \(m)"
        case .checkpoint(let f, let m): return "\(f): \(m)"
        case .data(let m): return "data: \(m)"
        }
    }
}
