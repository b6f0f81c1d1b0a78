/// Errors from the trainer: bad configuration, bad checkpoint files, bad data, a diverged step.
public enum TrainerError: Error, Sendable, Equatable, CustomStringConvertible {
    case config(String)
    case checkpoint(file: String, message: String)
    case data(String)
    /// A step whose loss or gradient norm is NaN or Inf (nothing was updated or saved for it).
    case diverged(step: Int, message: String)

    public var description: String {
        switch self {
        case .config(let m): return "config: \(m)"
        case .checkpoint(let f, let m): return "\(f): \(m)"
        case .data(let m): return "data: \(m)"
        case .diverged(let s, let m): return "step \(s): \(m)"
        }
    }
}
