// How the CLI reports errors: once, with one "error:" prefix, and the exit status of the error's classification
// (DomainForgeCore's `DomainForgeError`). Commands throw; `Pipeline.main` reports what reaches it.
import ArgumentParser
import DomainForgeCore
import Foundation

/// A usage problem found while a command runs (a file an option names cannot be read, a prompt the model cannot
/// take): reported without the usage line, status 2.
struct UsageError: DomainForgeError {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
    var exitStatus: ExitStatus { .usage }
}

/// A failure found by the CLI itself (a file it cannot write, input lines it rejected): status 1.
struct CommandFailure: DomainForgeError {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// The one place that turns an error into lines on standard error and an exit status.
enum ErrorReporting {
    /// Prints `error`'s message(s) and returns the exit status. An `ExitCode` was reported where it was thrown.
    static func report(_ error: any Error) -> Int32 {
        switch error {
        case let e as ExitCode:
            return e.rawValue
        case let e as ValidationError:
            printError(prefixed(e.message))
            return ExitStatus.usage.rawValue
        case let e as any DomainForgeError:
            for line in e.userMessages { printError(prefixed(line)) }
            return e.exitStatus.rawValue
        default:
            printError(prefixed("\(error)"))
            return ExitStatus.failure.rawValue
        }
    }

    /// `message` with exactly one "error: " in front.
    static func prefixed(_ message: String) -> String {
        var m = Substring(message)
        while m.lowercased().hasPrefix("error: ") { m = m.dropFirst(7) }
        return "error: " + m
    }
}

/// Runs `body`; an error is reported at once and becomes an `ExitCode` of its status (for commands that go on
/// after printing, or print around a failure).
func orExit<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw ExitCode(ErrorReporting.report(error))
    }
}

/// Writes one line to standard error.
func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
