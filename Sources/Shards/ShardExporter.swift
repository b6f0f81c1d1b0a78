import DomainForgeCore
import Foundation

/// `pipeline export DIR --format megatron|nanogpt|jsonl -o OUT`: converts a shard folder for other trainers.
public enum ShardExporter {
    public enum Format: String, Sendable, CaseIterable { case megatron, nanogpt, jsonl }

    /// Megatron-LM `IndexedDataset` dtype codes (megatron/core/datasets/indexed_dataset.py).
    static let megatronUInt16: UInt8 = 8
    static let megatronInt32: UInt8 = 4

    /// Exports. For `megatron`, `out` is a path prefix: `OUT.bin` and `OUT.idx` are written; for `nanogpt` a single
    /// raw uint16 file or a folder (see `NanoGPTExporter`); for `jsonl` one `{"id","ids"}` line per sample, plus
    /// `"loss_mask"` when the shards have one (SFT). Returns the number of samples written. The output's folder is
    /// created. `verifyHashes` false skips the shard sha256 checks (`--no-verify`); `valFraction` is for nanoGPT only.
    @discardableResult
    public static func export(directory: String, format: Format, out: String, verifyHashes: Bool = true,
                              valFraction: Double? = nil) throws -> Int {
        if valFraction != nil && format != .nanogpt {
            throw ShardError(file: out, message: "a validation fraction is for the nanogpt format only")
        }
        let reader = try ShardReader(directory: directory, verifyHashes: verifyHashes)
        if format != .nanogpt { try makeDirectory(parentFolder(of: out)) }
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
                if let mask = s.lossMask {
                    line.append(contentsOf: "],\"loss_mask\":[".utf8)
                    for (k, m) in mask.enumerated() {
                        if k > 0 { line.append(UInt8(ascii: ",")) }
                        line.append(contentsOf: String(m).utf8)
                    }
                }
                line.append(contentsOf: "]}\n".utf8)
                try f.write(line)
                n += 1
                return true
            }
            try f.commit()
            return n
        case .nanogpt:
            return try NanoGPTExporter.export(reader: reader, directory: directory, out: out, valFraction: valFraction).total
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

    /// The folder a file path is in ("." for a bare name).
    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
