import ArgumentParser
import DomainForgeCore
import Extraction
import Dispatch
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

    @Flag(name: .customLong("no-title"), help: "HTML: do not put the page title (nor the headline) in the text.")
    var noTitle = false

    @Flag(name: .customLong("no-link-list-pages"), help: "HTML: prune link lists everywhere, also on table-of-contents and index pages (by default such pages become lists of their entries).")
    var noLinkListPages = false

    @Option(name: .customLong("debug"), help: "HTML: write the score and verdict of every block of every page to this JSONL file.")
    var debug: String?

    @Option(help: "Files extracted in parallel (output order stays the input order).")
    var threads: Int = 1

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one input file") }
        if format == .xml {
            if xmlDocuments == nil { throw ValidationError("--format xml needs --xml-documents XPATH (e.g. //QAPair)") }
            if xmlText.isEmpty { throw ValidationError("--format xml needs at least one --xml-text XPATH (e.g. Answer)") }
        }
        for m in xmlMeta where !m.contains("=") { throw ValidationError("--xml-meta '\(m)' must look like key=XPATH") }
        if threads < 1 || threads > 256 { throw ValidationError("--threads must be between 1 and 256") }
    }

    func run() throws {
        var xmlExtractor: XMLRecordExtractor? = nil
        if format == .xml {
            var meta: [String: String] = [:]
            for m in xmlMeta {
                let parts = m.split(separator: "=", maxSplits: 1)
                meta[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            do {
                xmlExtractor = try XMLRecordExtractor(selector: XMLSelector(documents: xmlDocuments!, text: xmlText, id: xmlID, metadata: meta))
            } catch {
                throw ExtractCommandError(message: error.description)
            }
        }
        var htmlOptions = HTMLExtractor.Options()
        htmlOptions.includeTitle = !noTitle
        htmlOptions.linkListPages = !noLinkListPages
        htmlOptions.explain = debug != nil
        var debugLines = [UInt8]()
        let html = HTMLExtractor(options: htmlOptions)

        guard FileManager.default.createFile(atPath: output, contents: nil), let out = FileHandle(forWritingAtPath: output) else {
            throw ExtractCommandError(message: "cannot create output file \(output)")
        }
        defer { try? out.close() }
        var failures = 0, lines = 0
        var buffer = [UInt8]()
        func line(id: String, text: String, metadata: [String: JSONValue]?) {
            buffer.append(contentsOf: "{\"id\":".utf8)
            JSONWriter.writeString(id, into: &buffer)
            buffer.append(contentsOf: ",\"text\":".utf8)
            JSONWriter.writeString(text, into: &buffer)
            if let metadata, !metadata.isEmpty {
                buffer.append(contentsOf: ",\"metadata\":".utf8)
                JSONWriter.write(.object(metadata), into: &buffer)
            }
            buffer.append(contentsOf: "}\n".utf8)
            lines += 1
        }
        let format = self.format
        let xml = xmlExtractor
        /// One file's documents (id, text, metadata) or the reason it failed. Safe to call from several threads.
        @Sendable func process(_ path: String) -> Result<[ExtractedDocument], ExtractCommandError> {
            let name = URL(fileURLWithPath: path).lastPathComponent
            if let e = InputFileKind.of(path: path).inputError(file: path) { return .failure(.init(message: "\(e.message) [\(e.code)]")) }
            guard let data = FileManager.default.contents(atPath: path) else { return .failure(.init(message: "cannot read the file")) }
            switch format {
            case .text:
                return .success([(name, data.withUnsafeBytes { TextDecoding.decode($0).text }, nil, [])])
            case .html:
                let r = data.withUnsafeBytes { raw in Result { () throws(ExtractionError) in try html.extract(raw) } }
                return r.map { page in
                    let debug = (page.blocks ?? []).flatMap { $0.jsonLine(id: name) }
                    return [(name, page.text, page.extractionMetadata.map { ["extraction": $0] }, debug)]
                }.mapError { .init(message: $0.description) }
            case .xml:
                let r = data.withUnsafeBytes { raw in Result { () throws(ExtractionError) in try xml!.extract(raw, fileName: name) } }
                return r.map { $0.map { ($0.id ?? name, $0.text, $0.metadata.mapValues { JSONValue.string($0) }, []) } }.mapError { .init(message: $0.description) }
            }
        }
        let batch = max(1, threads) * 32
        var start = 0
        while start < files.count {
            let chunk = Array(files[start..<min(files.count, start + batch)])
            start += chunk.count
            var results = [Result<[ExtractedDocument], ExtractCommandError>?](repeating: nil, count: chunk.count)
            if threads == 1 {
                for (k, f) in chunk.enumerated() { results[k] = process(f) }
            } else {
                results.withUnsafeMutableBufferPointer { slots in
                    // Each worker writes only its own slots (k ≡ w mod workers), so the writes never overlap.
                    let out = Slots(base: slots.baseAddress!)
                    let workers = min(threads, chunk.count)
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        var k = w
                        while k < chunk.count { out.base[k] = process(chunk[k]); k += workers }
                    }
                }
            }
            for (k, r) in results.enumerated() {
                switch r! {
                case .success(let docs):
                    for (id, text, meta, debug) in docs {
                        debugLines.append(contentsOf: debug)
                        line(id: id, text: text, metadata: meta)
                    }
                case .failure(let e):
                    FileHandle.standardError.write(Data("\(chunk[k]): \(e.message)\n".utf8))
                    failures += 1
                }
            }
            if buffer.count > 1 << 20 { out.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
        }
        out.write(Data(buffer))
        if let debug {
            let tmp = debug + ".tmp"
            guard FileManager.default.createFile(atPath: tmp, contents: Data(debugLines)) else {
                throw ExtractCommandError(message: "cannot write the debug file \(debug)")
            }
            _ = try? FileManager.default.removeItem(atPath: debug)
            try FileManager.default.moveItem(atPath: tmp, toPath: debug)
        }
        FileHandle.standardError.write(Data("extract: \(files.count) files, \(lines) lines written to \(output), \(failures) failed\n".utf8))
        if failures > 0 { throw ExitCode(1) }
    }
}

/// One extracted document: id, text, metadata, and its `--debug` lines (empty without `--debug`).
typealias ExtractedDocument = (id: String, text: String, metadata: [String: JSONValue]?, debug: [UInt8])

/// Result slots shared by the worker threads of one batch (disjoint indices per worker).
private struct Slots: @unchecked Sendable {
    let base: UnsafeMutablePointer<Result<[ExtractedDocument], ExtractCommandError>?>
}

/// A failure of `pipeline extract` that is not a usage error (printed as "Error: <message>").
struct ExtractCommandError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
