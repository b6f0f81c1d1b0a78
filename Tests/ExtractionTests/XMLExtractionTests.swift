import Foundation
import Testing
@testable import Extraction

/// Reads a fixture next to this file (the test target declares no resources).
func fixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name)
    return Array(try Data(contentsOf: url))
}

func extractXML(_ bytes: [UInt8], _ selector: XMLSelector, name: String = "test.xml") throws(ExtractionError) -> [XMLRecord] {
    let ex = try XMLRecordExtractor(selector: selector)
    let r = bytes.withUnsafeBytes { raw in Result { () throws(ExtractionError) in try ex.extract(raw, fileName: name) } }
    return try r.get()
}

@Suite struct XMLExtractionTests {
    @Test func medquadOneRecordPerQAPair() throws {
        let sel = XMLSelector(documents: "//QAPair", text: ["Question", "Answer"],
                              id: "concat(ancestor::Document/@id, '-', @pid)",
                              metadata: ["focus": "ancestor::Document/Focus", "qtype": "Question/@qtype", "missing": "Nope"])
        let recs = try extractXML(try fixture("medquad-sample.xml"), sel)
        #expect(recs.count == 2)
        #expect(recs[0].id == "0000001-1")
        #expect(recs[0].text == "What is (are) Acromegaly ?\n\nAcromegaly is a hormonal disorder.\n\nIt is most often diagnosed in \"middle-aged\" adults.")
        #expect(recs[0].metadata == ["focus": "Acromegaly", "qtype": "information"])
        #expect(recs[0].line == 5)
        #expect(recs[1].id == "0000001-2")
        #expect(recs[1].text == "What are the symptoms of Acromegaly ?\n\nSwelling of the hands & feet.")
        #expect(recs[1].line == 11)
    }

    @Test func medquadOneRecordPerDocumentWithPositionIds() throws {
        let sel = XMLSelector(documents: "/Document", text: ["Focus", "QAPairs/QAPair/Question | QAPairs/QAPair/Answer"],
                              metadata: ["url": "@url"], separator: "\n")
        let recs = try extractXML(try fixture("medquad-sample.xml"), sel, name: "0000001.xml")
        #expect(recs.count == 1)
        #expect(recs[0].id == "0000001.xml#1")
        #expect(recs[0].metadata["url"] == "http://www.example.org/acromegaly")
        #expect(recs[0].text.hasPrefix("Acromegaly\nWhat is (are) Acromegaly ?\nAcromegaly is a hormonal disorder."))
        #expect(recs[0].text.hasSuffix("What are the symptoms of Acromegaly ?\nSwelling of the hands & feet."))
    }

    @Test func invalidXPathIsRejectedAtInit() {
        #expect(throws: ExtractionError.self) { try XMLRecordExtractor(selector: XMLSelector(documents: "//QAPair[", text: ["."])) }
        #expect(throws: ExtractionError.self) { try XMLRecordExtractor(selector: XMLSelector(documents: "//a", text: ["("])) }
        #expect(throws: ExtractionError.self) { try XMLRecordExtractor(selector: XMLSelector(documents: "//a", text: [])) }
    }

    @Test func documentsExpressionMustSelectNodes() throws {
        #expect(throws: ExtractionError.self) { try extractXML(Array("<a/>".utf8), XMLSelector(documents: "count(//a)", text: ["."])) }
    }

    @Test func malformedXMLReportsLine() throws {
        let bytes = try fixture("malformed.xml")
        do throws(ExtractionError) {
            _ = try extractXML(bytes, XMLSelector(documents: "/Document", text: ["."]), name: "malformed.xml")
            Issue.record("expected an error")
        } catch {
            guard case .malformedXML(let line, let message) = error else { Issue.record("wrong error \(error)"); return }
            #expect(line == 4)
            #expect(message.contains("malformed.xml"))
            #expect(error.description.contains("line 4"))
        }
    }

    @Test func externalEntityIsNeverExpanded() throws {
        let recs = try extractXML(try fixture("xxe.xml"), XMLSelector(documents: "/Document", text: ["Answer"]))
        #expect(recs.count == 1)
        #expect(!recs[0].text.contains("root:"))
        #expect(recs[0].text == "before after hello")
    }

    @Test func externalDTDAndParameterEntitiesAreNeverLoaded() throws {
        let start = ContinuousClock.now
        let recs = try extractXML(try fixture("xxe-dtd.xml"), XMLSelector(documents: "/Document", text: ["Answer"], id: "@id"))
        #expect(recs.map(\.text) == ["safe text"])
        #expect(!recs[0].text.contains("root:"))
        #expect(ContinuousClock.now - start < .seconds(2))  // no network wait
    }

    @Test func billionLaughsIsRefusedQuickly() throws {
        let start = ContinuousClock.now
        var output = 0
        let bytes = try fixture("billion-laughs.xml")
        do throws(ExtractionError) {
            let recs = try extractXML(bytes, XMLSelector(documents: "//Answer", text: ["."]))
            output = recs.reduce(0) { $0 + $1.text.utf8.count }
        } catch {
            guard case .refusedXML(let m) = error else { Issue.record("wrong error \(error)"); return }
            #expect(m.contains("entity"))
        }
        #expect(output < 1_000_000)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func quadraticEntityBlowupIsRefused() throws {
        // One 2 KB entity referenced 20,000 times: 40 MB of text from a 120 KB file, which libxml2's loop check allows.
        var s = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY big \"" + String(repeating: "a", count: 2000) + "\">]><r><t>"
        s += String(repeating: "&big;", count: 20_000)
        s += "</t></r>"
        let start = ContinuousClock.now
        for text in [".", "string(.)"] {
            do throws(ExtractionError) {
                _ = try extractXML(Array(s.utf8), XMLSelector(documents: "/r/t", text: [text]))
                Issue.record("amplified document accepted")
            } catch {
                guard case .refusedXML(let m) = error else { Issue.record("wrong error \(error)"); continue }
                #expect(m.contains("entit"))
            }
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        // A few small entities are fine.
        let ok = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY co \"Example Corp\">]><r><t>&co; makes &co; things.</t></r>"
        #expect(try extractXML(Array(ok.utf8), XMLSelector(documents: "/r/t", text: ["."])).map(\.text) == ["Example Corp makes Example Corp things."])
    }

    @Test func deepNestingIsRefusedWithoutCrash() throws {
        let depth = 100_000
        var s = "<?xml version=\"1.0\"?>"
        s.reserveCapacity(depth * 8)
        for _ in 0..<depth { s += "<a>" }
        s += "x"
        for _ in 0..<depth { s += "</a>" }
        let start = ContinuousClock.now
        do throws(ExtractionError) {
            _ = try extractXML(Array(s.utf8), XMLSelector(documents: "/a", text: ["."]))
            Issue.record("10^5-deep XML was accepted")
        } catch {
            guard case .refusedXML(let m) = error else { Issue.record("wrong error \(error)"); return }
            #expect(m.contains("depth"))
        }
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func xpathEvaluationErrorsAreReported() throws {
        let bytes = Array("<r><a>1</a></r>".utf8)
        #expect(throws: ExtractionError.self) { try extractXML(bytes, XMLSelector(documents: "//a", text: ["no-such-function(.)"])) }
        #expect(throws: ExtractionError.self) { try extractXML(bytes, XMLSelector(documents: "//a", text: ["$undefined"])) }
        // Scalar expressions are fine for text, id and metadata.
        let recs = try extractXML(bytes, XMLSelector(documents: "//a", text: ["concat('n=', .)", "count(../a) + 1"], id: "name()", metadata: ["ok": "boolean(.)"]))
        #expect(recs == [XMLRecord(id: "a", text: "n=1\n\n2", metadata: ["ok": "true"], line: 1)])
    }

    @Test func moderateNestingIsWalkedIteratively() throws {
        var s = ""
        for _ in 0..<200 { s += "<a>" }
        s += "deep"
        for _ in 0..<200 { s += "</a>" }
        let recs = try extractXML(Array(s.utf8), XMLSelector(documents: "/a", text: ["."]))
        #expect(recs.map(\.text) == ["deep"])
    }

    @Test func emptyAndWhitespaceFilesAreErrors() throws {
        #expect(throws: ExtractionError.malformedXML(line: 0, message: "e.xml is empty (0 bytes); expected an XML document")) {
            try extractXML([], XMLSelector(documents: "/a", text: ["."]), name: "e.xml")
        }
        #expect(throws: ExtractionError.self) { try extractXML(Array("  \n".utf8), XMLSelector(documents: "/a", text: ["."])) }
    }

    @Test func binaryGarbageIsMalformed() throws {
        let garbage: [UInt8] = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }
        #expect(throws: ExtractionError.self) { try extractXML(garbage, XMLSelector(documents: "/a", text: ["."])) }
    }

    @Test func concurrentExtractionFromTwoThreads() async throws {
        let bytes = try fixture("medquad-sample.xml")
        let ex = try XMLRecordExtractor(selector: XMLSelector(documents: "//QAPair", text: ["Question", "Answer"], id: "@pid"))
        let counts = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var n = 0
                    for _ in 0..<200 { n += (try? bytes.withUnsafeBytes { try ex.extract($0, fileName: "m.xml") })?.count ?? 0 }
                    return n
                }
            }
            return await group.reduce(0, +)
        }
        #expect(counts == 800)
    }

    static let medQuAD = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/medquad-xml/5_NIDDK_QA")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: medQuAD.path), "needs the shared data folder (medquad-xml)"))
    func realMedQuADFilesWhenPresent() throws {
        let dir = Self.medQuAD
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.count >= 20)
        let ex = try XMLRecordExtractor(selector: XMLSelector(documents: "//QAPair", text: ["Question", "Answer"], id: "concat(ancestor::Document/@id, '-', @pid)"))
        for f in files.sorted().prefix(20) {
            let bytes = try Data(contentsOf: dir.appendingPathComponent(f))
            let recs = try bytes.withUnsafeBytes { try ex.extract($0, fileName: f) }
            #expect(!recs.isEmpty)
            #expect(recs.allSatisfy { !$0.text.isEmpty && $0.id != nil })
        }
    }
}
