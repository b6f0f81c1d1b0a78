#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Conversion of bytes in a legacy charset to UTF-8 with iconv. Undecodable bytes become U+FFFD and are counted,
/// so a caller can report them instead of losing them silently.
public enum IconvConverter {
    /// Labels iconv must never be asked for: stateful or ambiguous encodings that can hide markup.
    static let refused: Set<String> = ["utf-7", "utf7", "unicode-1-1-utf-7", "hz", "hz-gb-2312"]

    /// `bytes` converted from the iconv charset `name` to UTF-8 with the number of bytes replaced by U+FFFD, or nil
    /// when iconv does not know the name.
    public static func toUTF8(_ bytes: UnsafeRawBufferPointer, from name: String) -> (bytes: [UInt8], replaced: Int)? {
        let label = name.lowercased()
        if refused.contains(label) || label.isEmpty || label.count > 40 { return nil }
        let cd = iconv_open("UTF-8", label)
        if cd == iconv_t(bitPattern: -1) { return nil }
        defer { iconv_close(cd) }
        guard let base = bytes.baseAddress else { return ([], 0) }
        var out = [UInt8](repeating: 0, count: bytes.count * 4 + 16)
        var produced = 0, replaced = 0
        var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: CChar.self))
        var inLeft = bytes.count
        out.withUnsafeMutableBufferPointer { o in
            while inLeft > 0 {
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(o.baseAddress! + produced).assumingMemoryBound(to: CChar.self)
                var outLeft = o.count - produced
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                produced = o.count - outLeft
                if r != -1 { break }
                // E2BIG cannot happen with 4x + 16 room (no charset here expands a byte to more than 3 UTF-8 bytes);
                // stop safely if it does. EILSEQ (invalid) or EINVAL (truncated at the end): U+FFFD, skip one byte.
                if errno == E2BIG || o.count - produced < 3 { break }
                o[produced] = 0xEF; o[produced + 1] = 0xBF; o[produced + 2] = 0xBD
                produced += 3
                replaced += 1
                inPtr = inPtr.map { $0 + 1 }
                inLeft -= 1
                iconv(cd, nil, nil, nil, nil)
            }
        }
        out.removeSubrange(produced...)
        return (out, replaced)
    }
}
