/// A problem running the global dedup finishing step (`pipeline dedup-global`); the message says what to do.
public struct GlobalDedupError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
