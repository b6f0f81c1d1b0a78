import DomainForgeCore
import Segmentation

/// The dedup partition of a document when stages run with `partition_by_language: true`: a 64-bit key mixed into
/// its index keys, so documents of different languages never match.
enum LanguagePartition {
    /// 0 for documents without a language (metadata or detected CJK), else a hash of the language code.
    static func key(_ document: Document) -> UInt64 {
        guard let code = DocumentLanguage.resolve(document) else { return 0 }
        var bytes = Array(code.utf8)
        let (h, _) = bytes.withUnsafeMutableBytes { TextKit.hash128(UnsafeRawBufferPointer($0), seed: 0x6C616E67) }
        return h | 1
    }
}
