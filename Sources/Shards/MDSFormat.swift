import DomainForgeCore

/// The MosaicML Streaming "MDS" v2 layout as we write it (read by `streaming.StreamingDataset`):
///
/// - `index.json`: `{"shards": [...], "version": 2}`; each shard entry has `column_encodings`, `column_names`
///   (sorted), `column_sizes`, `compression` (`zstd:<level>`), `format` "mds", `hashes` (`["sha256"]`),
///   `raw_data`/`zip_data` `{basename, bytes, hashes}`, `samples`, `size_limit`, `version` 2.
/// - a shard (before compression): u32 sample count N, u32[N+1] absolute offsets of the samples, the shard config
///   as JSON (sorted keys, Python's default separators), then the samples. A sample is one u32 size per
///   variable-size column, then the column payloads in column order. All integers little-endian.
/// - columns: `id` and `source` (`str`, UTF-8), `tokens` (`ndarray:uint16|uint32`), and for SFT `loss_mask`
///   (`ndarray:uint8`). An ndarray payload with a fixed dtype and free shape is one byte `ndim << 2 | shape dtype`
///   (0 u8, 1 u16, 2 u32, 3 u64), the shape in that dtype, then the values.
public enum MDSFormat {
    public static let indexName = "index.json"
    public static let manifestName = "manifest.json"

    /// Column names (sorted, as MDS requires) and encodings for a dataset.
    public static func columns(dtype: TokenDType, lossMask: Bool) -> [(name: String, encoding: String)] {
        var c: [(String, String)] = [("id", "str")]
        if lossMask { c.append(("loss_mask", "ndarray:uint8")) }
        c.append(("source", "str"))
        c.append(("tokens", "ndarray:\(dtype.rawValue)"))
        return c
    }

    /// The shard config JSON embedded in every shard, as Python's `json.dumps(obj, sort_keys=True)` writes it.
    static func shardConfigJSON(columns: [(name: String, encoding: String)], compression: String?, sizeLimit: Int) -> [UInt8] {
        func list(_ xs: [String]) -> String { "[" + xs.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        let sizes = "[" + columns.map { _ in "null" }.joined(separator: ", ") + "]"
        let comp = compression.map { "\"\($0)\"" } ?? "null"
        let s = "{\"column_encodings\": \(list(columns.map(\.encoding))), \"column_names\": \(list(columns.map(\.name))), "
            + "\"column_sizes\": \(sizes), \"compression\": \(comp), \"format\": \"mds\", \"hashes\": [\"sha256\"], "
            + "\"size_limit\": \(sizeLimit), \"version\": 2}"
        return Array(s.utf8)
    }

    @inline(__always) static func appendU32(_ v: UInt32, _ out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8))
        out.append(UInt8(truncatingIfNeeded: v >> 16)); out.append(UInt8(truncatingIfNeeded: v >> 24))
    }

    @inline(__always) static func readU32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    /// Encodes a 1-D array payload (header + values). Empty arrays are not allowed by MDS (the writer never emits one).
    static func appendNDArray(_ values: [UInt32], dtype: TokenDType, into out: inout [UInt8]) {
        appendShape(values.count, into: &out)
        let w = dtype.byteWidth
        let at = out.count
        out.append(contentsOf: repeatElement(0, count: values.count * w))
        out.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { v in
                if w == 2 {
                    let dst = (raw.baseAddress! + at).assumingMemoryBound(to: UInt8.self)
                    for i in 0..<v.count {
                        dst[2 * i] = UInt8(truncatingIfNeeded: v[i]); dst[2 * i + 1] = UInt8(truncatingIfNeeded: v[i] >> 8)
                    }
                } else {
                    for i in 0..<v.count { (raw.baseAddress! + at + 4 * i).storeBytes(of: v[i].littleEndian, as: UInt32.self) }
                }
            }
        }
    }

    /// Bytes of the 1-D shape header `appendShape` writes.
    static func shapeBytes(_ n: Int) -> Int { n < 1 << 8 ? 2 : n < 1 << 16 ? 3 : 5 }

    static func appendShape(_ n: Int, into out: inout [UInt8]) {
        if n < 1 << 8 { out.append(1 << 2 | 0); out.append(UInt8(n)) }
        else if n < 1 << 16 { out.append(1 << 2 | 1); out.append(UInt8(n & 0xFF)); out.append(UInt8(n >> 8)) }
        else { out.append(1 << 2 | 2); appendU32(UInt32(n), &out) }
    }

    /// Decodes a 1-D ndarray payload; nil when malformed.
    static func decodeNDArray(_ b: UnsafeRawBufferPointer, elementWidth: Int) -> (count: Int, valuesAt: Int)? {
        guard b.count >= 1 else { return nil }
        let head = b[0]
        let ndim = Int(head >> 2)
        guard ndim == 1 else { return nil }
        let sw = [1, 2, 4, 8][Int(head & 3)]
        guard b.count >= 1 + sw else { return nil }
        var n = 0
        for k in 0..<sw { n |= Int(b[1 + k]) << (8 * k) }
        let at = 1 + sw
        guard n >= 1, b.count == at + n * elementWidth else { return nil }
        return (n, at)
    }
}
