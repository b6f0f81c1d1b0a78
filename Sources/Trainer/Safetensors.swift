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

    /// Writes tensors in the given order (atomically: temporary file, then rename).
    public static func write(path: String, tensors: [(name: String, shape: [Int], data: UnsafeBufferPointer<Float>)]) throws {
        var header: [String: JSONValue] = ["__metadata__": .object(["format": .string("pt")])]
        var offset = 0
        for t in tensors {
            precondition(t.shape.reduce(1, *) == t.data.count, "shape of \(t.name)")
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

    /// Reads every F32 tensor of a file.
    public static func read(path: String) throws -> [String: Tensor] {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw TrainerError.checkpoint(file: path, message: "cannot read")
        }
        let bytes = [UInt8](d)
        func bad(_ m: String) -> TrainerError { .checkpoint(file: path, message: m) }
        guard bytes.count >= 8 else { throw bad("shorter than the 8-byte header length") }
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        guard n > 0, n <= 100_000_000, 8 + n <= bytes.count else { throw bad("header length \(n) out of range") }
        let header: JSONValue
        do { header = try JSONParser.parse(bytes: Array(bytes[8..<(8 + n)])) } catch { throw bad("header: \(error)") }
        guard let obj = header.objectValue else { throw bad("header is not an object") }
        let base = 8 + n
        var out: [String: Tensor] = [:]
        for (name, v) in obj where name != "__metadata__" {
            guard v["dtype"]?.stringValue == "F32" else { throw bad("\(name): only F32 tensors are supported, found \(v["dtype"]?.stringValue ?? "?")") }
            guard let shape = v["shape"]?.arrayValue?.compactMap({ $0.intValue }),
                  let offs = v["data_offsets"]?.arrayValue?.compactMap({ $0.intValue }), offs.count == 2 else { throw bad("\(name): bad entry") }
            let count = shape.reduce(1, *)
            guard offs[1] - offs[0] == count * 4, base + offs[1] <= bytes.count, offs[0] >= 0 else { throw bad("\(name): data_offsets do not match shape") }
            var data = [Float](repeating: 0, count: count)
            data.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(base + offs[0])..<(base + offs[1])]))
                }
            }
            out[name] = Tensor(shape: shape, data: data)
        }
        return out
    }
}
