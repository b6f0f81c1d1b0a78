// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// A segmenter that ICU cannot open: a failure.
extension SegmenterError: DomainForgeError {}
