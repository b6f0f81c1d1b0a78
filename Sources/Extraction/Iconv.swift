#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Charset conversion to UTF-8 with iconv, replacing undecodable bytes with U+FFFD.
enum Iconv {
    /// Labels iconv must never be asked for: stateful or ambiguous encodings that can hide markup.
    private static let refused: Set<String> = ["utf-7", "utf7", "unicode-1-1-utf-7", "hz", "hz-gb-2312"]

    /// `bytes` converted from `label` to UTF-8, or nil when iconv does not know the label.
    static func toUTF8(_ bytes: UnsafeRawBufferPointer, from label: String) -> [UInt8]? {
        let name = label.lowercased()
        if refused.contains(name) || name.isEmpty || name.count > 40 { return nil }
        let cd = iconv_open("UTF-8", name)
        if cd == iconv_t(bitPattern: -1) { return nil }
        defer { iconv_close(cd) }
        var out = [UInt8](repeating: 0, count: bytes.count * 3 + 16)
        var produced = 0
        guard let base = bytes.baseAddress else { return [] }
        var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: CChar.self))
        var inLeft = bytes.count
        out.withUnsafeMutableBufferPointer { o in
            while inLeft > 0 {
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(o.baseAddress! + produced).assumingMemoryBound(to: CChar.self)
                var outLeft = o.count - produced
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                produced = o.count - outLeft
                if r != -1 { break }
                let err = errno
                if err == E2BIG { break }  // cannot happen with 3x + 16 room; stop safely
                // EILSEQ (invalid) or EINVAL (truncated at the end): U+FFFD, skip one byte, reset the shift state.
                if o.count - produced < 3 { break }
                o[produced] = 0xEF; o[produced + 1] = 0xBF; o[produced + 2] = 0xBD
                produced += 3
                inPtr = inPtr.map { $0 + 1 }
                inLeft -= 1
                iconv(cd, nil, nil, nil, nil)
            }
        }
        out.removeSubrange(produced...)
        return out
    }
}
