// SIMD helpers for the elementwise hot loops (softmax, cross-entropy, SwiGLU). exp uses the Cephes expf scheme
// (range reduction by ln 2, degree-6 polynomial, exponent bits), relative error ~1e-7 for x in [−87, 88].

import CTrainerKernels
import Foundation

typealias F8 = SIMD8<Float>

/// Whether this CPU has AVX-512F, which the kernels of CTrainerKernels need.
let cpuHasAVX512 = dft_avx512_available() != 0

/// Whether `DOMAINFORGE_PORTABLE_KERNELS=1` asks for the portable Swift loops even where the CPU has AVX-512F. CI runs
/// the test suite once each way, so no test depends on the vector path to pass.
let portableKernelsRequested: Bool = {
    guard let v = getenv("DOMAINFORGE_PORTABLE_KERNELS") else { return false }
    return String(cString: v) == "1"
}()

/// Whether the exp-heavy loops (cross-entropy, softmax, SwiGLU) and AdamW hand their full chunks to the AVX-512
/// kernels of CTrainerKernels: true when the CPU has AVX-512F and the portable path was not requested. Both paths give
/// the same bits (KernelTests compare them through the functions' `kernels` argument).
let avx512KernelsAvailable = cpuHasAVX512 && !portableKernelsRequested

@inline(__always) func vexp(_ xIn: F8) -> F8 {
    let lo = F8(repeating: -87.0), hi = F8(repeating: 88.0)
    let x = xIn.replacing(with: lo, where: xIn .< lo).replacing(with: hi, where: xIn .> hi)
    // n = round(x / ln 2) with the 1.5·2²³ trick; t's low mantissa bits then hold n
    let magic: Float = 12582912
    let t = x * 1.44269504088896341 + magic
    let n = t - magic
    var r = x - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p = F8(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    let e = (unsafeBitCast(t, to: SIMD8<UInt32>.self) &+ 127) &<< 23
    return p * unsafeBitCast(e, to: F8.self)
}

@inline(__always) func ld(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }
@inline(__always) func st(_ v: F8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self) }

@inline(__always) func load8(_ p: UnsafePointer<Float>, _ count: Int, fill: Float) -> F8 {
    var v = F8(repeating: fill)
    for k in 0..<count { v[k] = p[k] }
    return v
}

@inline(__always) func store8(_ v: F8, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    for k in 0..<count { p[k] = v[k] }
}

/// max of p[0..<n], n ≥ 1 (`kernels`: AVX2 for the full chunks, same result)
func vmax(_ p: UnsafePointer<Float>, _ n: Int, kernels: Bool = avx512KernelsAvailable) -> Float {
    var m = F8(repeating: -.infinity)
    var i = 0
    if kernels && n >= 16 {
        withUnsafeMutableBytes(of: &m) { dft_max_chunks(p, n / 8, $0.baseAddress!.assumingMemoryBound(to: Float.self)) }
        i = n / 8 * 8
    }
    while i + 8 <= n {
        let v = ld(p + i)
        m = m.replacing(with: v, where: v .> m)
        i += 8
    }
    var r = m.max()
    while i < n { r = Swift.max(r, p[i]); i += 1 }
    return r
}

/// p[i] = exp(p[i] − shift) for i < n; returns the sum (fixed lane order, deterministic).
/// `kernels`: use the AVX-512 kernel for the full 8-lane chunks (same bits).
func vexpInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int, shift: Float, kernels: Bool = avx512KernelsAvailable) -> Float {
    var s = F8(repeating: 0)
    var i = 0
    if kernels && n >= 16 {
        let chunks = n / 8
        withUnsafeMutableBytes(of: &s) { dft_exp_shift_chunks(p, chunks, shift, $0.baseAddress!.assumingMemoryBound(to: Float.self)) }
        i = chunks * 8
    }
    let sh = F8(repeating: shift)
    while i + 8 <= n {
        let e = vexp(UnsafeRawPointer(p + i).loadUnaligned(as: F8.self) - sh)
        UnsafeMutableRawPointer(p + i).storeBytes(of: e, as: F8.self)
        s += e
        i += 8
    }
    if i < n {
        let k = n - i
        let e = vexp(load8(p + i, k, fill: shift) - sh)
        var masked = F8(repeating: 0)
        for j in 0..<k { masked[j] = e[j] }
        store8(e, p + i, k)
        s += masked
    }
    return s.sum()
}

/// p[i] *= a for i < n (`kernels`: AVX-512 for the full chunks, same bits)
func vscale(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ a: Float, kernels: Bool = avx512KernelsAvailable) {
    var i = 0
    if kernels && n >= 16 { dft_scale_chunks(p, n / 8, a); i = n / 8 * 8 }
    while i + 8 <= n {
        let v = UnsafeRawPointer(p + i).loadUnaligned(as: F8.self) * a
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: F8.self)
        i += 8
    }
    while i < n { p[i] *= a; i += 1 }
}

/// Σ a[i]·b[i] for i < n: eight lane sums added at the end, then the tail (fixed order, deterministic).
func vdot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s = F8(repeating: 0)
    var i = 0
    while i + 8 <= n { s += ld(a + i) * ld(b + i); i += 8 }
    var r = s.sum()
    while i < n { r += a[i] * b[i]; i += 1 }
    return r
}

/// y[i] += x[i] for i < n
func vaddInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { st(ld(y + i) + ld(x + i), y + i); i += 8 }
    while i < n { y[i] += x[i]; i += 1 }
}
