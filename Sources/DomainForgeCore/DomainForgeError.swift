// The one error protocol of the project: what an error tells the user, and how the command that hit it ends.
// Every error type of the libraries conforms (in its own module), so the CLI maps errors to exit statuses in one
// place (`Sources/pipeline/ErrorReporting.swift`) instead of one `catch` list per command.

/// How a command that failed ends: the process exit status of an error.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// The command ran and failed: bad or corrupt data, I/O, a model or index that cannot be used. Status 1.
    case failure = 1
    /// The command was given something it cannot use: an invalid config, option value or combination. Status 2, the
    /// status of a command-line usage error.
    case usage = 2
}

/// An error the CLI can report as it is: its message for the user and the exit status.
///
/// Conform an error type of a library module with an extension that picks the status (`.failure` is the default);
/// the message is `description` unless the type has several problems to list (`userMessages`). Messages carry no
/// `error:` prefix: the CLI adds exactly one.
public protocol DomainForgeError: Error, CustomStringConvertible {
    /// The lines to show the user, one per problem, without an `error:` prefix.
    var userMessages: [String] { get }
    /// How the command ends.
    var exitStatus: ExitStatus { get }
}

extension DomainForgeError {
    public var userMessages: [String] { [description] }
    public var exitStatus: ExitStatus { .failure }
}

/// The exit status of any error: a `DomainForgeError`'s own, else `.failure`.
public func exitStatus(of error: any Error) -> ExitStatus {
    (error as? any DomainForgeError)?.exitStatus ?? .failure
}

// The core module's errors. Wrong input data is a failure of the run; an output folder locked by another run too.
extension InputError: DomainForgeError {}
extension OutputError: DomainForgeError {}
extension OutputLockError: DomainForgeError {}
extension JSONParseError: DomainForgeError {}
extension ChineseConversionError: DomainForgeError {}
