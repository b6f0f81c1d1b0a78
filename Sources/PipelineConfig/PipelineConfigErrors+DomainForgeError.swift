// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// An invalid config: a usage error, reported before any work starts.
extension ConfigError: DomainForgeError {
    public var exitStatus: ExitStatus { .usage }
}

/// Every problem of a config, one line each.
extension ConfigErrors: DomainForgeError {
    public var userMessages: [String] { errors.map(\.description) }
    public var exitStatus: ExitStatus { .usage }
}
