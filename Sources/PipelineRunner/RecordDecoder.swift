import DomainForgeCore
import Extraction
import PipelineConfig

/// Turns raw items into documents (the parallel half of ingest): JSON parsing, charset decoding, HTML extraction,
/// XML record selection. Safe to call from several workers at once.
struct RecordDecoder: Sendable {
    let spec: PipelineSpec
    let html: HTMLExtractor
    let xml: [Int: XMLRecordExtractor]

    init(spec: PipelineSpec) throws {
        self.spec = spec
        html = HTMLExtractor()
        var xml = [Int: XMLRecordExtractor]()
        for (i, input) in spec.inputs.enumerated() {
            if let x = input.xml {
                do {
                    xml[i] = try XMLRecordExtractor(selector: XMLSelector(documents: x.documents, text: x.text, id: x.id, metadata: x.metadata, separator: x.separator))
                } catch {
                    throw ConfigError(path: "inputs[\(i)].xml", message: "\(error)")
                }
            }
        }
        self.xml = xml
    }

    /// Decodes one item. Each element of the result is a document or the reason a record was rejected.
    func decode(_ item: RawItem, file: InputFile) -> [Result<Document, InputError>] {
        let input = spec.inputs[file.specIndex]
        let name = file.displayName
        switch item {
        case .error(let e):
            return [.failure(e)]
        case .jsonLine(let bytes, let line, let offset):
            return [jsonRecord(bytes, input: input, file: name, defaultID: "\(name):\(line)", line: line, offset: offset)]
        case .jsonElement(let bytes, let index, let offset):
            return [jsonRecord(bytes, input: input, file: name, defaultID: "\(name)#\(index)", line: 0, offset: offset)]
        case .text(let bytes, let section, let line):
            let d = bytes.withUnsafeBytes { TextDecoding.decodeDetailed($0, forced: input.encoding) }
            var meta: [String: JSONValue] = ["source_name": .string(input.name)]
            Self.noteCharset(d.charset.rawValue, replaced: d.replacedBytes, utf8Silent: true, in: &meta)
            if input.textMode == .paragraphs { meta["line"] = .int(Int64(line)) }
            let id = input.textMode == .paragraphs ? "\(name)#\(section)" : name
            return [.success(Document(id: id, text: d.text, source: name, metadata: meta))]
        case .file(let bytes):
            guard let decodeFile = InputFormats.of(input).decodeFile else {
                return [.failure(InputError(code: "config", file: name, message: "format \(input.format.rawValue) does not read whole files"))]
            }
            return decodeFile(self, bytes, input, file)
        }
    }

    /// An HTML page: its main text, title and how it was decoded and extracted (the `html` format).
    func htmlDocuments(_ bytes: [UInt8], input: PipelineSpec.Input, file: InputFile) -> [Result<Document, InputError>] {
        let name = file.displayName
        do {
            let page = try bytes.withUnsafeBytes { try html.extract($0, forcedCharset: input.encoding) }
            var meta: [String: JSONValue] = ["source_name": .string(input.name)]
            Self.noteCharset(page.charset, replaced: page.replacedBytes, utf8Silent: false, in: &meta)
            if let t = page.title { meta["title"] = .string(t) }
            if let e = page.extractionMetadata { meta["extraction"] = e }
            return [.success(Document(id: name, text: page.text, source: name, metadata: meta))]
        } catch {
            return [.failure(InputError(code: "invalid_html", file: name, message: "\(error)"))]
        }
    }

    /// The records an input's XML selector picks from a file (the `xml` format).
    func xmlDocuments(_ bytes: [UInt8], input: PipelineSpec.Input, file: InputFile) -> [Result<Document, InputError>] {
        let name = file.displayName
        guard let ex = xml[file.specIndex] else {
            return [.failure(InputError(code: "config", file: name, message: "no xml selector configured"))]
        }
        do {
            let records = try bytes.withUnsafeBytes { try ex.extract($0, fileName: name) }
            return records.enumerated().map { k, r in
                var meta: [String: JSONValue] = ["source_name": .string(input.name)]
                for (key, v) in r.metadata { meta[key] = .string(v) }
                if r.line > 0 { meta["line"] = .int(Int64(r.line)) }
                return .success(Document(id: r.id.flatMap { $0.isEmpty ? nil : $0 } ?? "\(name)#\(k)", text: r.text, source: name, metadata: meta))
            }
        } catch let e as ExtractionError {
            var line = 0
            if case .malformedXML(let l, _) = e { line = l }
            let code: String
            switch e {
            case .refusedXML: code = "refused_xml"
            case .malformedXML: code = "invalid_xml"
            case .invalidXPath: code = "invalid_xpath"
            case .notHTML: code = "invalid_html"
            }
            return [.failure(InputError(code: code, file: name, line: line, message: e.description))]
        } catch {
            return [.failure(InputError(code: "invalid_xml", file: name, message: "\(error)"))]
        }
    }

    private func jsonRecord(_ bytes: [UInt8], input: PipelineSpec.Input, file: String, defaultID: String, line: Int, offset: Int) -> Result<Document, InputError> {
        let value: JSONValue
        var decoded: DecodedText?
        do {
            if input.encoding != nil || !bytes.withUnsafeBytes({ TextDecoding.isValidUTF8($0) }) {
                // Decoded before parsing: GBK, Big5 and Shift_JIS trail bytes can be 0x5C, a JSON backslash.
                let d = bytes.withUnsafeBytes { TextDecoding.decodeDetailed($0, forced: input.encoding) }
                decoded = d
                value = try JSONParser.parse(bytes: Array(d.text.utf8))
            } else {
                value = try JSONParser.parse(bytes: bytes)
            }
        } catch let e as JSONParseError {
            return .failure(InputError(code: "invalid_json", file: file, line: line, offset: offset, message: "not valid JSON: \(e.message) at column \(e.offset + 1)"))
        } catch {
            return .failure(InputError(code: "invalid_json", file: file, line: line, offset: offset, message: "not valid JSON"))
        }
        guard case .object(let obj) = value else {
            return .failure(InputError(code: "not_an_object", file: file, line: line, offset: offset, message: "expected a JSON object, got \(value.typeName)"))
        }
        guard let textValue = lookup(obj, input.textField) else {
            return .failure(InputError(code: "missing_text_field", file: file, line: line, offset: offset,
                                       message: "no '\(input.textField)' field (keys: \(obj.keys.sorted().prefix(10).joined(separator: ", "))); set inputs[].text_field"))
        }
        guard case .string(let text) = textValue else {
            return .failure(InputError(code: "text_not_string", file: file, line: line, offset: offset,
                                       message: "field '\(input.textField)' is \(textValue.typeName), expected string"))
        }
        var id = defaultID
        if let v = lookup(obj, input.idField) {
            switch v {
            case .string(let s) where !s.isEmpty: id = s
            case .int(let i): id = String(i)
            default: break
            }
        }
        var meta: [String: JSONValue] = [:]
        if let fields = input.metadataFields {
            for f in fields { if let v = lookup(obj, f) { meta[f] = v } }
        } else {
            for (k, v) in obj where k != input.textField && k != input.idField {
                if k == "metadata", case .object(let inner) = v { for (ik, iv) in inner { meta[ik] = iv } } else { meta[k] = v }
            }
        }
        meta["source_name"] = .string(input.name)
        if let d = decoded { Self.noteCharset(d.charset.rawValue, replaced: d.replacedBytes, utf8Silent: true, in: &meta) }
        return .success(Document(id: id, text: text, source: file, metadata: meta))
    }

    /// Records how a document was decoded: `charset` (left out for UTF-8 text and JSON when `utf8Silent`, as
    /// before) and `replaced_bytes` when bytes became U+FFFD. The run counts both (`RunStats.decoding`).
    static func noteCharset(_ charset: String, replaced: Int, utf8Silent: Bool, in meta: inout [String: JSONValue]) {
        if !(utf8Silent && charset == "utf-8") { meta["charset"] = .string(charset) }
        if replaced > 0 { meta["replaced_bytes"] = .int(Int64(replaced)) }
    }

    private func lookup(_ obj: [String: JSONValue], _ path: String) -> JSONValue? {
        if let v = obj[path] { return v }
        guard path.contains(".") else { return nil }
        var cur: JSONValue = .object(obj)
        for part in path.split(separator: ".") {
            guard let next = cur[String(part)] else { return nil }
            cur = next
        }
        return cur
    }
}
