/// Another process holds the lock on an output folder: two writers would corrupt it, so this one refuses.
public struct OutputLockError: Error, Sendable, CustomStringConvertible {
    /// The output folder the lock guards.
    public var folder: String
    /// The lock file.
    public var lockPath: String
    /// The holder's process id and host name, as it recorded them (nil when it had not written them yet).
    public var holderPID: Int32?
    public var holderHost: String?

    public init(folder: String, lockPath: String, holderPID: Int32?, holderHost: String?) {
        self.folder = folder
        self.lockPath = lockPath
        self.holderPID = holderPID
        self.holderHost = holderHost
    }

    public var description: String {
        let who = holderPID.map { "process \($0) on host \(holderHost ?? "unknown")" } ?? "another process (it has not recorded its id yet)"
        return "\(folder) is in use by another run (\(who), lock file \(lockPath)); wait for that run to finish or stop it, "
            + "then start this one again (a stopped run leaves no stale lock)"
    }
}
