/// The GPT-2 byte-to-unicode map used by byte-level BPE: every byte becomes one printable character so that
/// tokens can be stored as JSON strings ("Ġ" is the space byte 0x20).
public enum ByteLevel {
    /// `byteToScalar[b]` is the code point that stands for byte `b` in vocabulary strings.
    public static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            let printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)
            if printable { table[b] = UInt32(b) } else { table[b] = 256 + n; n += 1 }
        }
        return table
    }()

    /// Maps a code point back to its byte, or -1 when it is not one of the 256 byte characters.
    static func scalarToByte(_ cp: UInt32) -> Int {
        if cp < 324 { return scalarToByteTable[Int(cp)] }
        return -1
    }
    static let scalarToByteTable: [Int] = {
        var t = [Int](repeating: -1, count: 324)
        for b in 0..<256 { t[Int(byteToScalar[b])] = b }
        return t
    }()

    /// The byte-level string of raw bytes (what appears in vocab.json / tokenizer.json).
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(byteToScalar[Int(b)])!) }
        return String(s)
    }

    /// Raw bytes of a byte-level vocabulary string, or nil if it contains a character outside the byte alphabet.
    public static func decode(_ token: String) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(token.utf8.count)
        for u in token.unicodeScalars {
            let b = scalarToByte(u.value)
            if b < 0 { return nil }
            out.append(UInt8(b))
        }
        return out
    }
}
