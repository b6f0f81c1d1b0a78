// How the CLI reports this module's errors (see DomainForgeCore/DomainForgeError.swift).
import DomainForgeCore

/// A run that failed (an input, the output, the run state): a failure.
extension RunError: DomainForgeError {}

/// sbatch, squeue or sacct failed or is missing: a failure.
extension SlurmError: DomainForgeError {}
