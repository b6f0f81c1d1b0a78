import Foundation

/// Errors of `pipeline eval`, `report`, `sweep` and `lab`, each saying what to fix.
public enum EvaluationError: Error, CustomStringConvertible, Sendable {
    case config(String)
    case data(String)
    case io(String)

    public var description: String {
        switch self {
        case .config(let m): return "configuration: \(m)"
        case .data(let m): return "data: \(m)"
        case .io(let m): return "i/o: \(m)"
        }
    }
}
