import Foundation
import Testing
@testable import Trainer

/// The AVX-512 kernels of CTrainerKernels (used where the CPU has AVX-512F) give the same bits as the portable Swift
/// loops they replace. The comparisons call the kernels explicitly, so they need a CPU with AVX-512F and skip visibly
/// elsewhere; `DOMAINFORGE_PORTABLE_KERNELS=1` (one CI step) switches the rest of the suite to the portable loops.
@Suite struct KernelTests {
    func bits(_ a: [Float]) -> [UInt32] { a.map(\.bitPattern) }

    @Test(.enabled(if: cpuHasAVX512, "needs a CPU with AVX-512F to run the kernels it compares"))
    func expShiftSameBits() {
        for n in [1, 9, 16, 24, 40, 1000, 8192, 8195] {
            var x = randomArray(n, seed: UInt64(n), scale: 40)
            x[0] = -300
            if n > 1 { x[1] = 200 }
            var a = x, b = x
            let sa = a.withUnsafeMutableBufferPointer { vexpInPlace($0.baseAddress!, n, shift: 3, kernels: false) }
            let sb = b.withUnsafeMutableBufferPointer { vexpInPlace($0.baseAddress!, n, shift: 3, kernels: true) }
            #expect(sa.bitPattern == sb.bitPattern)
            #expect(bits(a) == bits(b))
        }
    }

    @Test(.enabled(if: cpuHasAVX512, "needs a CPU with AVX-512F to run the kernels it compares"))
    func swigluSameBits() {
        for n in [7, 8, 16, 24, 3 * 683 + 5] {
            let g = randomArray(n, seed: 21, scale: 20), u = randomArray(n, seed: 22, scale: 2), dh = randomArray(n, seed: 23)
            var h0 = [Float](repeating: 0, count: n), h1 = h0, dg0 = h0, dg1 = h0, du0 = h0, du1 = h0
            swigluForward(&h0, g: g, u: u, count: n, kernels: false)
            swigluForward(&h1, g: g, u: u, count: n, kernels: true)
            swigluBackward(dg: &dg0, du: &du0, dh: dh, g: g, u: u, count: n, kernels: false)
            swigluBackward(dg: &dg1, du: &du1, dh: dh, g: g, u: u, count: n, kernels: true)
            #expect(bits(h0) == bits(h1))
            #expect(bits(dg0) == bits(dg1) && bits(du0) == bits(du1))
        }
    }

    @Test(.enabled(if: cpuHasAVX512, "needs a CPU with AVX-512F to run the kernels it compares"))
    func maxAndScaleSameBits() {
        for n in [1, 9, 16, 24, 40, 8192, 8195] {
            let x = randomArray(n, seed: UInt64(n) + 7, scale: 10)
            let ma = x.withUnsafeBufferPointer { vmax($0.baseAddress!, n, kernels: false) }
            let mb = x.withUnsafeBufferPointer { vmax($0.baseAddress!, n, kernels: true) }
            #expect(ma.bitPattern == mb.bitPattern && ma == x.max()!)
            var a = x, b = x
            a.withUnsafeMutableBufferPointer { vscale($0.baseAddress!, n, 0.37, kernels: false) }
            b.withUnsafeMutableBufferPointer { vscale($0.baseAddress!, n, 0.37, kernels: true) }
            #expect(bits(a) == bits(b))
        }
    }

    /// AdamW.step (AVX-512 kernel where available and not switched off, 8-lane Swift loop, scalar tail) gives the bits
    /// of the scalar formula; this one runs on every CPU and checks whichever path is active.
    @Test func adamWSameBitsAsScalarFormula() throws {
        let m = try LlamaModel(config: tinyConfig)
        let n = m.parameterCount
        let p0 = randomArray(n, seed: 31), g = randomArray(n, seed: 32, scale: 0.1)
        for i in 0..<n { m.params[i] = p0[i]; m.grads[i] = g[i] }
        let opt = AdamW(parameterCount: n, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1)
        var p = p0, mm = [Float](repeating: 0, count: n), vv = mm
        for step in 1...3 {
            opt.step(model: m, lr: 1e-2)
            let c1 = 1 / (1 - Float(pow(Double(Float(0.9)), Double(step)))), c2 = 1 / (1 - Float(pow(Double(Float(0.95)), Double(step))))
            let (b1, b2, e, lr): (Float, Float, Float, Float) = (0.9, 0.95, 1e-8, 1e-2)
            for t in m.layout.tensors {
                let wd: Float = t.decays ? 0.1 : 0
                for i in t.offset..<(t.offset + t.count) {
                    let gi = g[i]
                    let mi = b1 * mm[i] + (1 - b1) * gi
                    let vi = b2 * vv[i] + (1 - b2) * gi * gi
                    mm[i] = mi; vv[i] = vi
                    p[i] -= lr * ((mi * c1) / ((vi * c2).squareRoot() + e) + wd * p[i])
                }
            }
            let same = bits(Array(m.params)) == bits(p)
            #expect(same, "step \(step)")
        }
    }
}
