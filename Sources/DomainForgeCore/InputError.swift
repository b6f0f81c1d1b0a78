/// A problem with one input record or file: it is rejected (written to the errors file) and the run goes on.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Short stable code, e.g. `invalid_json`, `missing_text_field`, `truncated_gzip`, `line_too_long`.
    public var code: String
    /// The input file (as shown to the user).
    public var file: String
    /// 1-based line number, when the input is line-oriented (0 when not known or not applicable).
    public var line: Int
    /// Byte offset in the (decompressed) input where the record starts.
    public var offset: Int
    /// What is wrong and, where possible, what to do about it.
    public var message: String

    public init(code: String, file: String, line: Int = 0, offset: Int = 0, message: String) {
        self.code = code; self.file = file; self.line = line; self.offset = offset; self.message = message
    }

    public var description: String {
        var loc = file
        if line > 0 { loc += ":\(line)" } else if offset > 0 { loc += "@\(offset)" }
        return "\(loc): \(message) [\(code)]"
    }

    /// The errors-file JSON line for this error.
    public func jsonLine() -> [UInt8] {
        var out = [UInt8]()
        JSONWriter.write(.object([
            "code": .string(code), "file": .string(file), "line": .int(Int64(line)),
            "offset": .int(Int64(offset)), "message": .string(message),
        ]), into: &out)
        out.append(0x0A)
        return out
    }
}
