import ArgumentParser
import Cleaning
import Foundation

/// `pipeline langid`: train and try the language-ID model of the `language_id` stage.
struct LangidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "langid",
        abstract: "Train or try the language-ID model used by the language_id stage.",
        subcommands: [Train.self, Detect.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a byte n-gram naive-Bayes language-ID model from labelled text.",
            discussion: """
                DATA holds one folder per label (ISO 639-1: en, de, zh, ...; zh-Hant for Traditional Chinese, merged \
                into zh and used to tell the two scripts apart) with .txt files. scripts/langid_prepare.py builds such \
                a folder from Debian's man pages.
                """)
        @Argument(help: "Folder of <label>/*.txt training text.") var data: String
        @Option(name: .output, help: "Output model file.") var output: String = "langid.model"
        @Option(name: .long, help: "Features kept per language.") var featuresPerLanguage: Int = 2000
        @Option(name: .long, help: "log2 of the hash buckets.") var bucketBits: Int = 21

        func validate() throws {
            guard (8...28).contains(bucketBits) else { throw ValidationError("--bucket-bits must be between 8 and 28") }
            guard featuresPerLanguage > 0 else { throw ValidationError("--features-per-language must be positive") }
        }

        func run() throws {
            var trainer = LanguageModelTrainer()
            trainer.featuresPerLanguage = featuresPerLanguage
            trainer.bucketBits = bucketBits
            let t0 = Date()
            let model = try trainer.train(folder: data)
            let bytes = model.encoded()
            try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
            printError("languages \(model.languages.joined(separator: " ")); \(model.features.count) features; "
                + "\(model.traditionalOnly.count)/\(model.simplifiedOnly.count) Traditional/Simplified-only characters; "
                + "\(bytes.count) bytes in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s -> \(output)")
        }
    }

    struct Detect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the language and score of each line (or of the whole input with --document).",
            discussion: "Output: one 'LANGUAGE<TAB>SCORE' line per input line, in order (empty lines give 'und').")
        @Argument(help: "Text file, or - for stdin.") var input: String
        @Option(name: .long, help: "Model file (default: the shipped model).") var model: String?
        @Flag(name: .long, help: "Treat the whole input as one document.") var document = false

        func run() throws {
            let identifier = LanguageIdentifier(model: try model.map { try LanguageModel.load(path: $0) } ?? LanguageModel.bundled())
            let data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: input))
            let text = String(decoding: data, as: UTF8.self)
            let units = document ? [Substring(text)] : text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0)
            var out = ""
            for unit in units {
                let r = identifier.identify(String(unit))
                out += "\(r.language)\t\(String(format: "%.4f", r.score))\n"
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
