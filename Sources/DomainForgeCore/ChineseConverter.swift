import COpenCC
import Foundation

/// Traditional ↔ Simplified Chinese conversion with OpenCC (phrase-level dictionaries, not character-by-character).
///
/// One converter per conversion is opened on first use and shared; calls are serialized, as OpenCC's C API does
/// not promise thread safety. Text without any byte of a CJK character (every byte below 0xE3) is returned as is.
public final class ChineseConverter: @unchecked Sendable {
    /// The conversions offered (OpenCC configuration names, `t2s.json` and so on).
    public enum Conversion: String, Codable, Sendable, CaseIterable {
        /// No conversion.
        case none
        /// Traditional to Simplified, and back.
        case t2s, s2t
        /// Taiwan and Hong Kong standards to Simplified, and back.
        case tw2s, s2tw, hk2s, s2hk
        /// Taiwan with phrase conversion (`軟體` ↔ `软件`), both ways.
        case tw2sp, s2twp
    }

    private let handle: opencc_t
    private let lock = NSLock()

    private init(handle: opencc_t) { self.handle = handle }
    deinit { opencc_close(handle) }

    nonisolated(unsafe) private static var cache: [Conversion: ChineseConverter] = [:]
    private static let cacheLock = NSLock()

    /// The shared converter for `conversion` (nil for `.none`).
    public static func shared(_ conversion: Conversion) throws(ChineseConversionError) -> ChineseConverter? {
        if conversion == .none { return nil }
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let c = cache[conversion] { return c }
        let name = conversion.rawValue + ".json"
        guard let h = opencc_open(name), Int(bitPattern: h) != -1 else { throw .configUnavailable(name) }
        let c = ChineseConverter(handle: h)
        cache[conversion] = c
        return c
    }

    /// `text` converted. NUL characters are kept (the C API ends its output at the first one, so the parts between
    /// them are converted one by one).
    public func convert(_ text: String) -> String {
        var t = text
        let (needed, hasNUL) = t.withUTF8 { ($0.contains { $0 >= 0xE3 }, $0.contains(0)) }
        guard needed else { return text }
        if hasNUL { return text.split(separator: "\0", omittingEmptySubsequences: false).map { convert(String($0)) }.joined(separator: "\0") }
        return t.withUTF8 { p -> String in
            lock.lock()
            defer { lock.unlock() }
            guard let base = p.baseAddress, let out = base.withMemoryRebound(to: CChar.self, capacity: p.count, {
                opencc_convert_utf8(handle, $0, p.count)
            }) else { return text }
            defer { opencc_convert_utf8_free(out) }
            return String(cString: out)
        }
    }
}
