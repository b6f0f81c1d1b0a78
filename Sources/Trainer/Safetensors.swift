import DomainForgeCore
import Foundation

/// Reads and writes float32 safetensors files: `[u64 LE header length][JSON header][data]`, the header padded with
/// spaces to a multiple of 8, `__metadata__` `{"format":"pt"}` as transformers writes it.
public enum Safetensors {
    public struct Tensor: Sendable {
        public var shape: [Int]
        public var data: [Float]
        public init(shape: [Int], data: [Float]) { self.shape = shape; self.data = data }
    }

    /// Writes tensors in the given order (atomically: temporary file, then rename). Refuses NaN or Inf values.
    public static func write(path: String, tensors: [(name: String, shape: [Int], data: UnsafeBufferPointer<Float>)]) throws {
        var header: [String: JSONValue] = ["__metadata__": .object(["format": .string("pt")])]
        var offset = 0
        for t in tensors {
            precondition(t.shape.reduce(1, *) == t.data.count, "shape of \(t.name)")
            if let i = t.data.firstIndex(where: { !$0.isFinite }) {
                throw TrainerError.checkpoint(file: path, message: "not written: \(t.name)[\(i)] is \(t.data[i]) (the run diverged)")
            }
            let end = offset + t.data.count * 4
            header[t.name] = .object([
                "dtype": .string("F32"),
                "shape": .array(t.shape.map { .int(Int64($0)) }),
                "data_offsets": .array([.int(Int64(offset)), .int(Int64(end))]),
            ])
            offset = end
        }
        var json = Array(JSONValue.object(header).serialized().utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for t in tensors {
            // float32 little-endian (this code runs on little-endian hosts only)
            out.append(contentsOf: UnsafeRawBufferPointer(t.data))
        }
        let f = try AtomicOutputFile(path: path)
        try f.write(out)
        try f.commit()
    }

    /// Reads every F32 tensor of a file. The header is checked against the file: every entry's `data_offsets` lie
    /// inside the data section and match dtype × shape, and the entries cover the data section exactly (no holes,
    /// no overlaps, as the format requires). A NaN or Inf value is refused (a corrupted or diverged file).
    public static func read(path: String) throws -> [String: Tensor] {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw TrainerError.checkpoint(file: path, message: "cannot read")
        }
        return try d.withUnsafeBytes { try read(bytes: $0, path: path) }
    }

    static func read(bytes: UnsafeRawBufferPointer, path: String) throws -> [String: Tensor] {
        func bad(_ m: String) -> TrainerError { .checkpoint(file: path, message: m + "; the file is corrupted or not a safetensors file") }
        guard bytes.count >= 8 else { throw bad("shorter than the 8-byte header length") }
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        guard n > 0, n <= 100_000_000, n <= bytes.count - 8 else { throw bad("header length \(n) out of range") }
        let header: JSONValue
        do { header = try JSONParser.parse(bytes: Array(bytes[8..<(8 + n)])) } catch { throw bad("header: \(error)") }
        guard let obj = header.objectValue else { throw bad("header is not an object") }
        let base = 8 + n
        let entries = try obj.filter { $0.key != "__metadata__" }.map { try entry($0.key, $0.value, dataBytes: bytes.count - base, bad: bad) }
        var covered = 0
        for e in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard e.begin == covered else {
                throw bad("\(e.name): data_offsets start at \(e.begin), expected \(covered) (overlap or hole in the data section)")
            }
            covered = e.end
        }
        guard covered == bytes.count - base else { throw bad("tensors cover \(covered) of \(bytes.count - base) data bytes") }
        var out: [String: Tensor] = [:]
        for e in entries {
            var data = [Float](repeating: 0, count: e.count)
            data.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[(base + e.begin)..<(base + e.end)])) }
            if let i = data.firstIndex(where: { !$0.isFinite }) {
                throw TrainerError.checkpoint(file: path, message: "\(e.name)[\(i)] is \(data[i]) (corrupted or diverged); use an earlier checkpoint")
            }
            out[e.name] = Tensor(shape: e.shape, data: data)
        }
        return out
    }

    /// One header entry, checked: F32, non-negative shape, offsets in order, inside `dataBytes`, 4 × elements long.
    static func entry(_ name: String, _ v: JSONValue, dataBytes: Int, bad: (String) -> TrainerError) throws
        -> (name: String, shape: [Int], count: Int, begin: Int, end: Int) {
        guard v["dtype"]?.stringValue == "F32" else { throw bad("\(name): only F32 tensors are supported, found \(v["dtype"]?.stringValue ?? "?")") }
        guard let rawShape = v["shape"]?.arrayValue, let rawOffs = v["data_offsets"]?.arrayValue, rawOffs.count == 2 else {
            throw bad("\(name): needs shape and two data_offsets")
        }
        let shape = rawShape.compactMap { $0.intValue }
        let offs = rawOffs.compactMap { $0.intValue }
        guard shape.count == rawShape.count, offs.count == 2, shape.allSatisfy({ $0 >= 0 }) else {
            throw bad("\(name): shape and data_offsets must be non-negative integers")
        }
        var count = 1
        for dim in shape {
            let (p, o) = count.multipliedReportingOverflow(by: dim)
            guard !o, p <= dataBytes / 4 else { throw bad("\(name): shape \(shape) is larger than the file") }
            count = p
        }
        guard offs[0] >= 0, offs[0] <= offs[1], offs[1] <= dataBytes else {
            throw bad("\(name): data_offsets \(offs) lie outside the \(dataBytes) data bytes")
        }
        guard offs[1] - offs[0] == count * 4 else {
            throw bad("\(name): data_offsets span \(offs[1] - offs[0]) bytes, F32 × \(shape) needs \(count * 4)")
        }
        return (name, shape, count, offs[0], offs[1])
    }
}
