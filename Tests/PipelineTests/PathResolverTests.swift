import DomainForgeCore
import Foundation
import Testing

/// The one resolver of config paths, in its three styles.
@Suite struct PathResolverTests {
    @Test func joinedKeepsThePathAsWritten() {
        let r = PathResolver(baseDirectory: "pipelines/mixes", style: .joined)
        #expect(r.resolve("../../corpora/a.json") == "pipelines/mixes/../../corpora/a.json")
        #expect(r.resolve("/abs/x") == "/abs/x")
        #expect(PathResolver(baseDirectory: ".", style: .joined).resolve("a") == "./a")
        #expect(PathResolver(baseDirectory: "", style: .joined).resolve("a") == "a")
        #expect(PathResolver(baseDirectory: "dir/", style: .joined).resolve("a") == "dir/a")
    }

    @Test func standardizedJoinsWithoutADotPrefix() {
        let r = PathResolver(baseDirectory: "pipelines", style: .standardized)
        #expect(r.resolve("in/a.jsonl") == "pipelines/in/a.jsonl")
        #expect(r.resolve("/abs/../x") == "/abs/../x")
        #expect(PathResolver(baseDirectory: ".", style: .standardized).resolve("a/b") == "a/b")
        #expect(PathResolver(baseDirectory: "", style: .standardized).resolve("a/b/") == "a/b")
    }

    @Test func absoluteIsAgainstTheWorkingDirectory() {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(PathResolver(baseDirectory: "x", style: .absolute).resolve("../y") == (cwd + "/y" as NSString).standardizingPath)
        #expect(PathResolver(baseDirectory: "/base", style: .absolute).resolve("a/../b") == "/base/b")
        #expect(PathResolver(configFile: "cfg.yaml", style: .joined).baseDirectory == ".")
        #expect(PathResolver(configFile: "p/cfg.yaml", style: .joined).baseDirectory == "p")
    }
}
