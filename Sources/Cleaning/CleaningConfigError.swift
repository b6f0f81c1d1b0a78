/// A configuration error for a cleaning stage: what the user wrote, and what would have been accepted.
public enum CleaningConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownStageType(type: String, known: [String])
    case optionsNotAnObject(type: String, got: String)
    case unknownOption(type: String, key: String, allowed: [String])
    case invalidOption(type: String, key: String, message: String)

    public var description: String {
        switch self {
        case .unknownStageType(let type, let known):
            return "unknown cleaning stage type '\(type)'; known types: \(known.joined(separator: ", "))"
        case .optionsNotAnObject(let type, let got):
            return "stage '\(type)': options must be an object, got \(got)"
        case .unknownOption(let type, let key, let allowed):
            return "stage '\(type)': unknown option '\(key)'; allowed options: \(allowed.joined(separator: ", "))"
        case .invalidOption(let type, let key, let message):
            return "stage '\(type)': invalid option '\(key)': \(message)"
        }
    }
}
