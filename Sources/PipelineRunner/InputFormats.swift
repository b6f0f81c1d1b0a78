import DomainForgeCore
import Extraction
import PipelineConfig

/// How the reader cuts a file of an input format into records (the sequential half of ingest).
public enum InputFraming: Sendable {
    /// One record per line (`jsonl`).
    case lines
    /// The elements of a top-level JSON array (`json`).
    case jsonArray
    /// Plain text: the whole file, or one record per blank-line section with `text_mode: paragraphs`.
    case text
    /// The whole file, turned into documents by the format's decoder (`html`, `xml`).
    case wholeFile
}

/// One input format: its name (a config's `inputs[].format`, `pipeline extract --format`), how its files are cut
/// into records, how a whole file becomes documents in a run, and what `pipeline extract` makes of a file.
public struct InputFormat: Sendable {
    public let name: String
    public let framing: InputFraming
    /// The documents of a whole file in a run (`.wholeFile` framing).
    let decodeFile: (@Sendable (_ decoder: RecordDecoder, _ bytes: [UInt8], _ input: PipelineSpec.Input, _ file: InputFile)
        -> [Result<Document, InputError>])?
    /// What `pipeline extract` makes of one file (nil: `extract` does not read this format).
    public let extract: BatchExtractor.Decode?
}

/// The input formats, declared once: the executor's reader and decoder and `pipeline extract` look a format up
/// here by name, and a test holds the config schema's `format` values to this table.
public enum InputFormats {
    public static let all: [InputFormat] = [
        InputFormat(name: "text", framing: .text, decodeFile: nil, extract: BatchExtractor.text),
        InputFormat(name: "jsonl", framing: .lines, decodeFile: nil, extract: nil),
        InputFormat(name: "json", framing: .jsonArray, decodeFile: nil, extract: nil),
        InputFormat(name: "html", framing: .wholeFile, decodeFile: { $0.htmlDocuments($1, input: $2, file: $3) }, extract: BatchExtractor.html),
        InputFormat(name: "xml", framing: .wholeFile, decodeFile: { $0.xmlDocuments($1, input: $2, file: $3) }, extract: BatchExtractor.xml),
    ]

    /// The format called `name`, or nil.
    public static func named(_ name: String) -> InputFormat? { all.first { $0.name == name } }

    /// The format of a config input (validated against the schema, so always in the table).
    static func of(_ input: PipelineSpec.Input) -> InputFormat {
        guard let f = named(input.format.rawValue) else { preconditionFailure("input format '\(input.format.rawValue)' is not in InputFormats.all") }
        return f
    }

    /// The formats `pipeline extract` reads, in table order.
    public static var extractable: [InputFormat] { all.filter { $0.extract != nil } }
}
