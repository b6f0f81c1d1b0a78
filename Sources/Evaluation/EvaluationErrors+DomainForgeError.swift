// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// A bad lab, sweep or eval setting is a usage error; bad data and I/O are failures.
extension EvaluationError: DomainForgeError {
    public var exitStatus: ExitStatus {
        if case .config = self { return .usage }
        return .failure
    }
}

/// A multiple-choice row that cannot be used (reported per row; a failure when thrown).
extension MultipleChoiceQuestion.ParseProblem: DomainForgeError {}
