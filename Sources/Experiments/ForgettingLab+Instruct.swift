import DomainForgeCore
import Evaluation
import Foundation
import SFT
import Tokenization

/// The instruct start of the lab (`instruct:`): general chat SFT data, the instruct run, the domain SFT data of the
/// arms that adapt on records, and the chat-format probe of every run.
extension ForgettingLab {
    /// SFT shards of the general chat records used for training (and for `replay_source: general_chat`).
    public var chatTrainShards: String { dataDir + "/chat-train" }
    /// The held-out general chat records (canonical JSONL), evaluated as `chat` and probed for template adherence.
    public var chatHeldoutRecords: String { dataDir + "/chat-heldout.jsonl" }
    /// SFT shards of the domain records (arms with `data: domain_sft`).
    public var domainSFTShards: String { dataDir + "/domain-sft-train" }
    /// The instruct model's run directory.
    public var instructRunDir: String { runsDir + "/instruct" }

    /// The files of a list that exist, else the fallback files that exist.
    func existingFiles(_ files: [String], fallback: [String], what: String) throws -> [String] {
        let fm = FileManager.default
        let have = files.filter { fm.fileExists(atPath: $0) }
        if !have.isEmpty { return have }
        let fb = fallback.filter { fm.fileExists(atPath: $0) }
        guard !fb.isEmpty else { throw EvaluationError.data("instruct.\(what): none of \(files + fallback) exists") }
        log("[instruct] no \(what) file exists; using the fallback \(fb.joined(separator: ", "))")
        return fb
    }

    /// Reads SFT records (at most `maxRecords` of each file), ids prefixed with the file name.
    func readRecords(_ files: [String], maxRecords: Int?) throws -> (records: [SFTRecord], originalIDs: [String], skipped: Int) {
        var out = [SFTRecord](), ids = [String](), skipped = 0
        for f in files {
            let reader: SFTFileReader
            do { reader = try SFTFileReader(path: f) } catch { throw EvaluationError.io("\(f): \(error)") }
            let name = (f as NSString).lastPathComponent
            var n = 0
            while let item = try reader.next() {
                if let m = maxRecords, n >= m { break }
                guard item.readError == nil, let value = item.value ?? (try? JSONParser.parse(bytes: item.bytes)) else { skipped += 1; continue }
                let (rec, _) = SFTNormalizer.normalize(value, format: .auto, file: f, line: item.line, index: item.index,
                                                      fallbackID: "\(item.line)", source: name)
                guard var r = rec, r.messages.contains(where: { $0.role == "assistant" }) else { skipped += 1; continue }
                ids.append(r.id)
                r.id = name + ":" + r.id
                out.append(r)
                n += 1
            }
        }
        return (out, ids, skipped)
    }

    /// Renders records into an SFT shard folder (temporary name, then renamed); returns records written.
    @discardableResult
    func writeSFTShards(_ records: [SFTRecord], renderer: SFTRenderer, to dir: String) throws -> Int {
        let fm = FileManager.default
        let tmp = dir + ".tmp"
        if fm.fileExists(atPath: tmp) { try fm.removeItem(atPath: tmp) }
        let w = try SFTShardWriter(directory: tmp, tokenizer: renderer.tokenizer, configHash: "lab-\(config.name)")
        var bad = 0
        for r in records {
            let rendered: RenderedSFT
            do { rendered = try renderer.render(r) } catch { bad += 1; continue }
            guard rendered.trainedTokens > 0 else { bad += 1; continue }
            try w.add(id: r.id, source: r.source, rendered: rendered)
        }
        _ = try w.finish()
        if fm.fileExists(atPath: dir) { try fm.removeItem(atPath: dir) }
        try fm.moveItem(atPath: tmp, toPath: dir)
        if bad > 0 { log("[instruct] \(bad) records of \(dir) could not be rendered or have no answer; left out") }
        return w.recordsWritten
    }

    /// Prepares the chat and domain SFT data (skipped when `data/instruct-data.json` records the same request).
    func prepareInstructData(_ s: LabConfig.InstructSettings, tokenizer: BPETokenizer) throws {
        let chatFiles = try existingFiles(s.data, fallback: s.fallback, what: "data")
        let needDomain = config.arms.contains { $0.data == .domainSFT }
        let domainFiles = needDomain ? try existingFiles(s.domainSFT, fallback: s.domainSFTFallback, what: "domain_sft") : []
        let request = JSONValue.object([
            "chat": .array(chatFiles.map { .string($0) }), "domain_sft": .array(domainFiles.map { .string($0) }),
            "max_records": s.maxRecords.map { .int(Int64($0)) } ?? .null, "heldout_fraction": .double(s.heldoutFraction),
            "template": .string(s.template), "tokenizer": .string(config.tokenizer), "seed": .int(Int64(config.seed)),
            "domain_heldout_fraction": .double(config.domain.heldoutFraction),
        ]).serialized() + "\n"
        let marker = dataDir + "/instruct-data.json"
        if let old = FileManager.default.contents(atPath: marker), String(decoding: old, as: UTF8.self) == request {
            log("[instruct] chat data already prepared in \(chatTrainShards)")
            return
        }
        let t0 = Date()
        let renderer: SFTRenderer
        do { renderer = try SFTRenderer(template: try ChatTemplate.named(s.template), tokenizer: tokenizer) } catch {
            throw EvaluationError.config("instruct.template: \(error)")
        }
        let chat = try readRecords(chatFiles, maxRecords: s.maxRecords)
        var train = [SFTRecord](), held = [SFTRecord]()
        for r in chat.records {
            if HeldOutSplit.isHeldOut(id: r.id, fraction: s.heldoutFraction, seed: UInt64(config.seed)) { held.append(r) } else { train.append(r) }
        }
        guard !train.isEmpty, !held.isEmpty else {
            throw EvaluationError.data("instruct.data: \(chat.records.count) usable records split into \(train.count) train / \(held.count) held-out; give more records or another heldout_fraction")
        }
        let written = try writeSFTShards(train, renderer: renderer, to: chatTrainShards)
        let heldText = held.map { $0.json.serialized() + "\n" }.joined()
        try Data(heldText.utf8).write(to: URL(fileURLWithPath: chatHeldoutRecords + ".tmp"))
        if FileManager.default.fileExists(atPath: chatHeldoutRecords) { try FileManager.default.removeItem(atPath: chatHeldoutRecords) }
        try FileManager.default.moveItem(atPath: chatHeldoutRecords + ".tmp", toPath: chatHeldoutRecords)
        log("[instruct] general chat: \(written) train / \(held.count) held-out records (\(chat.skipped) unusable)")
        if needDomain {
            let dom = try readRecords(domainFiles, maxRecords: s.maxRecords)
            // records whose answer is in the domain held-out text are left out of domain SFT
            let keep = zip(dom.records, dom.originalIDs).filter {
                !HeldOutSplit.isHeldOut(id: $0.1, fraction: config.domain.heldoutFraction, seed: UInt64(config.seed))
            }.map(\.0)
            let n = try writeSFTShards(keep, renderer: renderer, to: domainSFTShards)
            log("[instruct] domain SFT: \(n) records (\(dom.records.count - keep.count) held out with their text, \(dom.skipped) unusable)")
        }
        try Data(request.utf8).write(to: URL(fileURLWithPath: marker))
        log(String(format: "[instruct] data prepared in %.1f s", Date().timeIntervalSince(t0)))
    }
}
