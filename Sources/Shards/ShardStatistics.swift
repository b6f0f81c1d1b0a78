import DomainForgeCore
import Foundation

/// `pipeline stats DIR` for a shard folder: documents, tokens, sources, length percentiles, compression ratio and the
/// most frequent tokens, computed by reading every sample (memory: 4 bytes per sample plus one counter per token id).
public struct ShardStatistics: Sendable {
    public var samples = 0
    public var tokens = 0
    public var shards = 0
    public var rawBytes = 0
    public var storedBytes = 0
    public var perSource: [String: (samples: Int, tokens: Int)] = [:]
    /// Sorted sample lengths' percentiles: p0 (min), p10, p50, p90, p99, p100 (max).
    public var percentiles: [(Int, Int)] = []
    public var meanLength = 0.0
    /// (token id, count), most frequent first.
    public var topTokens: [(UInt32, Int)] = []
    public var lengths: [Int32] = []
    public var manifest: ShardManifest?

    /// Reads every sample of `directory`; `verifyHashes` false skips the shard sha256 checks (`--no-verify`).
    public static func compute(directory: String, top: Int = 20, verifyHashes: Bool = true) throws -> ShardStatistics {
        let reader = try ShardReader(directory: directory, verifyHashes: verifyHashes)
        var st = ShardStatistics()
        st.manifest = reader.manifest
        st.shards = reader.index.shards.count
        for s in reader.index.shards {
            st.rawBytes += s.rawBytes
            st.storedBytes += s.zipBasename != nil ? s.zipBytes : s.rawBytes
        }
        var counts = [Int](repeating: 0, count: 1 << 16)
        try reader.forEach { s in
            st.samples += 1
            st.tokens += s.tokens.count
            st.lengths.append(Int32(s.tokens.count))
            let cur = st.perSource[s.source] ?? (0, 0)
            st.perSource[s.source] = (cur.samples + 1, cur.tokens + s.tokens.count)
            for t in s.tokens {
                if Int(t) >= counts.count { counts.append(contentsOf: repeatElement(0, count: Int(t) + 1 - counts.count)) }
                counts[Int(t)] += 1
            }
            return true
        }
        let sorted = st.lengths.sorted()
        if !sorted.isEmpty {
            for p in [0, 10, 50, 90, 99, 100] {
                let i = min(sorted.count - 1, Int((Double(p) / 100 * Double(sorted.count - 1)).rounded()))
                st.percentiles.append((p, Int(sorted[i])))
            }
            st.meanLength = Double(st.tokens) / Double(st.samples)
        }
        st.topTokens = counts.enumerated().filter { $0.element > 0 }.sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
            .prefix(top).map { (UInt32($0.offset), $0.element) }
        return st
    }

    /// A table for people. `decode` turns a token id into its text (when a tokenizer is at hand).
    public func table(decode: ((UInt32) -> String)? = nil) -> String {
        var l = [String]()
        l.append("shards: \(shards)   samples: \(samples)   tokens: \(tokens)")
        if let m = manifest { l.append("tokenizer: \(m.tokenizer.fingerprint.prefix(16))…  vocab \(m.tokenizer.vocabSize)  dtype \(m.dtype.rawValue)  loss_mask \(m.lossMask)") }
        l.append(String(format: "bytes: raw %.2f MB, stored %.2f MB, compression ratio %.2f", Double(rawBytes) / 1e6, Double(storedBytes) / 1e6,
                        storedBytes > 0 ? Double(rawBytes) / Double(storedBytes) : 0))
        l.append(String(format: "length (tokens): mean %.1f  ", meanLength) + percentiles.map { "p\($0.0) \($0.1)" }.joined(separator: "  "))
        l.append("")
        l.append("source".padding(toLength: 30, withPad: " ", startingAt: 0) + "    samples       tokens   share")
        for (k, v) in perSource.sorted(by: { $0.key < $1.key }) {
            l.append(k.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: " %10d %12d  %5.1f%%", v.samples, v.tokens, tokens > 0 ? 100 * Double(v.tokens) / Double(tokens) : 0))
        }
        l.append("")
        l.append("most frequent tokens:")
        for (id, c) in topTokens {
            let text = decode.map { "  " + String(reflecting: $0(id)) } ?? ""
            l.append(String(format: "  %8d %10d  %5.2f%%", id, c, tokens > 0 ? 100 * Double(c) / Double(tokens) : 0) + text)
        }
        return l.joined(separator: "\n")
    }

    /// Machine-readable form.
    public func json() -> String {
        var src = [String: JSONValue]()
        for (k, v) in perSource { src[k] = .object(["samples": .int(Int64(v.samples)), "tokens": .int(Int64(v.tokens))]) }
        let o: JSONValue = .object([
            "shards": .int(Int64(shards)), "samples": .int(Int64(samples)), "tokens": .int(Int64(tokens)),
            "raw_bytes": .int(Int64(rawBytes)), "stored_bytes": .int(Int64(storedBytes)),
            "compression_ratio": .double(storedBytes > 0 ? Double(rawBytes) / Double(storedBytes) : 0),
            "mean_length": .double(meanLength),
            "length_percentiles": .object(Dictionary(uniqueKeysWithValues: percentiles.map { ("p\($0.0)", JSONValue.int(Int64($0.1))) })),
            "sources": .object(src),
            "top_tokens": .array(topTokens.map { .array([.int(Int64($0.0)), .int(Int64($0.1))]) }),
        ])
        return o.serialized()
    }

    /// An SVG histogram of sample lengths (log2 buckets), self-contained.
    public func svgHistogram() -> String {
        var buckets = [Int](repeating: 0, count: 33)
        for n in lengths { buckets[n <= 1 ? 0 : Int(32 - UInt32(n).leadingZeroBitCount - 1)] += 1 }
        let last = max(1, (buckets.lastIndex { $0 > 0 } ?? 0) + 1)
        let shown = Array(buckets[0..<last])
        let maxC = max(1, shown.max() ?? 1)
        let w = 640.0, h = 320.0, left = 60.0, bottom = 40.0, top = 30.0
        let bw = (w - left - 20) / Double(shown.count)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(left)\" y=\"18\" font-size=\"14\">Sample length histogram (\(samples) samples, \(tokens) tokens)</text>\n"
        for (i, c) in shown.enumerated() {
            let bh = (h - bottom - top) * Double(c) / Double(maxC)
            let x = left + Double(i) * bw
            s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4878a8\"><title>%d samples</title></rect>\n",
                        x + 1, h - bottom - bh, bw - 2, bh, c)
            let label = i == 0 ? "0-1" : "\(1 << i)"
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>\n", x + bw / 2, h - bottom + 14, label)
        }
        s += "<text x=\"\((w) / 2)\" y=\"\(h - 8)\" text-anchor=\"middle\">tokens per sample (lower bound of power-of-two bucket)</text>\n"
        s += "<text x=\"14\" y=\"\(h / 2)\" transform=\"rotate(-90 14 \(h / 2))\" text-anchor=\"middle\">samples (max \(maxC))</text>\n"
        s += "<line x1=\"\(left)\" y1=\"\(h - bottom)\" x2=\"\(w - 20)\" y2=\"\(h - bottom)\" stroke=\"black\"/>\n</svg>\n"
        return s
    }
}
