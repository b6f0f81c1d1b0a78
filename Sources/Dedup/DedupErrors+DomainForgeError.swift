// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// Dedup options that cannot be used: a usage error.
extension DedupConfigError: DomainForgeError {
    public var exitStatus: ExitStatus { .usage }
}

/// A global dedup step that cannot run or finish (missing or corrupt parts, links or signatures): a failure.
extension GlobalDedupError: DomainForgeError {}
