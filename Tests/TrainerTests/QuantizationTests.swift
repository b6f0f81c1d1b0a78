import Testing
@testable import Trainer

@Suite struct QuantizationTests {
    @Test func nf4CodeTable() {
        let l = QuantizedMatrix.nf4Levels
        #expect(l.count == 16)
        #expect(l[0] == -1 && l[7] == 0 && l[15] == 1)
        #expect(zip(l, l.dropFirst()).allSatisfy { $0 < $1 })
        // the published values (bitsandbytes / QLoRA appendix E), bit for bit as float32
        #expect(l == [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                      -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                      0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                      0.7229568362236023, 1.0] as [Float])
    }

    /// Values that are levels times the block absmax come back exactly, codes packed low nibble first.
    @Test func nf4LevelsRoundTripExactly() {
        let v: [Float] = (0..<64).map { QuantizedMatrix.nf4Levels[$0 % 16] * 2 }
        let q = QuantizedMatrix(v, count: v.count, format: .nf4)
        #expect(q.scales == [2])
        #expect(q.codes.count == 32 && q.codes[0] == 0x10 && q.codes[1] == 0x32)
        #expect(q.dequantized() == v)
    }

    @Test(arguments: [QuantizedMatrix.Format.nf4, .int8]) func errorBounds(_ f: QuantizedMatrix.Format) {
        let v = randomArray(64 * 10, seed: 3, scale: 0.5)
        let q = QuantizedMatrix(v, count: v.count, format: f)
        let d = q.dequantized()
        let levels = QuantizedMatrix.nf4Levels
        let halfGap = zip(levels, levels.dropFirst()).map { ($1 - $0) / 2 }.max()!     // 0.1385…, between 0.7230 and 1
        for b in 0..<10 {
            let block = b * 64..<(b + 1) * 64
            let absmax = block.map { abs(v[$0]) }.max()!
            #expect(q.scales[b] == absmax)
            let bound = f == .nf4 ? halfGap * absmax * 1.0001 : absmax / 254 * 1.0001
            let worst = block.map { abs(v[$0] - d[$0]) }.max()!
            #expect(worst <= bound, "block \(b): \(worst) > \(bound)")
            // the block maximum itself is exact
            let i = block.first { abs(v[$0]) == absmax }!
            #expect(d[i] == v[i])
        }
        #expect(q.byteCount == (f == .nf4 ? 320 : 640) + 40)
    }

    /// 150 values: blocks of 64, 64 and 22, the last scaled by its own absmax; an odd count leaves a half byte.
    @Test(arguments: [QuantizedMatrix.Format.nf4, .int8]) func partialLastBlock(_ f: QuantizedMatrix.Format) {
        var v = randomArray(150, seed: 4, scale: 1)
        v[149] = 0.001
        for i in 128..<149 { v[i] = Float(i - 128) * 0.0001 }
        let q = QuantizedMatrix(v, count: 150, format: f)
        #expect(q.scales.count == 3)
        #expect(q.scales[2] == v[128..<150].map(abs).max()! && q.scales[2] < 0.0021)
        let d = q.dequantized()
        let tailErr = (128..<150).map { abs(v[$0] - d[$0]) }.max()!
        #expect(tailErr <= 0.0021 * (f == .nf4 ? 0.139 : 1.0 / 254 * 1.0001), "tail error \(tailErr) uses the tail's own scale")
        let odd = QuantizedMatrix(Array(v[0..<129]), count: 129, format: f)
        #expect(odd.codes.count == (f == .nf4 ? 65 : 129) && odd.scales.count == 3)
        #expect(odd.dequantized()[0..<128] == d[0..<128])
    }

    @Test func zeroAndTinyBlocks() {
        let z = QuantizedMatrix([Float](repeating: 0, count: 70), count: 70, format: .nf4)
        #expect(z.dequantized().allSatisfy { $0 == 0 } && z.scales == [0, 0])
        let one = QuantizedMatrix([-3], count: 1, format: .int8)
        #expect(one.dequantized() == [-3] && one.codes == [UInt8(bitPattern: -127)])
        let e = QuantizedMatrix([], count: 0, format: .nf4)
        #expect(e.dequantized().isEmpty && e.byteCount == 0)
    }
}
