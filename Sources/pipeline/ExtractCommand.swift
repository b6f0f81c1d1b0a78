import ArgumentParser
import DomainForgeCore
import Extraction
import Foundation

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

    enum Format: String, ExpressibleByArgument, CaseIterable { case html, xml, text }

    @Option(help: "Input format: html, xml or text.")
    var format: Format

    @Argument(help: "Input files.")
    var files: [String]

    @Option(name: .shortAndLong, help: "Output JSONL file.")
    var output: String

    @Option(name: .customLong("xml-documents"), help: "XML: XPath selecting the document nodes.")
    var xmlDocuments: String?

    @Option(name: .customLong("xml-text"), help: "XML: XPath (relative to a document node) of a text field; repeatable.")
    var xmlText: [String] = []

    @Option(name: .customLong("xml-id"), help: "XML: XPath (relative to a document node) giving its id.")
    var xmlID: String?

    @Option(name: .customLong("xml-meta"), help: "XML: metadata as key=XPath; repeatable.")
    var xmlMeta: [String] = []

    @Flag(name: .customLong("no-title"), help: "HTML: do not put the page title before the content.")
    var noTitle = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one input file") }
        if format == .xml {
            if xmlDocuments == nil { throw ValidationError("--format xml needs --xml-documents XPATH (e.g. //QAPair)") }
            if xmlText.isEmpty { throw ValidationError("--format xml needs at least one --xml-text XPATH (e.g. Answer)") }
        }
        for m in xmlMeta where !m.contains("=") { throw ValidationError("--xml-meta '\(m)' must look like key=XPATH") }
    }

    func run() throws {
        var xml: XMLRecordExtractor? = nil
        if format == .xml {
            var meta: [String: String] = [:]
            for m in xmlMeta {
                let parts = m.split(separator: "=", maxSplits: 1)
                meta[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            do {
                xml = try XMLRecordExtractor(selector: XMLSelector(documents: xmlDocuments!, text: xmlText, id: xmlID, metadata: meta))
            } catch {
                throw ExtractCommandError(message: error.description)
            }
        }
        var htmlOptions = HTMLExtractor.Options()
        htmlOptions.includeTitle = !noTitle
        let html = HTMLExtractor(options: htmlOptions)

        guard FileManager.default.createFile(atPath: output, contents: nil), let out = FileHandle(forWritingAtPath: output) else {
            throw ExtractCommandError(message: "cannot create output file \(output)")
        }
        defer { try? out.close() }
        var failures = 0, lines = 0
        var buffer = [UInt8]()
        func line(id: String, text: String, metadata: [String: String]?) {
            buffer.append(contentsOf: "{\"id\":".utf8)
            JSONWriter.writeString(id, into: &buffer)
            buffer.append(contentsOf: ",\"text\":".utf8)
            JSONWriter.writeString(text, into: &buffer)
            if let metadata, !metadata.isEmpty {
                buffer.append(contentsOf: ",\"metadata\":".utf8)
                JSONWriter.write(.object(metadata.mapValues { .string($0) }), into: &buffer)
            }
            buffer.append(contentsOf: "}\n".utf8)
            lines += 1
        }
        for path in files {
            let name = URL(fileURLWithPath: path).lastPathComponent
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("\(path): cannot read the file\n".utf8))
                failures += 1
                continue
            }
            do {
                switch format {
                case .text:
                    let text = data.withUnsafeBytes { TextDecoding.decode($0).text }
                    line(id: name, text: text, metadata: nil)
                case .html:
                    let r = data.withUnsafeBytes { raw in Result { () throws(ExtractionError) in try html.extract(raw) } }
                    line(id: name, text: try r.get().text, metadata: nil)
                case .xml:
                    let r = data.withUnsafeBytes { raw in Result { () throws(ExtractionError) in try xml!.extract(raw, fileName: name) } }
                    for rec in try r.get() { line(id: rec.id ?? name, text: rec.text, metadata: rec.metadata) }
                }
            } catch {
                FileHandle.standardError.write(Data("\(path): \(error)\n".utf8))
                failures += 1
            }
            if buffer.count > 1 << 20 { out.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
        }
        out.write(Data(buffer))
        FileHandle.standardError.write(Data("extract: \(files.count) files, \(lines) lines written to \(output), \(failures) failed\n".utf8))
        if failures > 0 { throw ExitCode(1) }
    }
}

/// A failure of `pipeline extract` that is not a usage error (printed as "Error: <message>").
struct ExtractCommandError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
