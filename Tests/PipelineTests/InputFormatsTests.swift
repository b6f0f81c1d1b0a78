import DomainForgeCore
import Extraction
import PipelineConfig
import PipelineRunner
import Testing

/// The input formats are declared once, in `InputFormats.all`: the config schema offers exactly them, and
/// `pipeline extract` the ones with an extract decoder.
@Suite struct InputFormatsTests {
    @Test func theSchemaOffersTheTablesFormats() throws {
        let names = InputFormats.all.map(\.name)
        #expect(names == ["text", "jsonl", "json", "html", "xml"])
        let schema = ConfigSchemas.registry.pipeline.schema
        #expect(schema["$defs"]?["input"]?["properties"]?["format"]?["enum"] == .array(names.map { .string($0) }),
                "schemas/pipeline.base.json: inputs[].format must list InputFormats.all")
        #expect(PipelineSpec.Format.allCases.map(\.rawValue) == names)
    }

    @Test func eachFormatSaysHowItIsRead() throws {
        let framing = Dictionary(uniqueKeysWithValues: InputFormats.all.map { ($0.name, "\($0.framing)") })
        #expect(framing == ["text": "text", "jsonl": "lines", "json": "jsonArray", "html": "wholeFile", "xml": "wholeFile"])
        #expect(InputFormats.extractable.map(\.name) == ["text", "html", "xml"])
        #expect(InputFormats.named("csv") == nil)
    }

    /// The extract decoders of the table, on bytes: text as is, HTML's main text, XML refused without a selector.
    @Test func extractDecoders() throws {
        let text = try #require(InputFormats.named("text")?.extract)
        let r = Array("plain text\n".utf8).withUnsafeBytes { text($0, "a.txt", .init()) }
        let docs = try r.get()
        #expect(docs.map(\.id) == ["a.txt"] && docs.map(\.text) == ["plain text\n"])
        let xml = try #require(InputFormats.named("xml")?.extract)
        let refused = Array("<a/>".utf8).withUnsafeBytes { xml($0, "a.xml", .init()) }
        guard case .failure(let f) = refused else { Issue.record("XML without a selector must fail"); return }
        #expect(f.message == "no XML record selector was given")
        let html = try #require(InputFormats.named("html")?.extract)
        let page = "<html><head><title>T</title></head><body><article><p>" + String(repeating: "A sentence of the page body. ", count: 8)
            + "</p></article></body></html>"
        let pages = try Array(page.utf8).withUnsafeBytes { html($0, "p.html", .init()) }.get()
        #expect(pages.count == 1 && pages[0].id == "p.html" && pages[0].text.contains("A sentence of the page body."))
    }
}
