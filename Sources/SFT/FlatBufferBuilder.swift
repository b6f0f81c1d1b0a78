/// A minimal FlatBuffers builder, enough for Apache Arrow's IPC metadata (`Message`, `Schema`, `Field`,
/// `RecordBatch`). Like the reference builders it writes back to front, so every object referenced by an offset is
/// finished before the object that refers to it; scalars are aligned to their size relative to the end of the
/// buffer, and `finish` pads the front so the whole buffer is a multiple of the largest alignment used.
///
/// The bytes are kept reversed (`rev`), so a little-endian scalar is appended most significant byte first;
/// an "offset" is a position counted from the end of the final buffer (`rev.count` just after writing).
struct FlatBufferBuilder {
    private var rev: [UInt8] = []
    private var minAlign = 1
    private var fields: [(slot: Int, at: Int)] = []
    private var tableStart = 0

    /// Bytes written so far (the offset of the last object written).
    var offset: Int { rev.count }

    /// Pads so that after `additional` more bytes the position is a multiple of `size` (a power of two).
    mutating func prep(_ size: Int, _ additional: Int) {
        minAlign = max(minAlign, size)
        let pad = (~(rev.count + additional) &+ 1) & (size - 1)
        rev.append(contentsOf: repeatElement(0, count: pad))
    }

    /// Appends a little-endian scalar, aligned to its size.
    mutating func put<T: FixedWidthInteger>(_ v: T) {
        let size = MemoryLayout<T>.size
        prep(size, 0)
        for k in stride(from: size - 1, through: 0, by: -1) { rev.append(UInt8(truncatingIfNeeded: v >> (8 * k))) }
    }

    /// Appends a reference to the object at `target` (a uoffset, relative to where it is stored).
    mutating func putOffset(_ target: Int) {
        prep(4, 0)
        put(UInt32(rev.count + 4 - target))
    }

    /// A string: its byte count, the UTF-8 bytes and a NUL. Returns its offset.
    mutating func string(_ s: String) -> Int {
        let bytes = Array(s.utf8)
        prep(4, bytes.count + 1)
        rev.append(0)
        rev.append(contentsOf: bytes.reversed())
        put(UInt32(bytes.count))
        return offset
    }

    /// A vector of references to objects already written. Returns its offset.
    mutating func offsetVector(_ targets: [Int]) -> Int {
        prep(4, 4 * targets.count)
        for t in targets.reversed() { putOffset(t) }
        put(UInt32(targets.count))
        return offset
    }

    /// A vector of structs made of two 64-bit integers each (Arrow's `FieldNode` and `Buffer`). Returns its offset.
    mutating func pairVector(_ pairs: [(Int64, Int64)]) -> Int {
        prep(4, 16 * pairs.count)
        prep(8, 16 * pairs.count)
        for (a, b) in pairs.reversed() { put(b); put(a) }
        put(UInt32(pairs.count))
        return offset
    }

    mutating func startTable() {
        fields.removeAll()
        tableStart = offset
    }

    /// Adds a scalar field of the table being built.
    mutating func field<T: FixedWidthInteger>(_ slot: Int, _ v: T) {
        put(v)
        fields.append((slot, offset))
    }

    /// Adds an offset field (string, vector or table written before `startTable`).
    mutating func offsetField(_ slot: Int, _ target: Int) {
        putOffset(target)
        fields.append((slot, offset))
    }

    /// Ends the table: writes its vtable just before it. Returns the table's offset.
    mutating func endTable() -> Int {
        put(Int32(0))
        let table = offset
        let slots = (fields.map(\.slot).max() ?? -1) + 1
        var entries = [UInt16](repeating: 0, count: slots)
        for f in fields { entries[f.slot] = UInt16(table - f.at) }
        for e in entries.reversed() { put(e) }
        put(UInt16(table - tableStart))
        put(UInt16(4 + 2 * slots))
        // The table starts with the signed distance back to its vtable (vtable = table - value).
        let rel = UInt32(bitPattern: Int32(offset - table))
        for k in 0..<4 { rev[table - 4 + k] = UInt8(truncatingIfNeeded: rel >> (8 * (3 - k))) }
        return table
    }

    /// The finished buffer with `root` as its root table.
    mutating func finish(root: Int) -> [UInt8] {
        prep(minAlign, 4)
        putOffset(root)
        return rev.reversed()
    }
}
