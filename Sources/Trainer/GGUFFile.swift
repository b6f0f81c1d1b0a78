import DomainForgeCore
import Foundation

/// A GGUF version 3 file writer (the format of llama.cpp, as its `docs/gguf.md` specifies it), little-endian:
///
/// 1. header: magic `GGUF`, version (u32 3), tensor count (u64), metadata count (u64);
/// 2. metadata: key (u64 length + UTF-8), value type (u32), value; strings are u64 length + bytes, arrays an
///    element type (u32), a count (u64) and the elements;
/// 3. tensor infos: name, dimension count (u32), dimensions (u64 each, innermost first: a row-major [rows, cols]
///    matrix is `[cols, rows]`), ggml type (u32), offset of the data from the start of the data section (u64,
///    a multiple of the alignment);
/// 4. padding to the alignment (`general.alignment`, 32 by default), then the tensor data, each tensor padded.
public struct GGUFFile {
    /// A metadata value.
    public enum Value {
        case uint32(UInt32), int32(Int32), float32(Float), bool(Bool), string(String), uint64(UInt64)
        case strings([String]), int32s([Int32])
    }

    /// ggml tensor types written here.
    public enum TensorType: UInt32, Sendable, CaseIterable {
        case f32 = 0, f16 = 1, q8_0 = 8

        /// Bytes of `count` values (q8_0: blocks of 32 values, an f16 scale and 32 int8 each).
        public func byteCount(_ count: Int) -> Int {
            switch self {
            case .f32: return count * 4
            case .f16: return count * 2
            case .q8_0: return count / 32 * 34
            }
        }
    }

    /// A tensor to write: dimensions innermost first, and a closure producing its data in `type`.
    public struct Tensor {
        public var name: String
        public var dims: [Int]
        public var type: TensorType
        public var data: () -> [UInt8]
        public init(name: String, dims: [Int], type: TensorType, data: @escaping () -> [UInt8]) {
            self.name = name; self.dims = dims; self.type = type; self.data = data
        }
    }

    public static let alignment = 32
    public var metadata: [(key: String, value: Value)] = []
    public var tensors: [Tensor] = []

    public init() {}

    /// Writes the file atomically (a temporary name renamed at the end); tensor data is produced one tensor at a time.
    public func write(path: String) throws {
        let f = try AtomicOutputFile(path: path)
        var head = [UInt8]()
        head += Array("GGUF".utf8)
        Self.put(UInt32(3), &head)
        Self.put(UInt64(tensors.count), &head)
        Self.put(UInt64(metadata.count + 1), &head)
        Self.putString("general.alignment", &head)
        Self.put(UInt32(4), &head)
        Self.put(UInt32(Self.alignment), &head)
        for (k, v) in metadata {
            Self.putString(k, &head)
            Self.putValue(v, &head)
        }
        var offset = 0
        for t in tensors {
            Self.putString(t.name, &head)
            Self.put(UInt32(t.dims.count), &head)
            for d in t.dims { Self.put(UInt64(d), &head) }
            Self.put(t.type.rawValue, &head)
            Self.put(UInt64(offset), &head)
            offset += Self.padded(t.type.byteCount(t.dims.reduce(1, *)))
        }
        head += [UInt8](repeating: 0, count: Self.padded(head.count) - head.count)
        try f.write(head)
        for t in tensors {
            let d = t.data()
            let expected = t.type.byteCount(t.dims.reduce(1, *))
            guard d.count == expected else {
                throw TrainerError.config("GGUF tensor \(t.name): \(d.count) bytes of data for \(expected) expected")
            }
            try f.write(d + [UInt8](repeating: 0, count: Self.padded(d.count) - d.count))
        }
        try f.commit()
    }

    static func padded(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    static func put<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    static func putString(_ s: String, _ out: inout [UInt8]) {
        let u = Array(s.utf8)
        put(UInt64(u.count), &out)
        out += u
    }

    static func putValue(_ v: Value, _ out: inout [UInt8]) {
        switch v {
        case .uint32(let x): put(UInt32(4), &out); put(x, &out)
        case .int32(let x): put(UInt32(5), &out); put(x, &out)
        case .float32(let x): put(UInt32(6), &out); put(x.bitPattern, &out)
        case .bool(let x): put(UInt32(7), &out); out.append(x ? 1 : 0)
        case .string(let x): put(UInt32(8), &out); putString(x, &out)
        case .uint64(let x): put(UInt32(10), &out); put(x, &out)
        case .strings(let xs):
            put(UInt32(9), &out); put(UInt32(8), &out); put(UInt64(xs.count), &out)
            for x in xs { putString(x, &out) }
        case .int32s(let xs):
            put(UInt32(9), &out); put(UInt32(5), &out); put(UInt64(xs.count), &out)
            for x in xs { put(x, &out) }
        }
    }

    // MARK: tensor encodings

    /// Little-endian float32 bytes.
    public static func f32Bytes(_ x: UnsafeBufferPointer<Float>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(x.count * 4)
        for v in x { put(v.bitPattern, &out) }
        return out
    }

    /// IEEE half-precision bytes (round to nearest even).
    public static func f16Bytes(_ x: UnsafeBufferPointer<Float>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(x.count * 2)
        for v in x { put(halfBits(v), &out) }
        return out
    }

    /// ggml's Q8_0 (its reference quantizer): per block of 32, d = max|x| / 127 stored as f16, q = round(x / d)
    /// (half away from zero) as int8. `x.count` must be a multiple of 32.
    public static func q8_0Bytes(_ x: UnsafeBufferPointer<Float>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(x.count / 32 * 34)
        for b in stride(from: 0, to: x.count, by: 32) {
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(x[b + j])) }
            let d = amax / 127
            let id: Float = d == 0 ? 0 : 1 / d
            put(halfBits(d), &out)
            for j in 0..<32 { out.append(UInt8(bitPattern: Int8((x[b + j] * id).rounded()))) }
        }
        return out
    }

    /// The binary16 bit pattern of `v`, rounded to nearest even (as numpy's astype(float16)).
    static func halfBits(_ v: Float) -> UInt16 {
        let b = v.bitPattern
        let sign = UInt16((b >> 16) & 0x8000)
        let exp = Int((b >> 23) & 0xFF), man = b & 0x7F_FFFF
        if exp == 0xFF { return sign | 0x7C00 | (man != 0 ? 0x200 : 0) }
        let e = exp - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            guard e >= -10 else { return sign }
            let m = man | 0x80_0000
            let shift = UInt32(14 - e)
            var h = m >> shift
            let rest = m & ((1 << shift) - 1), half = UInt32(1) << (shift - 1)
            if rest > half || (rest == half && (h & 1) == 1) { h += 1 }
            return sign | UInt16(h)
        }
        var h = UInt32(e) << 10 | (man >> 13)
        let rest = man & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1) { h += 1 }  // a carry into the exponent is correct
        return sign | UInt16(h)
    }
}
