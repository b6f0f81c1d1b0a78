import DomainForgeCore

/// Sequential little-endian reads with bounds checks (a helper of `LanguageModel.decode`).
struct ModelReader {
    let bytes: [UInt8]
    var offset: Int
    let path: String

    mutating func u32(_ what: String) throws(LanguageModelError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw .truncated(path: path, detail: "ends inside \(what)") }
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[offset + k]) << UInt32(8 * k) }
        offset += 4
        return v
    }

    mutating func label() throws(LanguageModelError) -> String {
        guard offset < bytes.count else { throw .truncated(path: path, detail: "ends inside the labels") }
        let n = Int(bytes[offset])
        guard n > 0, offset + 1 + n <= bytes.count else { throw .truncated(path: path, detail: "bad label length") }
        defer { offset += 1 + n }
        return String(decoding: bytes[(offset + 1)..<(offset + 1 + n)], as: UTF8.self)
    }

    mutating func readModel() throws(LanguageModelError) -> LanguageModel {
        let version = try u32("the version")
        guard version == LanguageModel.version else {
            throw .truncated(path: path, detail: "format version \(version), this build reads \(LanguageModel.version)")
        }
        let bits = Int(try u32("the bucket bits"))
        let l = Int(try u32("the language count")), f = Int(try u32("the feature count"))
        guard (8...28).contains(bits), (1...255).contains(l), f <= 1 << bits else {
            throw .truncated(path: path, detail: "header out of range (bits \(bits), languages \(l), features \(f))")
        }
        var labels: [String] = []
        for _ in 0..<l { labels.append(try label()) }
        var features: [UInt32] = []
        features.reserveCapacity(f)
        for _ in 0..<f { features.append(try u32("the features")) }
        guard zip(features, features.dropFirst()).allSatisfy({ $0 < $1 }), (features.last ?? 0) < 1 << bits else {
            throw .truncated(path: path, detail: "feature ids not ascending or out of range")
        }
        let weights = try readWeights(f * l)
        let traditional = try scalars("the Traditional set"), simplified = try scalars("the Simplified set")
        guard offset == bytes.count else { throw .truncated(path: path, detail: "\(bytes.count - offset) stray bytes") }
        return LanguageModel(bucketBits: bits, languages: labels, features: features, weights: weights,
                             traditionalOnly: traditional, simplifiedOnly: simplified)
    }

    mutating func readWeights(_ n: Int) throws(LanguageModelError) -> [Int16] {
        guard offset + 2 * n <= bytes.count else { throw .truncated(path: path, detail: "ends inside the weights") }
        var w = [Int16](repeating: 0, count: n)
        for i in 0..<n {
            w[i] = Int16(bitPattern: UInt16(bytes[offset + 2 * i]) | UInt16(bytes[offset + 2 * i + 1]) << 8)
        }
        offset += 2 * n
        return w
    }

    mutating func scalars(_ what: String) throws(LanguageModelError) -> [UInt32] {
        let n = Int(try u32(what))
        guard offset + 4 * n <= bytes.count else { throw .truncated(path: path, detail: "ends inside \(what)") }
        var out: [UInt32] = []
        for _ in 0..<n { out.append(try u32(what)) }
        return out
    }
}
