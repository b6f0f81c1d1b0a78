import DomainForgeCore

/// A problem with a tokenizer command's input (status 1); the message says where and what to fix.
struct TokenizerInputError: DomainForgeError {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
