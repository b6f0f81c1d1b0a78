import ArgumentParser
import Foundation
import Testing
@testable import pipeline

/// Every command's `--help`, pinned in `Help/<command path>.txt` (as swift-argument-parser's example tests pin
/// theirs): a changed option, default or text shows up as a diff here. After a deliberate change, rewrite the files
/// with `DOMAINFORGE_UPDATE_HELP=1 swift test --filter HelpTests` and review the diff.
@Suite struct HelpTests {
    static let helpDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Help")

    /// Every command path below `pipeline`, e.g. ["pipeline"], ["pipeline", "tokenizer", "train"].
    static let commands: [[any ParsableCommand.Type]] = {
        func walk(_ path: [any ParsableCommand.Type]) -> [[any ParsableCommand.Type]] {
            [path] + path.last!.configuration.subcommands.flatMap { walk(path + [$0]) }
        }
        return walk([Pipeline.self])
    }()

    static func name(_ path: [any ParsableCommand.Type]) -> String {
        path.map { $0._commandName }.joined(separator: " ")
    }

    static func fixture(_ path: [any ParsableCommand.Type]) -> URL {
        helpDirectory.appendingPathComponent(name(path).replacingOccurrences(of: " ", with: "-") + ".txt")
    }

    @Test(arguments: commands.map(name))
    func helpIsPinned(command: String) throws {
        let path = Self.commands.first { Self.name($0) == command }!
        let help = Pipeline.helpMessage(for: path.last!, includeHidden: false, columns: 120) + "\n"
        let file = Self.fixture(path)
        if ProcessInfo.processInfo.environment["DOMAINFORGE_UPDATE_HELP"] == "1" {
            try Data(help.utf8).write(to: file)
        }
        let pinned = try String(contentsOf: file, encoding: .utf8)
        #expect(help == pinned, "\(command) --help differs from \(file.lastPathComponent)")
    }

    @Test func noHelpFileOfARemovedCommand() throws {
        let expected = Set(Self.commands.map { Self.fixture($0).lastPathComponent })
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: Self.helpDirectory.path))
        #expect(files == expected)
    }

    @Test func everyHelpListsTheValuesOfItsEnumOptions() {
        let export = Pipeline.helpMessage(for: ExportCommand.self, columns: 120)
        #expect(export.contains("values: megatron, nanogpt, jsonl"))
        let sft = Pipeline.helpMessage(for: SFTValidateCommand.self, columns: 120)
        #expect(sft.contains("values: drop, truncate, error"))
    }
}
