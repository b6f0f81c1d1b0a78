import CCrypto

/// SHA-256 through OpenSSL's libcrypto (hardware accelerated where the CPU allows), incrementally or at once.
public struct SHA256Hasher: ~Copyable {
    private let ctx: OpaquePointer

    public init() {
        ctx = EVP_MD_CTX_new()
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// Adds bytes to the digest.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) }
    }

    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The digest as 64 lower-case hex characters.
    public consuming func finalizeHex() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return SHA256Hasher.hexDigits(out)
    }

    /// Hex SHA-256 of `bytes`.
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var h = SHA256Hasher()
        h.update(bytes)
        return h.finalizeHex()
    }

    public static func hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { hex($0) } }

    /// Hex SHA-256 of a file's stored bytes, streamed (`FileDigest`), or nil when it cannot be read.
    public static func hex(fileAt path: String) -> String? { FileDigest.hex(fileAt: path, algorithm: "sha256") }

    static func hexDigits(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var s = [UInt8]()
        s.reserveCapacity(64)
        for b in digest { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return String(decoding: s, as: UTF8.self)
    }
}
