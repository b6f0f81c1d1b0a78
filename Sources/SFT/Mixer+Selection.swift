import DomainForgeCore
import Foundation
import Shards
import Tokenization

// Selection (how many units each source gives, which items), the report and the interleaved output of a mix.
extension Mixer {
    static func units(_ e: Entry, _ spec: MixSpec) -> Int { spec.by == .tokens ? Int(e.count) : 1 }

    /// The total to aim for: `total`, checked against what the sources allow, or the largest needing no upsampling.
    static func total(_ spec: MixSpec, available avail: [Int]) throws -> Double {
        let caps = avail.map { Double($0) * (spec.replacement ? max(1, spec.maxUpsample) : 1) }
        var limit = Double.infinity, limiting = 0
        for (i, s) in spec.sources.enumerated() where caps[i] / s.ratio < limit { limit = caps[i] / s.ratio; limiting = i }
        guard let t = spec.total else {
            return spec.sources.enumerated().map { Double(avail[$0.offset]) / $0.element.ratio }.min()!.rounded(.down)
        }
        if Double(t) > limit * 1.000001 {
            throw MixError("total \(t) \(spec.by.rawValue) is more than the sources allow (\(Int(limit)), limited by \(spec.sources[limiting].name): \(avail[limiting]) \(spec.by.rawValue) available\(spec.replacement ? ", max_upsample \(spec.maxUpsample)" : "; set replacement: true to upsample"))")
        }
        return Double(t)
    }

    /// Picks the entries of each source (indices into `entries`, to which cut pieces are appended).
    static func select(_ spec: MixSpec, entries: inout [[Entry]]) throws -> [[Int]] {
        let avail = entries.map { $0.reduce(0) { $0 + units($1, spec) } }
        let total = try total(spec, available: avail)
        var chosen = [[Int]]()
        for (si, s) in spec.sources.enumerated() {
            chosen.append(pick(si, target: s.ratio * total, spec: spec, entries: &entries[si]))
        }
        return chosen
    }

    static func pick(_ si: Int, target: Double, spec: MixSpec, entries: inout [Entry]) -> [Int] {
        var pick = [Int](), got = 0.0
        var epoch: UInt64 = 0
        outer: while got < target {
            if epoch > 0 && !spec.replacement { break }
            let perm = permutation(entries.count, seed: spec.seed, stream: UInt64(si) << 20 | epoch)
            for k in perm {
                let u = Double(units(entries[k], spec))
                if got + u > target {
                    let e = entries[k]
                    let need = Int((target - got).rounded())
                    if spec.by == .tokens && e.cuttable && need > 0 {
                        // CPT text can be cut: take the first `need` tokens of this document.
                        entries.append(Entry(offset: e.offset, count: Int32(need), cuttable: false, cut: true))
                        pick.append(entries.count - 1); got += Double(need)
                    } else if got + u - target < target - got {
                        // A record is never cut: take it only when that lands closer to the target.
                        pick.append(k); got += u
                    }
                    break outer
                }
                pick.append(k); got += u
                if got >= target { break outer }
            }
            epoch += 1
            if Double(epoch) >= max(1, spec.maxUpsample) + 1 { break }
        }
        return pick
    }

    static func makeReport(_ spec: MixSpec, loaded: Loaded, chosen: [[Int]]) -> MixReport {
        let entries = loaded.entries
        let gotUnits = chosen.enumerated().map { si, p in p.reduce(0) { $0 + units(entries[si][$1], spec) } }
        let sumUnits = Double(gotUnits.reduce(0, +))
        var out = [MixReport.Entry]()
        for (si, s) in spec.sources.enumerated() {
            // Candidates only (cut pieces appended by the selection are not available units).
            let candidates = entries[si].filter { !$0.cut }
            let avail = candidates.reduce(0) { $0 + units($1, spec) }
            let toks = chosen[si].reduce(0) { $0 + Int(entries[si][$1].count) }
            out.append(.init(name: s.name, target: s.ratio, achieved: sumUnits > 0 ? Double(gotUnits[si]) / sumUnits : 0,
                             records: chosen[si].count, tokens: toks, availableRecords: candidates.count,
                             availableTokens: candidates.reduce(0) { $0 + Int($1.count) },
                             upsample: avail > 0 ? Double(gotUnits[si]) / Double(avail) : 0, validation: loaded.validations[si]))
        }
        return MixReport(name: spec.name, by: spec.by, seed: spec.seed, total: Int(sumUnits), entries: out)
    }

    /// Writes the chosen items in their interleaved order: shards (when there are tokens) and `records.jsonl`.
    static func write(_ spec: MixSpec, loaded: Loaded, chosen: [[Int]], tokenizer: BPETokenizer?, hasSFT: Bool, into dir: String) throws {
        var order = [(Int, Int)]()
        for (si, p) in chosen.enumerated() { for k in p { order.append((si, k)) } }
        let perm = permutation(order.count, seed: spec.seed, stream: 0xFFFF_FFFF)
        var o = SFTShardWriter.Options()
        o.lossMask = loaded.anyMask
        o.packWindow = spec.pack
        let hash = "mix:\(spec.name):\(spec.seed)"
        var writer: SFTShardWriter?
        if let tok = tokenizer {
            writer = try SFTShardWriter(directory: dir, tokenizer: tok, configHash: hash, options: o)
        } else if !hasSFT {
            // CPT shards without a tokenizer: keep the first source's manifest tokenizer identity.
            let m = try ShardReader(directory: spec.sources[0].shardDirs[0]).manifest
            o.dtype = m?.dtype
            writer = try SFTShardWriter(directory: dir, tokenizer: m?.tokenizer ?? .init(fingerprint: "unknown", vocabSize: 1 << 32 - 1, eosID: nil),
                                        configHash: hash, options: o)
        }
        let records = hasSFT ? try AtomicOutputFile(path: dir + "/records.jsonl") : nil
        for p in perm {
            let (si, k) = order[p]
            let it = try loaded.spills[si].read(loaded.entries[si][k])
            try writer?.add(id: it.id, source: spec.sources[si].name,
                            rendered: RenderedSFT(tokens: it.tokens, lossMask: it.mask ?? [UInt8](repeating: 1, count: it.tokens.count)))
            if let r = it.recordLine { try records?.write(r) }
        }
        _ = try writer?.finish()
        try records?.commit()
    }

    /// A deterministic permutation of 0..<n (Fisher-Yates on `CounterRandom`).
    public static func permutation(_ n: Int, seed: UInt64, stream: UInt64) -> [Int] {
        var a = Array(0..<n)
        if n < 2 { return a }
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = CounterRandom.below(i + 1, seed: seed, stream: stream, counter: UInt64(i))
            a.swapAt(i, j)
        }
        return a
    }
}
