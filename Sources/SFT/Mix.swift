import DomainForgeCore
import Foundation
import Shards
import Tokenization
import Yams

public struct MixError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A replay mix: named sources with target ratios, read from YAML.
///
/// ```yaml
/// name: medical-replay
/// seed: 42
/// by: tokens              # tokens | records
/// total: 2000000          # optional: default is the largest total that needs no upsampling
/// replacement: false      # true: a source may be repeated (each pass in a fresh order) ...
/// max_upsample: 3.0       # ... up to this many times its size
/// tolerance: 0.005        # achieved ratio must be within this of the target
/// tokenizer: tokenizers/medical-sample-bpe.json   # needed for SFT sets; paths are relative to this file
/// template: chatml        # chatml | llama3 | template.yaml
/// max_tokens: 2048        # optional, with over_length: drop | truncate | error
/// pack: 2048              # optional packing window for the output shards
/// chunk: 2048             # optional: split CPT documents into pieces of this many tokens before selection
/// output: out/mix          # folder: shards, manifest.json, mix_report.json (+ records.jsonl for SFT sets)
/// sources:
///   - {name: medquad, sft: [../../shared/data/sft-domain/medquad/medquad_qa.jsonl], ratio: 0.8}
///   - {name: general, sft: [general.json], ratio: 0.2}
///   - {name: web, shards: out/web-shards, ratio: 0.1}   # CPT (or SFT) shard folder
/// ```
public struct MixSpec: Sendable, Equatable {
    public enum Unit: String, Sendable { case tokens, records }
    public struct Source: Sendable, Equatable {
        public var name: String
        public var sftFiles: [String]
        public var shardDirs: [String]
        public var ratio: Double
        public var format: SFTFormat
    }
    public var name: String
    public var seed: UInt64
    public var by: Unit
    public var total: Int?
    public var replacement: Bool
    public var maxUpsample: Double
    public var tolerance: Double
    public var tokenizer: String?
    public var template: String
    public var trainOnPrompt: Bool
    public var maxTokens: Int?
    public var overLength: OverLengthPolicy
    public var pack: Int?
    /// Split CPT samples (shard sources without a loss mask) into pieces of at most this many tokens before
    /// selection, so that long documents do not make the ratio coarse.
    public var chunk: Int?
    public var output: String
    public var sources: [Source]
    /// Scale the ratios to sum to 1 (`--normalize`); otherwise they must already sum to 1 within `ratioSumTolerance`.
    public var normalize: Bool = false
    /// Check each shard file's sha256 when it is opened (not a YAML key; false: `pipeline mix --no-verify`).
    public var verifyShards = true

    /// How far from 1 the sum of the ratios may be without `normalize`.
    public static let ratioSumTolerance = 1e-6

    /// The ratios as fractions of 1. Throws `MixError` naming the sum when it is not 1 and `normalize` is off.
    public func normalizedRatios() throws -> [Double] {
        let sum = sources.reduce(0) { $0 + $1.ratio }
        if !normalize && abs(sum - 1) > Self.ratioSumTolerance {
            let shown = String(format: "%.6g", sum)
            throw MixError("the ratios of the sources sum to \(shown), not 1: fix them so that they add up to 1, or pass --normalize to scale them")
        }
        return sources.map { $0.ratio / sum }
    }

    /// Reads a mix file. Relative paths in it (sources, tokenizer, template file, output) are resolved against the
    /// folder of the YAML file, like pipeline configs.
    public static func load(path: String) throws -> MixSpec {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw MixError("cannot read \(path)") }
        var s = try parse(text, file: path)
        let base = (path as NSString).deletingLastPathComponent
        func r(_ p: String) -> String { p.hasPrefix("/") || base.isEmpty ? p : base + "/" + p }
        s.output = r(s.output)
        s.tokenizer = s.tokenizer.map(r)
        if ChatTemplate.builtins[s.template.lowercased()] == nil { s.template = r(s.template) }
        for i in s.sources.indices {
            s.sources[i].sftFiles = s.sources[i].sftFiles.map(r)
            s.sources[i].shardDirs = s.sources[i].shardDirs.map(r)
        }
        return s
    }

    public static func parse(_ text: String, file: String = "mix.yaml") throws -> MixSpec {
        let any: Any?
        do { any = try Yams.load(yaml: text) } catch { throw MixError("\(file): invalid YAML: \(error)") }
        guard let o = any as? [String: Any] else { throw MixError("\(file): a mix must be a YAML mapping") }
        let known: Set<String> = ["name", "seed", "by", "total", "replacement", "max_upsample", "tolerance", "tokenizer", "template",
                                  "train_on_prompt", "max_tokens", "over_length", "pack", "chunk", "output", "sources"]
        if let bad = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw MixError("\(file): unknown key \"\(bad)\" (allowed: \(known.sorted().joined(separator: ", ")))")
        }
        func int(_ k: String) throws -> Int? {
            guard let v = o[k] else { return nil }
            guard let i = v as? Int, i > 0 else { throw MixError("\(file): \(k) must be a positive integer") }
            return i
        }
        func num(_ v: Any?, _ k: String) throws -> Double? {
            guard let v else { return nil }
            if let d = v as? Double { return d }
            if let i = v as? Int { return Double(i) }
            throw MixError("\(file): \(k) must be a number")
        }
        func str(_ k: String) throws -> String? {
            guard let v = o[k] else { return nil }
            guard let s = v as? String else { throw MixError("\(file): \(k) must be a string") }
            return s
        }
        guard let output = try str("output") else { throw MixError("\(file): \"output\" (a folder) is required") }
        guard let srcs = o["sources"] as? [Any], !srcs.isEmpty else { throw MixError("\(file): \"sources\" must be a non-empty list") }
        var sources = [Source]()
        for (i, s) in srcs.enumerated() {
            guard let m = s as? [String: Any] else { throw MixError("\(file): sources[\(i)] must be a mapping") }
            guard let name = m["name"] as? String, !name.isEmpty else { throw MixError("\(file): sources[\(i)].name is required") }
            if sources.contains(where: { $0.name == name }) { throw MixError("\(file): source name \"\(name)\" is used twice") }
            guard let r = try num(m["ratio"], "sources[\(i)].ratio"), r > 0 else { throw MixError("\(file): sources[\(i)].ratio must be a positive number") }
            func list(_ k: String) throws -> [String] {
                guard let v = m[k] else { return [] }
                if let s = v as? String { return [s] }
                if let a = v as? [String] { return a }
                throw MixError("\(file): sources[\(i)].\(k) must be a path or a list of paths")
            }
            let sft = try list("sft"), shards = try list("shards")
            if sft.isEmpty == shards.isEmpty { throw MixError("\(file): sources[\(i)] (\(name)) needs exactly one of sft (files) or shards (folders)") }
            let fmtName = (m["format"] as? String) ?? "auto"
            guard let fmt = SFTFormat(rawValue: fmtName) else { throw MixError("\(file): sources[\(i)].format must be one of \(SFTFormat.allCases.map(\.rawValue).joined(separator: ", "))") }
            let extra = Set(m.keys).subtracting(["name", "ratio", "sft", "shards", "format"])
            if let bad = extra.sorted().first { throw MixError("\(file): sources[\(i)]: unknown key \"\(bad)\"") }
            sources.append(Source(name: name, sftFiles: sft, shardDirs: shards, ratio: r, format: fmt))
        }
        let byName = try str("by") ?? "tokens"
        guard let by = Unit(rawValue: byName) else { throw MixError("\(file): by must be tokens or records") }
        let ol = try str("over_length") ?? "drop"
        guard let policy = OverLengthPolicy(rawValue: ol) else { throw MixError("\(file): over_length must be drop, truncate or error") }
        let seed: UInt64
        if let s = o["seed"] { guard let i = s as? Int, i >= 0 else { throw MixError("\(file): seed must be a non-negative integer") }; seed = UInt64(i) } else { seed = 0 }
        return MixSpec(name: try str("name") ?? "mix", seed: seed, by: by, total: try int("total"),
                       replacement: (o["replacement"] as? Bool) ?? false, maxUpsample: try num(o["max_upsample"], "max_upsample") ?? 1,
                       tolerance: try num(o["tolerance"], "tolerance") ?? 0.005, tokenizer: try str("tokenizer"),
                       template: try str("template") ?? "chatml", trainOnPrompt: (o["train_on_prompt"] as? Bool) ?? false,
                       maxTokens: try int("max_tokens"), overLength: policy, pack: try int("pack"), chunk: try int("chunk"), output: output, sources: sources)
    }
}

/// The outcome of a mix, also stored as `mix_report.json`.
public struct MixReport: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var target: Double
        public var achieved: Double
        public var records: Int
        public var tokens: Int
        public var availableRecords: Int
        public var availableTokens: Int
        /// How many times the source was used over (selected units / available units).
        public var upsample: Double
        public var validation: SFTValidationSummary?
    }
    public var name: String
    public var by: MixSpec.Unit
    public var seed: UInt64
    public var total: Int
    public var entries: [Entry]

    public var maxDeviation: Double { entries.map { abs($0.achieved - $0.target) }.max() ?? 0 }

    public var json: JSONValue {
        .object([
            "name": .string(name), "by": .string(by.rawValue), "seed": .int(Int64(seed)), "total": .int(Int64(total)),
            "max_deviation": .double(maxDeviation),
            "sources": .array(entries.map { e in
                var o: [String: JSONValue] = ["name": .string(e.name), "target_ratio": .double(e.target), "achieved_ratio": .double(e.achieved),
                        "records": .int(Int64(e.records)), "tokens": .int(Int64(e.tokens)), "available_records": .int(Int64(e.availableRecords)),
                        "available_tokens": .int(Int64(e.availableTokens)), "upsample": .double(e.upsample)]
                if let v = e.validation { o["validation"] = v.json }
                return .object(o)
            }),
        ])
    }

    public func table() -> String {
        var s = "mix \(name): \(total) \(by.rawValue), seed \(seed)\n"
        s += "  source".padding(20) + "target".padding(10) + "achieved".padding(10) + "records".padding(10) + "tokens".padding(12) + "upsample\n"
        for e in entries {
            s += "  \(e.name)".padding(20) + "\(format2(e.target * 100))%".padding(10) + "\(format2(e.achieved * 100))%".padding(10)
            s += "\(e.records)".padding(10) + "\(e.tokens)".padding(12) + "\(format2(e.upsample))x\n"
        }
        s += "max deviation \(format2(maxDeviation * 100)) points\n"
        return s
    }
}

/// Builds a mix: streams every source once (keeping only an offset and a size per candidate in memory, the items
/// themselves in a temporary spill file), picks records per source deterministically, interleaves them and writes
/// shards (tokens, plus loss_mask when any source is SFT) and, for SFT sets, `records.jsonl`. Everything is written
/// into a temporary sibling folder of the output, renamed to the output only when the mix succeeded.
public enum Mixer {
    typealias Entry = MixSpill.Entry

    /// The candidates of every source.
    struct Loaded {
        var spills: [MixSpill] = []
        var entries: [[Entry]] = []
        var validations: [SFTValidationSummary?] = []
        var anyMask = false
    }

    public static func run(_ spec: MixSpec, log: (String) -> Void = { _ in }) throws -> MixReport {
        var spec = spec
        let ratios = try spec.normalizedRatios()
        for i in spec.sources.indices { spec.sources[i].ratio = ratios[i] }
        let tmp = temporaryFolder(for: spec.output)
        try? FileManager.default.removeItem(atPath: tmp)
        try makeDirectory(tmp)
        do {
            let report = try build(spec, into: tmp, log: log)
            try publish(tmp, as: spec.output)
            return report
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
    }

    /// The sibling folder a mix is written to before it is renamed to `output`: unique per process.
    static func temporaryFolder(for output: String) -> String {
        let trimmed = output.hasSuffix("/") ? String(output.dropLast()) : output
        let parent = (trimmed as NSString).deletingLastPathComponent
        let name = (trimmed as NSString).lastPathComponent
        return (parent.isEmpty ? "" : parent + "/") + ".\(name).tmp-\(getpid())"
    }

    /// Replaces `output` with the finished folder `tmp` (an earlier output is removed only after the rename).
    static func publish(_ tmp: String, as output: String) throws {
        let fm = FileManager.default
        var old: String?
        if fm.fileExists(atPath: output) {
            old = temporaryFolder(for: output).replacingOccurrences(of: ".tmp-", with: ".old-")
            try? fm.removeItem(atPath: old!)
            guard rename(output, old!) == 0 else {
                throw MixError("cannot replace \(output): \(String(cString: strerror(errno))); remove it or choose another output")
            }
        }
        guard rename(tmp, output) == 0 else {
            let why = String(cString: strerror(errno))
            if let old { _ = rename(old, output) }
            throw MixError("cannot rename the finished mix to \(output): \(why); check that its parent folder is writable")
        }
        if let old { try? fm.removeItem(atPath: old) }
    }

    static func loadTokenizer(_ spec: MixSpec) throws -> (BPETokenizer?, SFTRenderer?) {
        guard let t = spec.tokenizer else { return (nil, nil) }
        let tokenizer: BPETokenizer
        do { tokenizer = try BPETokenizer.load(path: t) } catch { throw MixError("tokenizer \(t): \(error)") }
        return (tokenizer, try SFTRenderer(template: try ChatTemplate.named(spec.template), tokenizer: tokenizer, trainOnPrompt: spec.trainOnPrompt))
    }

    static func build(_ spec: MixSpec, into dir: String, log: (String) -> Void) throws -> MixReport {
        let (tokenizer, renderer) = try loadTokenizer(spec)
        let hasSFT = spec.sources.contains { !$0.sftFiles.isEmpty }
        if hasSFT && renderer == nil && spec.by == .tokens { throw MixError("a mix by tokens with SFT sets needs a tokenizer") }
        if hasSFT && renderer == nil && spec.sources.contains(where: { !$0.shardDirs.isEmpty }) {
            throw MixError("a mix of SFT sets and shard folders needs a tokenizer (the output is shards)")
        }
        var loaded = try load(spec, renderer: renderer, tokenizer: tokenizer, spillDir: dir, log: log)
        let chosen = try select(spec, entries: &loaded.entries)
        for (si, s) in spec.sources.enumerated() where chosen[si].isEmpty {
            log("warning: source \(s.name) gets 0 records: its share (\(format2(s.ratio * 100))%) of this total rounds to nothing; raise total or its ratio")
        }
        let report = makeReport(spec, loaded: loaded, chosen: chosen)
        try write(spec, loaded: loaded, chosen: chosen, tokenizer: tokenizer, hasSFT: hasSFT, into: dir)
        for sp in loaded.spills { sp.remove() }
        var rb = [UInt8]()
        JSONWriter.write(report.json, into: &rb)
        rb.append(0x0A)
        let f = try AtomicOutputFile(path: dir + "/mix_report.json")
        try f.write(rb)
        try f.commit()
        if report.maxDeviation > spec.tolerance {
            throw MixError("achieved ratios are off by \(format2(report.maxDeviation * 100)) points (tolerance \(format2(spec.tolerance * 100))): the sources have too few or too long records for this total; nothing was written to \(spec.output)\n" + report.table())
        }
        return report
    }

    /// Streams every source into its spill file, keeping one entry per candidate.
    static func load(_ spec: MixSpec, renderer: SFTRenderer?, tokenizer: BPETokenizer?, spillDir: String, log: (String) -> Void) throws -> Loaded {
        var loaded = Loaded()
        var fingerprint: String?
        for (si, s) in spec.sources.enumerated() {
            let spill = try MixSpill(path: spillDir + "/.source-\(si).spill")
            var list = [Entry]()
            if !s.sftFiles.isEmpty {
                loaded.validations.append(try loadSFT(s, spec: spec, renderer: renderer, spill: spill, into: &list, log: log))
                loaded.anyMask = true
            } else {
                if try loadShards(s, spec: spec, tokenizer: tokenizer, fingerprint: &fingerprint, spill: spill, into: &list) { loaded.anyMask = true }
                log("source \(s.name): \(list.count) samples from \(s.shardDirs.count) shard folder(s)")
                loaded.validations.append(nil)
            }
            if list.isEmpty { throw MixError("source \(s.name) has no usable records") }
            loaded.spills.append(spill)
            loaded.entries.append(list)
        }
        return loaded
    }

    static func loadSFT(_ s: MixSpec.Source, spec: MixSpec, renderer: SFTRenderer?, spill: MixSpill, into list: inout [Entry],
                        log: (String) -> Void) throws -> SFTValidationSummary {
        var o = SFTValidationOptions()
        o.format = s.format
        o.maxTokens = spec.maxTokens
        o.overLength = spec.overLength
        let v = SFTValidator(options: o, renderer: renderer)
        for f in s.sftFiles {
            guard FileManager.default.fileExists(atPath: f) else { throw MixError("source \(s.name): no file \(f)") }
            var failure: Error?
            try v.validate(path: f, source: s.name) { rec, r in
                guard failure == nil else { return }
                var rec = rec
                rec.meta["origin"] = .string(f)
                do { list.append(try spill.append(.init(id: rec.id, tokens: r?.tokens ?? [], mask: r?.lossMask, recordLine: rec.jsonLine()))) }
                catch { failure = error }
            }
            if let failure { throw failure }
        }
        if v.summary.fatal { throw MixError("source \(s.name): a record is longer than max_tokens and over_length is error") }
        log("source \(s.name): \(v.summary.records) records, \(v.summary.valid) valid, \(v.summary.rejected) rejected")
        return v.summary
    }

    /// Streams the shard folders of a CPT (or SFT) source; returns whether any has a loss mask.
    static func loadShards(_ s: MixSpec.Source, spec: MixSpec, tokenizer: BPETokenizer?, fingerprint: inout String?, spill: MixSpill,
                           into list: inout [Entry]) throws -> Bool {
        var anyMask = false
        for d in s.shardDirs {
            let r: ShardReader
            do { r = try ShardReader(directory: d, verifyHashes: spec.verifyShards) } catch { throw MixError("source \(s.name): \(error)") }
            if r.hasLossMask { anyMask = true }
            if let fp = r.manifest?.tokenizer.fingerprint {
                let expected = tokenizer?.fingerprint ?? fingerprint ?? fp
                if fp != expected {
                    throw MixError("source \(s.name): \(d) was tokenized with another tokenizer (fingerprint \(fp.prefix(12))…, expected \(expected.prefix(12))…); every source of a mix must use one tokenizer")
                }
                fingerprint = fp
            }
            var failure: Error?
            try r.forEach { smp in
                do {
                    if let c = spec.chunk, smp.lossMask == nil, smp.tokens.count > c {
                        for (k, start) in stride(from: 0, to: smp.tokens.count, by: c).enumerated() {
                            let piece = Array(smp.tokens[start..<min(start + c, smp.tokens.count)])
                            list.append(try spill.append(.init(id: "\(smp.id)#\(k)", tokens: piece, mask: nil, recordLine: nil)))
                        }
                    } else {
                        list.append(try spill.append(.init(id: smp.id, tokens: smp.tokens, mask: smp.lossMask, recordLine: nil)))
                    }
                } catch { failure = error; return false }
                return true
            }
            if let failure { throw failure }
        }
        return anyMask
    }

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
