/// A mix that cannot be built: a bad mix file, a source that cannot be read, or ratios that cannot be met.
public struct MixError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
