// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// A page or record that cannot be parsed, or a bad XPath: a failure.
extension ExtractionError: DomainForgeError {}
