// Block-wise quantized storage for frozen weights (QLoRA's NF4, or int8): the flattened matrix is cut into blocks of
// 64 values (the last one may be shorter); each block keeps its absolute maximum as a float32 scale and one code per
// value. NF4 codes index the 16 NormalFloat levels (two codes per byte, low nibble first); int8 codes are
// round(127 · x / absmax).

/// A quantized float32 matrix, dequantized on demand.
public struct QuantizedMatrix: Sendable {
    /// 4-bit NormalFloat codes or int8 codes, both with a float32 absmax per block.
    public enum Format: String, Sendable { case nf4, int8 }

    /// Values per block.
    public static let blockSize = 64

    /// The 16 NF4 levels (QLoRA, Dettmers et al. 2023, appendix E): quantiles of N(0, 1) normalised to [-1, 1],
    /// with an exact zero.
    public static let nf4Levels: [Float] = [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
        -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
        0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
        0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
    ]

    /// The code format.
    public let format: Format
    /// Number of values.
    public let count: Int
    /// One absmax per block.
    public private(set) var scales: [Float]
    /// NF4: ⌈count / 2⌉ bytes; int8: `count` bytes.
    public private(set) var codes: [UInt8]

    /// Bytes of storage (codes and scales).
    public var byteCount: Int { codes.count + 4 * scales.count }

    /// Quantizes `count` floats from `values`.
    public init(_ values: UnsafePointer<Float>, count: Int, format: Format) {
        self.format = format
        self.count = count
        let blocks = (count + Self.blockSize - 1) / Self.blockSize
        scales = [Float](repeating: 0, count: blocks)
        codes = [UInt8](repeating: 0, count: format == .nf4 ? (count + 1) / 2 : count)
        let levels = Self.nf4Levels
        for b in 0..<blocks {
            let lo = b * Self.blockSize, hi = min(count, lo + Self.blockSize)
            var m: Float = 0
            for i in lo..<hi { m = max(m, abs(values[i])) }
            scales[b] = m
            let inv: Float = m > 0 ? 1 / m : 0
            for i in lo..<hi {
                let x = values[i] * inv
                switch format {
                case .int8:
                    codes[i] = UInt8(bitPattern: Int8(max(-127, min(127, (x * 127).rounded()))))
                case .nf4:
                    let c = UInt8(Self.nearestNF4(x, levels))
                    if i & 1 == 0 { codes[i >> 1] |= c } else { codes[i >> 1] |= c << 4 }
                }
            }
        }
    }

    /// Index of the NF4 level nearest to `x` ∈ [-1, 1] (ties go to the lower level).
    static func nearestNF4(_ x: Float, _ levels: [Float]) -> Int {
        var best = 0, bestD = Float.infinity
        for (j, l) in levels.enumerated() {
            let d = abs(x - l)
            if d < bestD { bestD = d; best = j }
        }
        return best
    }

    /// Writes the `count` dequantized floats to `out`.
    public func dequantize(into out: UnsafeMutablePointer<Float>) {
        scales.withUnsafeBufferPointer { sc in
            codes.withUnsafeBufferPointer { cd in
                switch format {
                case .int8:
                    for b in 0..<sc.count {
                        let lo = b * Self.blockSize, hi = min(count, lo + Self.blockSize), s = sc[b] / 127
                        for i in lo..<hi { out[i] = Float(Int8(bitPattern: cd[i])) * s }
                    }
                case .nf4:
                    Self.nf4Levels.withUnsafeBufferPointer { lv in
                        for b in 0..<sc.count {
                            let lo = b * Self.blockSize, hi = min(count, lo + Self.blockSize), s = sc[b]
                            for i in lo..<hi {
                                let byte = cd[i >> 1]
                                out[i] = lv[Int(i & 1 == 0 ? byte & 0x0F : byte >> 4)] * s
                            }
                        }
                    }
                }
            }
        }
    }

    /// The dequantized values as an array.
    public func dequantized() -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { dequantize(into: $0.baseAddress!) }
        return out
    }
}
