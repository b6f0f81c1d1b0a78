import DomainForgeCore
import Foundation
import PipelineConfig
import PipelineRunner

/// Runs a registered stage the ways a pipeline may run it and checks that the results agree, in the spirit of
/// swift-nio's `ByteToMessageDecoderVerifier`.
///
/// The documents are written one per input file, so the part size decides how they are batched. The stage runs:
/// one document per part and in batches of `batch` documents, each with 1 and 2 workers; interrupted after its
/// first batch, then resumed; and interrupted inside its second batch (``PipelineExecutor/Options/interruptPart``:
/// after half of the batch's documents were decided or written, as a crash there would leave it), then resumed.
/// The kept documents and the rejects must be byte-identical in every run, and each interrupted run must leave
/// exactly the files (documents, rejects, errors, shards) of the uninterrupted one.
public struct StageConformanceVerifier {
    /// The stage entry of the config, as YAML lines under `stages:` (e.g. `- type: length`), with any stages it
    /// needs before it.
    public var stages: String
    /// The documents' texts.
    public var documents: [String]
    /// Documents per part in the batched runs.
    public var batch = 4
    /// The stage types known to the runs (the config is validated against their schemas).
    public var registry: [StageDeclaration]

    public init(stages: String, documents: [String], batch: Int = 4, registry: [StageDeclaration] = StageRegistry.all) {
        self.stages = stages; self.documents = documents; self.batch = batch; self.registry = registry
    }

    /// What a run left: its kept documents and rejects (concatenated in part order) and every output file.
    public struct Outcome: Equatable {
        public var documents: [UInt8]
        public var rejects: [UInt8]
        public var files: [String: [UInt8]]
    }

    /// Runs every variant; returns the problems found (empty: the stage conforms).
    public func verify() throws -> [String] {
        let dir = TempDir()
        for (i, text) in documents.enumerated() {
            var line = [UInt8]("{\"id\":\"d\(i)\",\"text\":".utf8)
            JSONWriter.writeString(text, into: &line)
            line.append(contentsOf: "}\n".utf8)
            dir.write(String(format: "docs/%05d.jsonl", i), line)
        }
        var problems = [String]()
        let single1 = try run(dir, "single-1", chunk: 1, workers: 1)
        let variants: [(String, Outcome)] = [
            ("one at a time, 2 workers", try run(dir, "single-2", chunk: 1, workers: 2)),
            ("batches, 1 worker", try run(dir, "batch-1", chunk: batch, workers: 1)),
            ("batches, 2 workers", try run(dir, "batch-2", chunk: batch, workers: 2)),
        ]
        if single1.documents.isEmpty && single1.rejects.isEmpty { problems.append("the stage wrote no documents and no rejects") }
        for (name, o) in variants {
            if o.documents != single1.documents { problems.append("\(name): documents differ from one at a time, 1 worker") }
            if o.rejects != single1.rejects { problems.append("\(name): rejects differ from one at a time, 1 worker") }
        }
        _ = try run(dir, "interrupted", chunk: batch, workers: 2, maxParts: 1)
        // A later process resumes the run: the stages are built again.
        let resumed = try run(dir, "interrupted", chunk: batch, workers: 2)
        let whole = variants[2].1
        problems += compare("interrupted between parts and resumed", resumed, whole)
        // A crash inside the second part, after half of its documents were decided or written, then a resume.
        let inside = (part: 1, afterDocuments: max(1, batch / 2))
        do {
            _ = try run(dir, "interrupted-inside", chunk: batch, workers: 2, interrupt: inside)
            problems.append("the run was not interrupted inside part \(inside.part)")
        } catch is RunInterrupted {}
        problems += compare("interrupted inside a part and resumed", try run(dir, "interrupted-inside", chunk: batch, workers: 2), whole)
        return problems
    }

    /// The problem of a run whose files differ from `whole`'s, naming the files.
    func compare(_ name: String, _ run: Outcome, _ whole: Outcome) -> [String] {
        if run.files != whole.files {
            let names = Set(run.files.keys).union(whole.files.keys).filter { run.files[$0] != whole.files[$0] }.sorted()
            return ["\(name): files differ from an uninterrupted run: \(names.joined(separator: ", "))"]
        }
        return []
    }

    func run(_ dir: TempDir, _ name: String, chunk: Int, workers: Int, maxParts: Int? = nil,
             interrupt: (part: Int, afterDocuments: Int)? = nil) throws -> Outcome {
        let yaml = """
            version: 1
            name: verify
            inputs:
              - {path: ../docs, format: jsonl}
            stages:
            \(stages.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            output:
              path: out
              compression: none
              write_rejects: true
            execution:
              workers: \(workers)
              chunk_files: \(chunk)
            """
        // Each run has a folder of its own and the same config text, so runs with equal settings have equal manifests.
        dir.write(name + "/verify.yaml", yaml)
        let spec = try PipelineSpec.from(try YAMLLoader.load(yaml, file: "verify.yaml"), baseDirectory: dir.path + "/" + name, name: "verify",
                                         schemas: ConfigSchemas(registry: registry))
        var options = PipelineExecutor.Options()
        options.workers = workers
        options.maxParts = maxParts
        options.interruptPart = interrupt
        try PipelineExecutor(spec: spec, plan: try StageFactory.make(spec, registry: registry), options: options, log: { _ in }).run()
        let out = name + "/out"
        var files = [String: [UInt8]]()
        for sub in ["documents", "rejects", "errors", "shards"] {
            for f in dir.allFiles(out + "/" + sub) where !AtomicOutputFile.isTemporary((f as NSString).lastPathComponent) {
                files[sub + "/" + f] = dir.read(out + "/" + sub + "/" + f)
            }
        }
        func concatenated(_ sub: String) -> [UInt8] {
            files.keys.filter { $0.hasPrefix(sub + "/") }.sorted().flatMap { files[$0]! }
        }
        return Outcome(documents: concatenated("documents"), rejects: concatenated("rejects"), files: files)
    }
}
