import ArgumentParser
import DomainForgeCore
import Extraction
import Foundation
import PipelineRunner

/// `pipeline extract`: turns HTML, XML or plain-text files into JSONL, one `{"id", "text"}` line per document.
///
/// HTML and text files give one line each (`id` = file name). XML files give one line per node matched by
/// `--xml-documents` (`id` from `--xml-id`, else `<file name>#<n>`), with a `metadata` object when `--xml-meta`
/// is given.
struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract text from HTML, XML or text files into JSONL.",
        discussion: """
            Examples:
              pipeline extract --format html pages/*.html -o pages.jsonl
              pipeline extract --format xml medquad/*.xml -o qa.jsonl \\
                --xml-documents //QAPair --xml-text Question --xml-text Answer \\
                --xml-id "concat(ancestor::Document/@id,'-',@pid)" --xml-meta focus=ancestor::Document/Focus
            """)

    @Option(help: "Input format.")
    var format: ExtractFormat

    @Argument(help: "Input files.")
    var files: [String]

    @Option(name: .output, help: "Output JSONL file.")
    var output: String

    @Option(name: .customLong("xml-documents"), help: "XML: XPath selecting the document nodes.")
    var xmlDocuments: String?

    @Option(name: .customLong("xml-text"), help: "XML: XPath (relative to a document node) of a text field; repeatable.")
    var xmlText: [String] = []

    @Option(name: .customLong("xml-id"), help: "XML: XPath (relative to a document node) giving its id.")
    var xmlID: String?

    @Option(name: .customLong("xml-meta"), help: "XML: metadata as key=XPath; repeatable.")
    var xmlMeta: [String] = []

    @Flag(name: .customLong("no-title"), help: "HTML: do not put the page title (nor the headline) in the text.")
    var noTitle = false

    @Flag(name: .customLong("no-link-list-pages"), help: "HTML: prune link lists everywhere, also on table-of-contents and index pages (by default such pages become lists of their entries).")
    var noLinkListPages = false

    @Option(name: .customLong("debug"), help: "HTML: write the score and verdict of every block of every page to this JSONL file.")
    var debug: String?

    @Option(name: .threads, help: "Worker threads: files extracted in parallel (output order stays the input order).")
    var threads: Int = 1

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one input file") }
        if format.name == "xml" {
            if xmlDocuments == nil { throw ValidationError("--format xml needs --xml-documents XPATH (e.g. //QAPair)") }
            if xmlText.isEmpty { throw ValidationError("--format xml needs at least one --xml-text XPATH (e.g. Answer)") }
        }
        for m in xmlMeta where !m.contains("=") { throw ValidationError("--xml-meta '\(m)' must look like key=XPATH") }
        try validateThreads(threads)
    }

    func run() throws {
        let extractor = BatchExtractor(decode: format.decode, tools: .init(html: HTMLExtractor(options: htmlOptions), xml: try xmlExtractor()),
                                       threads: threads)
        guard FileManager.default.createFile(atPath: output, contents: nil), let out = FileHandle(forWritingAtPath: output) else {
            throw CommandFailure("cannot create output file \(output)")
        }
        defer { try? out.close() }
        var failures = 0, lines = 0
        var buffer = [UInt8](), debugLines = [UInt8]()
        try extractor.run(files: files) { file, result in
            switch result {
            case .success(let docs):
                for d in docs { Self.appendLine(d, to: &buffer); debugLines.append(contentsOf: d.debug) }
                lines += docs.count
            case .failure(let e):
                printError("\(file): \(e.message)")
                failures += 1
            }
            if buffer.count > 1 << 20 { try out.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true) }
        }
        try out.write(contentsOf: buffer)
        if let debug { try writeDebug(debugLines, to: debug) }
        printError("extract: \(files.count) files, \(lines) lines written to \(output), \(failures) failed")
        if failures > 0 { throw ExitCode(ExitStatus.failure.rawValue) }
    }

    var htmlOptions: HTMLExtractor.Options {
        var o = HTMLExtractor.Options()
        o.includeTitle = !noTitle
        o.linkListPages = !noLinkListPages
        o.explain = debug != nil
        return o
    }

    /// Writes the `--debug` lines (temporary name, then rename).
    func writeDebug(_ lines: [UInt8], to path: String) throws {
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(lines)) else { throw CommandFailure("cannot write the debug file \(path)") }
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: tmp, toPath: path)
    }

    /// The XML extractor of the --xml-* options (nil unless --format xml).
    func xmlExtractor() throws -> XMLRecordExtractor? {
        guard format.name == "xml" else { return nil }
        var meta: [String: String] = [:]
        for m in xmlMeta {
            let parts = m.split(separator: "=", maxSplits: 1)
            meta[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return try XMLRecordExtractor(selector: XMLSelector(documents: xmlDocuments!, text: xmlText, id: xmlID, metadata: meta))
    }

    /// Appends one `{"id", "text"[, "metadata"]}` line.
    static func appendLine(_ d: BatchExtractor.Document, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: "{\"id\":".utf8)
        JSONWriter.writeString(d.id, into: &buffer)
        buffer.append(contentsOf: ",\"text\":".utf8)
        JSONWriter.writeString(d.text, into: &buffer)
        if let metadata = d.metadata, !metadata.isEmpty {
            buffer.append(contentsOf: ",\"metadata\":".utf8)
            JSONWriter.write(.object(metadata), into: &buffer)
        }
        buffer.append(contentsOf: "}\n".utf8)
    }
}

/// An `extract --format` value: a format of the input format table that `extract` reads (its decoder).
struct ExtractFormat: ExpressibleByArgument {
    let name: String
    let decode: BatchExtractor.Decode

    init?(argument: String) {
        guard let f = InputFormats.named(argument), let decode = f.extract else { return nil }
        name = f.name
        self.decode = decode
    }

    static var allValueStrings: [String] { InputFormats.extractable.map(\.name) }
}
