// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// Stage options that cannot be used: a usage error.
extension CleaningConfigError: DomainForgeError {
    public var exitStatus: ExitStatus { .usage }
}

/// A language model file that cannot be read or trained: a failure.
extension LanguageModelError: DomainForgeError {}
