import DomainForgeCore

/// Writes rendered records as the pre-tokenized MDS dataset llm-foundry's `StreamingFinetuningDataset` reads: one
/// column `turns` (MDS encoding `json`) per sample, a list of `{"input_ids": [...], "labels": [...]}` turns that
/// its `Seq2SeqFinetuningCollator` joins back to back, training the `labels` of every turn
/// (`target_responses: all`) and none of the `input_ids` (`target_prompts: none`).
///
/// A record becomes its runs of untrained and trained tokens: turn k holds the k-th untrained run as `input_ids`
/// and the trained run after it as `labels`. The collator appends the tokenizer's eos to the last turn's `labels`
/// unless they already end with it, so the writer appends it itself: the last turn is
/// `{"input_ids": <untrained tail>, "labels": [eos]}` (or the eos joins a final trained run; a render that already
/// ends with a trained eos, as a template with `eos` writes it, gets none). The joined ids are then our render
/// followed by the eos (trained), and the collator adds nothing.
///
/// Shards are uncompressed `shard.NNNNN.mds` files of at most `sizeLimit` bytes (MDS layout as in `MDSFormat`),
/// with `index.json`; all written under temporary names and renamed by `finish`.
final class LLMFoundryTurnsWriter {
    let directory: String
    let eos: UInt32
    let sizeLimit: Int
    private var samples: [[UInt8]] = []
    private var pending = 0
    private var shards: [(name: String, samples: Int, bytes: Int, sha256: String)] = []
    private var files: [AtomicOutputFile] = []
    private(set) var written = 0

    init(directory: String, eos: UInt32, sizeLimit: Int = 1 << 26) throws {
        self.directory = directory
        self.eos = eos
        self.sizeLimit = sizeLimit
        try makeDirectory(directory)
    }

    /// The turns of one rendered record, eos appended (see the type's description).
    static func turns(_ r: RenderedSFT, eos: UInt32) -> [(input: [UInt32], labels: [UInt32])] {
        var out = [(input: [UInt32], labels: [UInt32])]()
        var input = [UInt32](), labels = [UInt32]()
        for (t, m) in zip(r.tokens, r.lossMask) {
            if m == 0 {
                if !labels.isEmpty { out.append((input, labels)); input = []; labels = [] }
                input.append(t)
            } else {
                labels.append(t)
            }
        }
        if labels.last != eos { labels.append(eos) }
        out.append((input, labels))
        return out
    }

    /// The `turns` value of one record as MDS stores it (JSON, as Python's `json.dumps` writes it).
    static func json(_ turns: [(input: [UInt32], labels: [UInt32])]) -> [UInt8] {
        func list(_ xs: [UInt32]) -> String { "[" + xs.map(String.init).joined(separator: ", ") + "]" }
        let s = "[" + turns.map { "{\"input_ids\": \(list($0.input)), \"labels\": \(list($0.labels))}" }.joined(separator: ", ") + "]"
        return Array(s.utf8)
    }

    func add(_ r: RenderedSFT) throws {
        let payload = Self.json(Self.turns(r, eos: eos))
        if !samples.isEmpty && pending + payload.count + 8 > sizeLimit { try flush() }
        samples.append(payload)
        pending += payload.count + 8
        written += 1
    }

    /// Writes the last shard and `index.json`, then commits every file.
    func finish() throws {
        try flush()
        let entries: [JSONValue] = shards.map { s in
            .object([
                "column_encodings": .array([.string("json")]), "column_names": .array([.string("turns")]),
                "column_sizes": .array([.null]), "compression": .null, "format": .string("mds"),
                "hashes": .array([.string("sha256")]),
                "raw_data": .object(["basename": .string(s.name), "bytes": .int(Int64(s.bytes)),
                                     "hashes": .object(["sha256": .string(s.sha256)])]),
                "samples": .int(Int64(s.samples)), "size_limit": .int(Int64(sizeLimit)), "version": .int(2),
                "zip_data": .null,
            ])
        }
        var index = [UInt8]()
        JSONWriter.write(.object(["shards": .array(entries), "version": .int(2)]), into: &index)
        let f = try AtomicOutputFile(path: directory + "/index.json")
        try f.write(index)
        for s in files { try s.commit() }
        try f.commit()
    }

    private func flush() throws {
        guard !samples.isEmpty else { return }
        let config = "{\"column_encodings\": [\"json\"], \"column_names\": [\"turns\"], \"column_sizes\": [null], "
            + "\"compression\": null, \"format\": \"mds\", \"hashes\": [\"sha256\"], \"size_limit\": \(sizeLimit), \"version\": 2}"
        var out = [UInt8]()
        HFTokenizedDatasetWriter.appendLE(Int64(samples.count), width: 4, to: &out)
        var at = 4 + 4 * (samples.count + 1) + config.utf8.count
        for s in samples {
            HFTokenizedDatasetWriter.appendLE(Int64(at), width: 4, to: &out)
            at += 4 + s.count
        }
        HFTokenizedDatasetWriter.appendLE(Int64(at), width: 4, to: &out)
        out += Array(config.utf8)
        for s in samples {
            HFTokenizedDatasetWriter.appendLE(Int64(s.count), width: 4, to: &out)
            out += s
        }
        let name = "shard.\(String(repeating: "0", count: max(0, 5 - String(shards.count).count)))\(shards.count).mds"
        let f = try AtomicOutputFile(path: directory + "/" + name)
        try f.write(out)
        files.append(f)
        shards.append((name, samples.count, out.count, SHA256Hasher.hex(out)))
        samples.removeAll()
        pending = 0
    }
}
