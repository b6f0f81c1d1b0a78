import DomainForgeCore

/// Charset conversion to UTF-8 with iconv for labels outside `TextDecoding.Charset`, replacing undecodable bytes
/// with U+FFFD.
enum Iconv {
    /// `bytes` converted from `label` to UTF-8, or nil when iconv does not know the label.
    static func toUTF8(_ bytes: UnsafeRawBufferPointer, from label: String) -> [UInt8]? {
        IconvConverter.toUTF8(bytes, from: label)?.bytes
    }
}
