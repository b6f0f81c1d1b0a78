// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// A tokenizer file that cannot be loaded, or text it cannot encode: a failure.
extension TokenizerError: DomainForgeError {}
