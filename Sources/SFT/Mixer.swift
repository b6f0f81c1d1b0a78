import DomainForgeCore
import Foundation
import Shards
import Tokenization

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
}
