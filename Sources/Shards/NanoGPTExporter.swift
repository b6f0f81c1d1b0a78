import DomainForgeCore
import Foundation

/// nanoGPT's data folder: raw little-endian uint16 token files `train.bin` / `val.bin` and `meta.pkl` with
/// `vocab_size` (nanoGPT's `train.py` reads `meta['vocab_size']`, and assumes 50,304 without the file).
///
/// `-o` ending in `.bin` keeps the single-file form (every sample in that file) and writes `meta.pkl` next to it.
/// Any other `-o` is a folder: `train.bin`, `meta.pkl`, and `val.bin` when a validation fraction is given.
/// The split is by sample and deterministic: a sample goes to `val.bin` when `splitKey` of its id, read as a
/// fraction of 2^64, is below the fraction; so a sample keeps its side whatever the order or the other samples.
public enum NanoGPTExporter {
    /// What was written.
    public struct Result: Sendable, Equatable {
        public var trainSamples = 0, valSamples = 0, trainTokens = 0, valTokens = 0
        public var vocabSize = 0
        public var total: Int { trainSamples + valSamples }
    }

    /// Exports the samples of `reader`. `directory` names the shard folder in errors.
    public static func export(reader: ShardReader, directory: String, out: String, valFraction: Double?) throws -> Result {
        let vocab = reader.manifest?.tokenizer.vocabSize ?? (reader.dtype == .uint16 ? 65_536 : Int.max)
        guard vocab <= 65_536 else { throw ShardError(file: directory, message: "nanoGPT files are uint16; this vocabulary (\(vocab)) does not fit") }
        if let f = valFraction, !(f >= 0 && f < 1) {
            throw ShardError(file: out, message: "the validation fraction must be at least 0 and below 1, got \(f)")
        }
        let single = out.hasSuffix(".bin")
        if single && valFraction != nil {
            throw ShardError(file: out, message: "a validation split writes train.bin and val.bin into a folder: give -o a folder, not a .bin file")
        }
        let folder = single ? ShardExporter.parentFolder(of: out) : out
        try makeDirectory(folder)
        let train = try AtomicOutputFile(path: single ? out : folder + "/train.bin")
        let val = (valFraction ?? 0) > 0 ? try AtomicOutputFile(path: folder + "/val.bin") : nil
        let threshold = valFraction.map { UInt64(min(Double(UInt64.max), $0 * 18_446_744_073_709_551_616.0)) } ?? 0
        var r = Result()
        var maxSeen: UInt32 = 0
        var bytes = [UInt8]()
        try reader.forEach { s in
            bytes.removeAll(keepingCapacity: true)
            for t in s.tokens {
                guard t <= 0xFFFF else { throw ShardError(file: directory, message: "token \(t) does not fit uint16") }
                bytes.append(UInt8(t & 0xFF)); bytes.append(UInt8(t >> 8))
                maxSeen = max(maxSeen, t)
            }
            if let val, splitKey(s.id) < threshold {
                try val.write(bytes); r.valSamples += 1; r.valTokens += s.tokens.count
            } else {
                try train.write(bytes); r.trainSamples += 1; r.trainTokens += s.tokens.count
            }
            return true
        }
        if val != nil && (r.valSamples == 0 || r.trainSamples == 0) {
            throw ShardError(file: directory, message: "the validation fraction \(valFraction!) left \(r.valSamples == 0 ? "val.bin" : "train.bin") empty (\(r.total) samples); choose another fraction")
        }
        // Without a manifest the vocabulary is unknown: the smallest one that holds every id seen.
        r.vocabSize = reader.manifest?.tokenizer.vocabSize ?? Int(maxSeen) + 1
        let meta = try AtomicOutputFile(path: folder + "/meta.pkl")
        try meta.write(metaPickle(vocabSize: r.vocabSize))
        try train.commit()
        try val?.commit()
        try meta.commit()
        return r
    }

    /// The 64-bit key that decides a sample's side: FNV-1a of the id, then the splitmix64 finalizer (FNV-1a alone
    /// leaves the high bits of short, similar ids such as `doc-1`, `doc-2` nearly equal).
    public static func splitKey(_ id: String) -> UInt64 {
        var x = Hashing.fnv1a64(Array(id.utf8))
        x ^= x >> 30; x = x &* 0xbf58476d1ce4e5b9
        x ^= x >> 27; x = x &* 0x94d049bb133111eb
        return x ^ (x >> 31)
    }

    /// A pickle (protocol 2) of the dict `{'vocab_size': n}`: PROTO 2, EMPTY_DICT, BINUNICODE key, BININT value,
    /// SETITEM, STOP.
    public static func metaPickle(vocabSize: Int) -> [UInt8] {
        var b: [UInt8] = [0x80, 0x02, UInt8(ascii: "}")]
        let key = Array("vocab_size".utf8)
        b.append(UInt8(ascii: "X"))
        withUnsafeBytes(of: UInt32(key.count).littleEndian) { b.append(contentsOf: $0) }
        b.append(contentsOf: key)
        b.append(UInt8(ascii: "J"))
        withUnsafeBytes(of: Int32(clamping: vocabSize).littleEndian) { b.append(contentsOf: $0) }
        b.append(UInt8(ascii: "s"))
        b.append(UInt8(ascii: "."))
        return b
    }
}
