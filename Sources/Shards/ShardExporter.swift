import DomainForgeCore
import Foundation

/// `pipeline export DIR --format megatron|nanogpt|jsonl -o OUT`: converts a shard folder for other trainers.
public enum ShardExporter {
    public enum Format: String, Sendable, CaseIterable { case megatron, nanogpt, jsonl }

    /// Megatron-LM `IndexedDataset` dtype codes (megatron/core/datasets/indexed_dataset.py).
    static let megatronUInt16: UInt8 = 8
    static let megatronInt32: UInt8 = 4

    /// Exports. For `megatron`, `out` is a path prefix: `OUT.bin` and `OUT.idx` are written; for `nanogpt` a single
    /// raw uint16 file; for `jsonl` one `{"id","ids"}` line per sample. Returns the number of samples written.
    /// `verifyHashes` false skips the shard sha256 checks (`--no-verify`).
    @discardableResult
    public static func export(directory: String, format: Format, out: String, verifyHashes: Bool = true) throws -> Int {
        let reader = try ShardReader(directory: directory, verifyHashes: verifyHashes)
        switch format {
        case .jsonl:
            let f = try AtomicOutputFile(path: out)
            var n = 0
            var line = [UInt8]()
            try reader.forEach { s in
                line.removeAll(keepingCapacity: true)
                line.append(contentsOf: "{\"id\":".utf8)
                JSONWriter.writeString(s.id, into: &line)
                line.append(contentsOf: ",\"ids\":[".utf8)
                for (k, t) in s.tokens.enumerated() {
                    if k > 0 { line.append(UInt8(ascii: ",")) }
                    line.append(contentsOf: String(t).utf8)
                }
                line.append(contentsOf: "]}\n".utf8)
                try f.write(line)
                n += 1
                return true
            }
            try f.commit()
            return n
        case .nanogpt:
            let vocab = reader.manifest?.tokenizer.vocabSize ?? (reader.dtype == .uint16 ? 65_536 : Int.max)
            guard vocab <= 65_536 else { throw ShardError(file: directory, message: "nanoGPT files are uint16; this vocabulary (\(vocab)) does not fit") }
            let f = try AtomicOutputFile(path: out)
            var n = 0
            var bytes = [UInt8]()
            try reader.forEach { s in
                bytes.removeAll(keepingCapacity: true)
                for t in s.tokens {
                    guard t <= 0xFFFF else { throw ShardError(file: directory, message: "token \(t) does not fit uint16") }
                    bytes.append(UInt8(t & 0xFF)); bytes.append(UInt8(t >> 8))
                }
                try f.write(bytes)
                n += 1
                return true
            }
            try f.commit()
            return n
        case .megatron:
            // uint16 when the vocabulary is below 65,500 (as Megatron's own preprocessing chooses), else int32.
            let vocab = reader.manifest?.tokenizer.vocabSize ?? (reader.dtype == .uint16 ? 65_500 : 1 << 31)
            let small = vocab < 65_500
            let bin = try AtomicOutputFile(path: out + ".bin")
            var lengths = [Int32]()
            var bytes = [UInt8]()
            try reader.forEach { s in
                bytes.removeAll(keepingCapacity: true)
                for t in s.tokens {
                    if small { bytes.append(UInt8(t & 0xFF)); bytes.append(UInt8(t >> 8)) }
                    else { withUnsafeBytes(of: Int32(bitPattern: t).littleEndian) { bytes.append(contentsOf: $0) } }
                }
                try bin.write(bytes)
                lengths.append(Int32(s.tokens.count))
                return true
            }
            var idx = [UInt8]()
            idx.append(contentsOf: Array("MMIDIDX".utf8) + [0, 0])
            func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { idx.append(contentsOf: $0) } }
            u64(1)
            idx.append(small ? megatronUInt16 : megatronInt32)
            u64(UInt64(lengths.count))
            u64(UInt64(lengths.count + 1))
            for l in lengths { withUnsafeBytes(of: l.littleEndian) { idx.append(contentsOf: $0) } }
            var pointer: Int64 = 0
            let width: Int64 = small ? 2 : 4
            for l in lengths {
                withUnsafeBytes(of: pointer.littleEndian) { idx.append(contentsOf: $0) }
                pointer += Int64(l) * width
            }
            for d in 0...lengths.count { withUnsafeBytes(of: Int64(d).littleEndian) { idx.append(contentsOf: $0) } }
            let idxFile = try AtomicOutputFile(path: out + ".idx")
            try idxFile.write(idx)
            try bin.commit()
            try idxFile.commit()
            return lengths.count
        }
    }
}
