import ArgumentParser
import Evaluation
import Experiments
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Compare training runs with their base: domain loss gain and general loss rise (forgetting), as a table and an HTML page.",
        discussion: """
            A run directory is a training output_dir (metrics.jsonl, latest, checkpoint-NNNNNN/) with an eval.json \
            written by: pipeline eval RUN domain=DOMAIN_HELDOUT general=GENERAL_HELDOUT -o RUN/eval.json. \
            --base is the base model's eval.json (or a run directory holding one). The HTML page is self-contained: \
            the table, training loss curves and a domain-gain-vs-forgetting scatter as inline SVG. Datasets scored with \
            retrieval (LABEL+rag, from pipeline eval --rag) get a second table beside their plain rows: loss with and \
            without the retrieved context and the difference.
            """)

    @Argument(help: "Run directories.")
    var runs: [String]

    @Option(help: "The base model's eval.json, or a directory that holds one.")
    var base: String?

    @Option(name: .output, help: "Write the HTML report here.")
    var output: String?

    @Option(name: .customLong("html"), help: .deprecatedAlias)
    var deprecatedHTML: String?

    @Option(help: "Label of the domain held-out dataset in eval.json.")
    var domain = "domain"

    @Option(help: "Label of the general held-out dataset in eval.json.")
    var general = "general"

    mutating func validate() throws {
        output = try mergeDeprecated(output, old: deprecatedHTML, oldName: "--html", newName: "--output")
    }

    func run() throws {
        let (c, rag) = try orExit { () throws -> (RunComparison, RetrievalComparison) in
            let rs = try runs.map { try RunDirectory(path: $0) }
            let b = try base.map { p -> EvalResult in
                var isDir: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: p, isDirectory: &isDir)
                return try EvalResult.load(path: isDir.boolValue ? p + "/eval.json" : p)
            }
            return (try RunComparison(runs: rs, base: b, domainLabel: domain, generalLabel: general), RetrievalComparison(base: b, runs: rs))
        }
        print(c.table)
        if !rag.isEmpty { print("\n" + rag.table) }
        if let output {
            var page = HTMLReport.comparison(c, title: "Run comparison")
            rag.add(to: &page)
            try orExit { try page.write(path: output) }
            print("wrote \(output)")
        }
    }
}
