// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// A bad training config is a usage error; checkpoints, data and a diverged step are failures.
extension TrainerError: DomainForgeError {
    public var exitStatus: ExitStatus {
        if case .config = self { return .usage }
        return .failure
    }
}
