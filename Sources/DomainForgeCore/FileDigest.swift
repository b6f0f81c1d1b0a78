import CCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Digests of whole files by any algorithm OpenSSL's libcrypto knows, streamed in 1 MiB chunks (memory: one chunk).
/// Algorithms are named as MosaicML Streaming records them in `index.json`: `sha1`, `sha256`, `sha3_256`, `md5`,
/// `blake2b`, ... (the `xxh` family is not in libcrypto, so `isSupported` says false for it).
public enum FileDigest {
    /// Whether `algorithm` (a Streaming hash name) can be computed here.
    public static func isSupported(_ algorithm: String) -> Bool { digest(algorithm) != nil }

    /// The lower-case hex digest of the file at `path`, or nil when the algorithm is unknown or the file cannot be
    /// opened or read.
    public static func hex(fileAt path: String, algorithm: String) -> String? {
        guard let md = digest(algorithm), let ctx = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestInit_ex(ctx, md, nil) == 1 else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { raw -> Int in
                var r: Int
                repeat { r = read(fd, raw.baseAddress!, raw.count) } while r < 0 && errno == EINTR
                return r
            }
            if got < 0 { return nil }
            if got == 0 { break }
            chunk.withUnsafeBytes { _ = EVP_DigestUpdate(ctx, $0.baseAddress, got) }
        }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        guard EVP_DigestFinal_ex(ctx, &out, &len) == 1 else { return nil }
        return SHA256Hasher.hexDigits(Array(out[0..<Int(len)]))
    }

    /// libcrypto's digest for a Streaming hash name (`sha3_256` → `sha3-256`, `blake2b` → `blake2b512`).
    static func digest(_ algorithm: String) -> OpaquePointer? {
        let name: String
        switch algorithm {
        case "blake2b": name = "blake2b512"
        case "blake2s": name = "blake2s256"
        default: name = String(algorithm.map { $0 == "_" ? "-" : $0 })
        }
        return EVP_get_digestbyname(name)
    }
}
