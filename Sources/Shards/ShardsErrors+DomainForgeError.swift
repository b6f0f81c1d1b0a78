// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// A shard folder that is missing, corrupt or does not match its manifest: a failure.
extension ShardError: DomainForgeError {}
