/// A problem with a tokenizer command's input; the message says where and what to fix.
struct TokenizerInputError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
