/// Which document of a duplicate cluster a global dedup keeps (`keep` option; `mode: global` only for
/// `longest` and `priority`).
///
/// Ties are broken by input order (the sorted list of all input files, then the position in the file), never by
/// rank or part, so every world size keeps the same documents.
public enum KeepPolicy: String, Codable, Sendable, CaseIterable {
    /// The earliest document in input order.
    case first
    /// The document with the most UTF-8 bytes of text.
    case longest
    /// The document whose metadata field `priority_field` holds the highest number (a number, a numeric string or
    /// a boolean; documents without a usable value rank below every document with one).
    case priority
}
