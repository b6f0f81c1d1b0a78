// The seven linear projections of a decoder layer go through these two functions: a plain product with the float32
// weight, or, with a LoRA adapter attached, the frozen (possibly quantized) base product plus the adapter path and no
// base weight gradient.
import COpenBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension LlamaModel {
    /// Offset of a projection's weight in `params`.
    func projectionOffset(_ m: LoRAConfig.Module, layer l: Int) -> Int {
        let w = layout.layers[l]
        switch m {
        case .q: return w.wq
        case .k: return w.wk
        case .v: return w.wv
        case .o: return w.wo
        case .gate: return w.wg
        case .up: return w.wu
        case .down: return w.wd
        }
    }

    /// The frozen base weight of a projection: in `params`, or dequantized into the workspace.
    func baseWeight(_ m: LoRAConfig.Module, layer l: Int, _ lora: LoRAAdapter, _ ws: LoRAWorkspace) -> CFPtr {
        if lora.quantized.isEmpty { return UnsafePointer(params.baseAddress! + projectionOffset(m, layer: l)) }
        lora.quantized[l][m.order].dequantize(into: ws.weight)
        return UnsafePointer(ws.weight)
    }

    /// out[N, o] = inp[N, i]·Wᵀ (+ the adapter path).
    func projectForward(_ m: LoRAConfig.Module, layer l: Int, out: FPtr, inp: CFPtr, n: Int, _ a: Activations) {
        let (i, o) = LoRAAdapter.dims(m, config)
        guard let lora else {
            linearForward(out, inp, params.baseAddress! + projectionOffset(m, layer: l), n: n, i: i, o: o)
            return
        }
        let ws = lora.workspace(for: a, model: config)
        linearForward(out, inp, baseWeight(m, layer: l, lora, ws), n: n, i: i, o: o)
        if let si = lora.slotIndex[l][m.order] { lora.forward(lora.slots[si], index: si, out: out, inp: inp, n: n, row: a.rowOffset, ws) }
    }

    /// dinp (= or += with `accumulate`) = dout·W (+ the adapter path); dW += doutᵀ·inp for a trainable base, or the
    /// adapter's dA, dB with a frozen one.
    /// `g` is the trainable gradient buffer: laid out like `params` without an adapter, like the adapter's with one.
    func projectBackward(_ m: LoRAConfig.Module, layer l: Int, dinp: FPtr, dout: CFPtr, inp: CFPtr, n: Int, accumulate: Bool = false,
                         grads g: FPtr, _ a: Activations) {
        let (i, o) = LoRAAdapter.dims(m, config)
        let off = projectionOffset(m, layer: l)
        guard let lora else {
            linearBackward(dinp: dinp, dw: prefix == nil ? g + off : nil, dout: dout, inp: inp, w: params.baseAddress! + off, n: n, i: i, o: o,
                           accumulate: accumulate)
            return
        }
        let ws = lora.workspace(for: a, model: config)
        let w = baseWeight(m, layer: l, lora, ws)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(i), Int32(o), 1, dout, Int32(o), w, Int32(i),
                    accumulate ? 1 : 0, dinp, Int32(i))
        if let si = lora.slotIndex[l][m.order] {
            lora.backward(lora.slots[si], index: si, dinp: dinp, dout: dout, inp: inp, n: n, row: a.rowOffset, grads: g, ws)
        }
    }

    // ------------------------------------------------------------------------
    // Attaching, merging, quantizing

    /// Attaches `adapter` and freezes the base: the base gradient buffer is released and `backward` computes only
    /// input gradients and the adapter's gradients. With `adapter.config.baseQuantization` nf4 or int8 the seven
    /// projections of every layer are quantized and their float32 copies in `params` released (read as zeros).
    public func attach(lora adapter: LoRAAdapter) throws {
        guard lora == nil else { throw TrainerError.config("a LoRA adapter is already attached") }
        guard adapter.slots.allSatisfy({ $0.layer < config.numLayers && LoRAAdapter.dims($0.module, config) == ($0.inDim, $0.outDim) }) else {
            throw TrainerError.config("the adapter does not fit this model's dimensions")
        }
        releaseGradients()
        let fmt: QuantizedMatrix.Format? = switch adapter.config.baseQuantization {
        case .none: nil
        case .nf4: .nf4
        case .int8: .int8
        }
        if let fmt {
            adapter.quantized = (0..<config.numLayers).map { l in
                LoRAConfig.Module.allCases.map { m in
                    let (i, o) = LoRAAdapter.dims(m, config)
                    return QuantizedMatrix(params.baseAddress! + projectionOffset(m, layer: l), count: i * o, format: fmt)
                }
            }
            for l in 0..<config.numLayers {
                for m in LoRAConfig.Module.allCases {
                    let (i, o) = LoRAAdapter.dims(m, config)
                    releaseMemory(params.baseAddress! + projectionOffset(m, layer: l), count: i * o)
                }
            }
        }
        lora = adapter
    }

    /// Bytes holding the frozen projection weights: float32 in `params`, or the quantized codes and scales.
    public var projectionWeightBytes: Int {
        if let q = lora?.quantized, !q.isEmpty { return q.joined().reduce(0) { $0 + $1.byteCount } }
        return (0..<config.numLayers).reduce(0) { s, _ in
            s + LoRAConfig.Module.allCases.reduce(0) { let (i, o) = LoRAAdapter.dims($1, config); return $0 + 4 * i * o }
        }
    }

    /// Folds the attached adapter into the float32 base (W += s·B·A) and detaches it. Returns the adapter, which
    /// `unmerge(_:)` subtracts again. Not possible with a quantized base.
    public func mergeLoRA() throws -> LoRAAdapter {
        guard let adapter = lora else { throw TrainerError.config("no LoRA adapter attached") }
        guard adapter.quantized.isEmpty else { throw TrainerError.config("cannot merge into a quantized base") }
        adapter.addDelta(to: self, sign: 1)
        lora = nil
        return adapter
    }

    /// Subtracts a merged adapter's s·B·A from the base weights (the inverse of `mergeLoRA`, up to rounding).
    public func unmerge(_ adapter: LoRAAdapter) {
        adapter.addDelta(to: self, sign: -1)
    }

    /// Zeroes `count` floats at `p` and gives their whole pages back to the system (Linux), so a quantized base does
    /// not keep its float32 copy resident.
    private func releaseMemory(_ p: FPtr, count: Int) {
        #if os(Linux)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lo = Int(bitPattern: p), hi = lo + 4 * count
        let start = (lo + page - 1) / page * page, end = hi / page * page
        if end > start {
            (p).update(repeating: 0, count: (start - lo) / 4)
            let tail = UnsafeMutablePointer<Float>(bitPattern: end)!
            tail.update(repeating: 0, count: (hi - end) / 4)
            _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, Int32(MADV_DONTNEED))
            return
        }
        #endif
        p.update(repeating: 0, count: count)
    }
}

/// Per-Activations scratch of a LoRA adapter: z = drop(x)·Aᵀ of every slot (kept from forward to backward), dz,
/// the dropped input, and the dequantized weight of the current projection.
final class LoRAWorkspace {
    let maxN: Int
    let z: [FPtr]
    let dz: FPtr, xd: FPtr, weight: FPtr

    init(maxN: Int, rank: Int, slots: Int, xd xdCount: Int, weight weightCount: Int) {
        self.maxN = maxN
        func a(_ n: Int) -> FPtr { let p = FPtr.allocate(capacity: max(n, 1)); p.initialize(repeating: 0, count: max(n, 1)); return p }
        z = (0..<slots).map { _ in a(maxN * rank) }
        dz = a(maxN * rank); xd = a(xdCount); weight = a(weightCount)
    }

    func release() {
        for p in z { p.deallocate() }
        dz.deallocate(); xd.deallocate(); weight.deallocate()
    }
}
