import DomainForgeCore
import Foundation

/// Reads the inputs of the `tokenizer` commands through the pipeline's sources: `.gz`/`.zst` are decompressed,
/// only regular files are opened (`-` is standard input), and JSONL is read line by line in bounded memory.
/// A bad line is handed to `onReject` as `file:line: message` and reading goes on.
struct TokenizerInput {
    /// JSON field(s) holding the text (several are joined by newlines).
    var fields: [String]
    var idField: String = "id"
    /// Longest line kept (longer lines are rejected without being held in memory).
    var maxLineBytes: Int = 1 << 30

    /// The name without a compression suffix, used to tell JSONL from text.
    static func baseName(_ path: String) -> String {
        for ext in [".gz", ".zst", ".zstd"] where path.hasSuffix(ext) { return String(path.dropLast(ext.count)) }
        return path
    }

    static func isJSONL(_ path: String) -> Bool {
        let b = baseName(path)
        return b.hasSuffix(".jsonl") || b.hasSuffix(".json")
    }

    static func source(_ path: String) throws -> any ByteSource {
        path == "-" ? FileByteSource(descriptor: 0, displayName: "<stdin>") : try openByteSource(path: path, displayName: path)
    }

    /// The whole (decompressed) file as text.
    static func readText(_ path: String) throws -> String {
        let src = try source(path)
        var bytes = [UInt8]()
        while try src.read(into: &bytes, count: 1 << 20) > 0 {}
        return bytes.withUnsafeBytes { TextDecoding.decode($0).text }
    }

    /// Calls `body(id, text)` for each good JSONL line and `onReject("file:line: message")` for each bad one; a
    /// file that cannot be read at all is thrown as an `InputError` after the lines read before the failure.
    func forEachText(_ path: String, onReject: (String) throws -> Void, _ body: (String, String) throws -> Void) throws {
        let reader = LineReader(source: try Self.source(path), maxLineBytes: maxLineBytes)
        while let rec = try reader.next() {
            if rec.overlongBytes > 0 {
                try onReject("\(path):\(rec.line): line of \(rec.overlongBytes) bytes is longer than \(maxLineBytes); split it")
                continue
            }
            if rec.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            switch record(rec.bytes, line: rec.line) {
            case .success(let (id, text)): try body(id, text)
            case .failure(let message): try onReject("\(path):\(rec.line): \(message)")
            }
        }
    }

    /// One line's id and text, or what is wrong with it.
    func record(_ bytes: [UInt8], line: Int) -> Result<(String, String), TokenizerInputError> {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes: bytes) } catch { return .failure(TokenizerInputError("invalid JSON: \(error)")) }
        let parts = fields.compactMap { v[$0]?.stringValue }
        guard !parts.isEmpty else {
            return .failure(TokenizerInputError("no string field \"\(fields.joined(separator: ","))\" (use --field to name the text field)"))
        }
        switch v[idField] {
        case .string(let s)?: return .success((s, parts.joined(separator: "\n")))
        case .int(let i)?: return .success((String(i), parts.joined(separator: "\n")))
        default: return .success((String(line - 1), parts.joined(separator: "\n")))
        }
    }
}
