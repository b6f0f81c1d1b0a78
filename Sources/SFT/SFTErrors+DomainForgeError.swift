// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// A mix that cannot be built (a source, a ratio, the data): a failure.
extension MixError: DomainForgeError {}

/// A chat template that cannot be used: a usage error.
extension SFTTemplateError: DomainForgeError {
    public var exitStatus: ExitStatus { .usage }
}
