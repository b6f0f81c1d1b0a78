#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a path names, found with `lstat`/`stat` before anything is opened: only regular files are ever opened as
/// input, so a FIFO, socket or device can neither hang a command nor be read by accident.
public enum InputFileKind: Sendable, Equatable {
    case regular
    case directory
    case fifo
    case socket
    case characterDevice
    case blockDevice
    /// A symbolic link whose target does not exist.
    case brokenSymlink
    /// Nothing at this path (or it cannot be examined).
    case missing
    case other

    /// Examines `path` without opening it (symbolic links are followed to their target).
    public static func of(path: String) -> InputFileKind {
        var st = stat()
        if stat(path, &st) != 0 {
            var lst = stat()
            if lstat(path, &lst) == 0 && (lst.st_mode & S_IFMT) == S_IFLNK { return .brokenSymlink }
            return .missing
        }
        return kind(mode: st.st_mode)
    }

    /// The kind named by the `st_mode` bits of a `stat` result.
    public static func kind(mode: mode_t) -> InputFileKind {
        switch mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFIFO: return .fifo
        case S_IFSOCK: return .socket
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        default: return .other
        }
    }

    /// How the kind is named in messages.
    public var label: String {
        switch self {
        case .regular: return "a regular file"
        case .directory: return "a folder"
        case .fifo: return "a FIFO (named pipe)"
        case .socket: return "a socket"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .brokenSymlink: return "a symbolic link to a missing target"
        case .missing: return "missing"
        case .other: return "not a regular file"
        }
    }

    /// The error recorded for an input that is not a regular file (nil for a regular file): `broken_symlink` for a
    /// dangling link, `unreadable_file` when nothing is there, `not_a_regular_file` otherwise.
    public func inputError(file: String) -> InputError? {
        switch self {
        case .regular: return nil
        case .brokenSymlink:
            return InputError(code: "broken_symlink", file: file,
                              message: "is a symbolic link whose target does not exist; fix or remove the link")
        case .missing:
            return InputError(code: "unreadable_file", file: file, message: "does not exist or cannot be examined; check the path and its permissions")
        default:
            return InputError(code: "not_a_regular_file", file: file,
                              message: "is \(label), not a regular file; it was not opened (copy the data into a regular file to ingest it)")
        }
    }

    /// Throws the `inputError(file:)` of `path` unless it is a regular file.
    public static func requireRegularFile(path: String, displayName: String) throws {
        if let e = of(path: path).inputError(file: displayName) { throw e }
    }
}
