import DomainForgeCore

/// Writes token ids and labels as a Hugging Face `datasets` folder, the layout `Dataset.save_to_disk` writes and
/// `load_from_disk` reads (LLaMA-Factory's `tokenized_path`):
///
/// - `data-00000-of-00001.arrow`: an Apache Arrow IPC *stream* (schema message, record batches of at most
///   `batchRows` rows, end-of-stream marker) with three columns, as `datasets` types them: `input_ids`
///   `list<int32>`, `attention_mask` `list<int8>` (all 1) and `labels` `list<int64>` (the id, or -100 where the
///   loss mask is 0). No nulls, so no validity buffers; buffers are 8-byte aligned.
/// - `dataset_info.json`: empty description (the features are read from the Arrow schema).
/// - `state.json`: the data file, `_split` null and a `_fingerprint` (FNV-1a of the Arrow bytes), which
///   `datasets` uses to name its cache files.
///
/// Every file goes through `AtomicOutputFile`; `finish` commits them.
final class HFTokenizedDatasetWriter {
    static let dataFile = "data-00000-of-00001.arrow"
    let directory: String
    let batchRows: Int
    private let data: AtomicOutputFile
    private var rows: [RenderedSFT] = []
    private var hash: UInt64 = 0xcbf29ce484222325
    private(set) var written = 0

    init(directory: String, batchRows: Int = 1000) throws {
        self.directory = directory
        self.batchRows = batchRows
        try makeDirectory(directory)
        data = try AtomicOutputFile(path: directory + "/" + Self.dataFile)
        try emit(Self.message(header: Self.schema, type: 1, bodyLength: 0), body: [])
    }

    /// Adds one record (ids and loss mask of our render).
    func add(_ r: RenderedSFT) throws {
        rows.append(r)
        written += 1
        if rows.count >= batchRows { try flush() }
    }

    /// Writes the last batch, the end-of-stream marker, `dataset_info.json` and `state.json`, and commits them.
    func finish() throws {
        try flush()
        try emit([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0], body: nil)
        let fingerprint = String(hash, radix: 16).leftPadded(to: 16)
        let state = """
            {"_data_files": [{"filename": "\(Self.dataFile)"}], "_fingerprint": "\(fingerprint)", \
            "_format_columns": null, "_format_kwargs": {}, "_format_type": null, "_output_all_columns": false, \
            "_split": null}

            """
        let info = "{\"citation\": \"\", \"description\": \"\", \"homepage\": \"\", \"license\": \"\"}\n"
        var files = [AtomicOutputFile]()
        for (name, text) in [("dataset_info.json", info), ("state.json", state)] {
            let f = try AtomicOutputFile(path: directory + "/" + name)
            try f.write(Array(text.utf8))
            files.append(f)
        }
        try data.commit()
        for f in files { try f.commit() }
    }

    private func flush() throws {
        guard !rows.isEmpty else { return }
        var body = [UInt8]()
        var buffers = [(Int64, Int64)](), nodes = [(Int64, Int64)]()
        func buffer(_ bytes: [UInt8]) {
            buffers.append((Int64(body.count), Int64(bytes.count)))
            body.append(contentsOf: bytes)
            body.append(contentsOf: repeatElement(0, count: (8 - body.count % 8) % 8))
        }
        let total = rows.reduce(0) { $0 + $1.tokens.count }
        let columns: [(width: Int, value: (RenderedSFT, Int) -> Int64)] = [
            (4, { r, i in Int64(r.tokens[i]) }),
            (1, { _, _ in 1 }),
            (8, { r, i in r.lossMask[i] == 0 ? -100 : Int64(r.tokens[i]) }),
        ]
        for c in columns {
            nodes.append((Int64(rows.count), 0))
            nodes.append((Int64(total), 0))
            var offsets = [UInt8](), values = [UInt8]()
            offsets.reserveCapacity(4 * (rows.count + 1)); values.reserveCapacity(c.width * total)
            var at: Int32 = 0
            Self.appendLE(Int64(at), width: 4, to: &offsets)
            for r in rows {
                for i in r.tokens.indices { Self.appendLE(c.value(r, i), width: c.width, to: &values) }
                at += Int32(r.tokens.count)
                Self.appendLE(Int64(at), width: 4, to: &offsets)
            }
            buffer([]); buffer(offsets); buffer([]); buffer(values)
        }
        let batch = Self.recordBatch(rows: rows.count, nodes: nodes, buffers: buffers)
        try emit(Self.message(header: batch, type: 3, bodyLength: body.count), body: body)
        rows.removeAll(keepingCapacity: true)
    }

    /// Writes an encapsulated message (continuation marker, metadata size, metadata) and its body; `body` nil
    /// writes `bytes` as they are.
    private func emit(_ bytes: [UInt8], body: [UInt8]?) throws {
        var out = [UInt8]()
        if body != nil {
            out = [0xFF, 0xFF, 0xFF, 0xFF]
            Self.appendLE(Int64(bytes.count), width: 4, to: &out)
        }
        out += bytes
        out += body ?? []
        hash = Hashing.fnv1a64(out, seed: hash)
        try data.write(out)
    }

    static func appendLE(_ v: Int64, width: Int, to out: inout [UInt8]) {
        for k in 0..<width { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) }
    }

    /// A `Message` flatbuffer (metadata version V5) around a header built by `build`.
    static func message(header build: (inout FlatBufferBuilder) -> Int, type: UInt8, bodyLength: Int) -> [UInt8] {
        var b = FlatBufferBuilder()
        let header = build(&b)
        b.startTable()
        b.field(3, Int64(bodyLength))
        b.offsetField(2, header)
        b.field(0, Int16(4))
        b.field(1, type)
        return b.finish(root: b.endTable())
    }

    /// The `Schema`: input_ids list<int32>, attention_mask list<int8>, labels list<int64>, all nullable as
    /// pyarrow infers them.
    static func schema(_ b: inout FlatBufferBuilder) -> Int {
        let fields = [("input_ids", 32), ("attention_mask", 8), ("labels", 64)].map { name, bits in
            let item = field(&b, name: "item", typeType: 2, children: []) { b in
                b.startTable(); b.field(0, Int32(bits)); b.field(1, UInt8(1)); return b.endTable()
            }
            return field(&b, name: name, typeType: 12, children: [item]) { b in b.startTable(); return b.endTable() }
        }
        let vector = b.offsetVector(fields)
        b.startTable()
        b.offsetField(1, vector)
        b.field(0, Int16(0))
        return b.endTable()
    }

    static func field(_ b: inout FlatBufferBuilder, name: String, typeType: UInt8, children: [Int],
                      type: (inout FlatBufferBuilder) -> Int) -> Int {
        let n = b.string(name)
        let t = type(&b)
        let c = b.offsetVector(children)
        b.startTable()
        b.offsetField(0, n)
        b.offsetField(3, t)
        b.offsetField(5, c)
        b.field(1, UInt8(1))
        b.field(2, typeType)
        return b.endTable()
    }

    /// A `RecordBatch` header: row count, field nodes and buffers.
    static func recordBatch(rows: Int, nodes: [(Int64, Int64)], buffers: [(Int64, Int64)]) -> (inout FlatBufferBuilder) -> Int {
        { b in
            let n = b.pairVector(nodes), bufs = b.pairVector(buffers)
            b.startTable()
            b.field(0, Int64(rows))
            b.offsetField(1, n)
            b.offsetField(2, bufs)
            return b.endTable()
        }
    }
}

private extension String {
    func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
