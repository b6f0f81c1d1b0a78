import DomainForgeCore
import Foundation

/// A naive-Bayes language-ID model over hashed byte n-grams (see `ByteNGrams`), as written by
/// `pipeline langid train` and read by the `language_id` stage.
///
/// File layout (little-endian): magic `DFLANGID`, version (u32), bucket bits (u32), language count L (u32),
/// feature count F (u32); L labels (u8 length + UTF-8); F bucket ids (u32, ascending); F×L weights (i16,
/// natural-log probability × `weightScale`); Traditional-only then Simplified-only Han scalars (u32 count +
/// u32 each); then the SHA-256 (64 hex bytes) of everything before it.
public struct LanguageModel: Sendable, Equatable {
    /// The first eight bytes of a model file.
    public static let magic: [UInt8] = Array("DFLANGID".utf8)
    /// The file format version this build reads and writes.
    public static let version: UInt32 = 1
    /// Weights are stored as `Int16(logProbability * weightScale)`.
    public static let weightScale: Double = 1000

    /// log2 of the number of hash buckets.
    public var bucketBits: Int
    /// Language labels (ISO 639-1), in weight-column order.
    public var languages: [String]
    /// The selected buckets, ascending.
    public var features: [UInt32]
    /// `features.count × languages.count` scaled log-probabilities, row-major by feature.
    public var weights: [Int16]
    /// Han characters seen only in Traditional Chinese training text.
    public var traditionalOnly: [UInt32]
    /// Han characters seen only in Simplified Chinese training text.
    public var simplifiedOnly: [UInt32]

    /// Makes a model from its parts (the trainer's output).
    public init(bucketBits: Int, languages: [String], features: [UInt32], weights: [Int16],
                traditionalOnly: [UInt32] = [], simplifiedOnly: [UInt32] = []) {
        self.bucketBits = bucketBits
        self.languages = languages
        self.features = features
        self.weights = weights
        self.traditionalOnly = traditionalOnly
        self.simplifiedOnly = simplifiedOnly
    }

    /// Reads and checks a model file.
    public static func load(path: String) throws(LanguageModelError) -> LanguageModel {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try decode([UInt8](data), path: path)
    }

    /// Decodes model bytes; `path` only names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws(LanguageModelError) -> LanguageModel {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else { throw .notAModel(path: path) }
        guard bytes.count >= magic.count + 64 else { throw .truncated(path: path, detail: "no checksum") }
        let body = Array(bytes[0..<(bytes.count - 64)])
        guard SHA256Hasher.hex(body) == String(decoding: bytes[(bytes.count - 64)...], as: UTF8.self) else {
            throw .checksumMismatch(path: path)
        }
        var reader = ModelReader(bytes: body, offset: magic.count, path: path)
        return try reader.readModel()
    }

    /// The file bytes of this model, checksum included.
    public func encoded() -> [UInt8] {
        var out = Self.magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(Self.version); u32(UInt32(bucketBits)); u32(UInt32(languages.count)); u32(UInt32(features.count))
        for label in languages {
            out.append(UInt8(label.utf8.count)); out.append(contentsOf: label.utf8)
        }
        for f in features { u32(f) }
        for w in weights { withUnsafeBytes(of: w.littleEndian) { out.append(contentsOf: $0) } }
        for set in [traditionalOnly, simplifiedOnly] {
            u32(UInt32(set.count)); for s in set { u32(s) }
        }
        out.append(contentsOf: Array(SHA256Hasher.hex(out).utf8))
        return out
    }

    /// The model shipped with this build (`Sources/Cleaning/Resources/langid.model`; see its PROVENANCE.md).
    public static func bundled() throws(LanguageModelError) -> LanguageModel {
        guard let url = Bundle.module.url(forResource: "langid", withExtension: "model") else { throw .bundledModelMissing }
        return try load(path: url.path)
    }
}
