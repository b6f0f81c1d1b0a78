import Foundation
import Tokenization

/// Paths of test fixtures, relative to this file.
enum Fix {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static func path(_ name: String) -> String { dir + "/" + name }
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// Byte-level tokenizer without merges: byte b has id b; specials 256... (`<|endoftext|>`, `<|im_start|>`,
    /// `<|im_end|>`, `<|begin_of_text|>`, `<|start_header_id|>`, `<|end_header_id|>`, `<|eot_id|>`).
    static let byteTokenizer: BPETokenizer = try! BPETokenizer.load(path: path("byte-tokenizer.json"))

    static func tempDir(_ tag: String) -> String {
        let d = NSTemporaryDirectory() + "sfttests-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func write(_ text: String, _ name: String, in dir: String) -> String {
        let p = dir + "/" + name
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
}

func bytes(_ s: String) -> [UInt32] { s.utf8.map { UInt32($0) } }
