import DomainForgeCore

/// What can stop a diagnosis; each message says what to do.
public enum DiagnosisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A path given on the command line does not exist or cannot be read.
    case missingInput(String)
    /// The data holds no usable text.
    case emptyData(label: String, path: String)
    /// A thresholds file that cannot be used.
    case thresholds(String)
    /// The model, tokenizer or a scorer failed.
    case model(String)

    public var description: String {
        switch self {
        case .missingInput(let p):
            return "\(p) does not exist or cannot be read; check the path"
        case .emptyData(let label, let p):
            return "\(label) data \(p) holds no text documents; give JSONL documents ({\"text\": ...}), .txt files or a run folder"
        case .thresholds(let m):
            return "thresholds: \(m)"
        case .model(let m):
            return m
        }
    }
}

extension DiagnosisError: DomainForgeError {
    public var exitStatus: ExitStatus {
        switch self {
        case .missingInput, .thresholds: return .usage
        case .emptyData, .model: return .failure
        }
    }
}
