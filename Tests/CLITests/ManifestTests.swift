import Foundation
import Testing

/// `Package.swift` and the README's module graph follow the real imports (`scripts/module-graph.py`).
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "python3 not installed"))
struct ManifestTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func graph(_ args: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [Self.root.appendingPathComponent("scripts/module-graph.py").path] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    @Test func packageDeclaresExactlyTheImportedModules() throws {
        let r = try graph(["--check"])
        #expect(r.status == 0, "\(r.out)")
    }

    @Test func readmeDrawsTheGraphOfTheImports() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let printed = try graph([]).out
        #expect(readme.contains("```\n" + printed + "```\n"), "README's module graph differs from scripts/module-graph.py:\n\(printed)")
    }
}
