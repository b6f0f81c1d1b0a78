import DomainForgeCore
import Foundation

/// A validated pipeline config (`pipeline run CONFIG.yaml`), with relative paths resolved against the config's folder.
public struct PipelineSpec: Sendable, Equatable {
    /// The supported input formats.
    public enum Format: String, Sendable, CaseIterable { case text, jsonl, json, html, xml }
    /// How a plain-text file becomes documents.
    public enum TextMode: String, Sendable { case file, paragraphs }

    /// One `inputs[]` entry.
    public struct Input: Sendable, Equatable {
        public var path: String
        public var format: Format
        public var name: String
        public var include: [String]
        public var exclude: [String]
        public var textMode: TextMode
        public var textField: String
        public var idField: String
        public var metadataFields: [String]?
        public var xml: XMLSelectorSpec?
        /// Read symbolic links whose target is outside the input folder (`follow_symlinks`; default false, such
        /// links are rejected as `outside_input_root`).
        public var followSymlinks: Bool = false
        /// `encoding`: decode every file of this input with this charset (a WHATWG label), ignoring BOMs,
        /// declarations and detection. Nil (default): detect.
        public var encoding: TextDecoding.Charset? = nil
    }

    /// `inputs[].xml`: XPath selectors.
    public struct XMLSelectorSpec: Sendable, Equatable {
        public var documents: String
        public var text: [String]
        public var id: String?
        public var metadata: [String: String]
        public var separator: String
    }

    /// One `stages[]` entry: its type and its whole object (options included) for the stage factory.
    public struct Stage: Sendable, Equatable {
        public var type: String
        public var options: JSONValue
    }

    public struct Output: Sendable, Equatable {
        public var path: String
        public var zstdLevel: Int32?
        public var writeRejects: Bool
    }

    public struct Execution: Sendable, Equatable {
        public var workers: Int
        public var chunkBytes: Int
        public var chunkFiles: Int
        public var batchBytes: Int
        public var maxDocumentBytes: Int
        /// `execution.slurm`: defaults for `pipeline slurm`.
        public var slurm = SlurmSettings()
    }

    public var name: String
    public var inputs: [Input]
    public var stages: [Stage]
    public var output: Output
    public var execution: Execution
    /// The config of the next phase (`next:`, resolved against this config's folder), or nil.
    public var next: String?
    /// A hash of the config's content (canonical JSON), stored with the run state to refuse resuming another config.
    public var configHash: String
    /// The folder relative paths in the config are resolved against (the config file's folder).
    public var baseDirectory: String

    /// Resolves a path from the config against `baseDirectory`.
    public func resolve(_ p: String) -> String {
        PathResolver(baseDirectory: baseDirectory, style: .standardized).resolve(p)
    }

    /// Reads, validates and resolves a config file against `schemas` (the stage registry's: `PipelineSpec.load(path:)`
    /// in PipelineRunner). Throws a `ConfigErrors` listing every problem.
    public static func load(path: String, schemas: ConfigSchemas) throws -> PipelineSpec {
        let tree = try ConfigFile.read(path: path)
        try ConfigFile.checkKind(tree, expected: .pipeline)
        let base = (path as NSString).deletingLastPathComponent
        return try from(tree, baseDirectory: base.isEmpty ? "." : base,
                        name: ((path as NSString).lastPathComponent as NSString).deletingPathExtension, schemas: schemas)
    }

    /// Validates (against `schemas`) and resolves an already parsed config tree.
    public static func from(_ tree: JSONValue, baseDirectory: String, name defaultName: String, schemas: ConfigSchemas) throws -> PipelineSpec {
        var errors = schemas.pipeline.validate(tree)
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        let resolve = PathResolver(baseDirectory: baseDirectory, style: .standardized).resolve
        var inputs = [Input]()
        for (i, raw) in (tree["inputs"]?.arrayValue ?? []).enumerated() {
            let format = Format(rawValue: raw["format"]!.stringValue!)!
            let path = raw["path"]!.stringValue!
            var xml: XMLSelectorSpec?
            if let x = raw["xml"] {
                xml = XMLSelectorSpec(
                    documents: x["documents"]!.stringValue!,
                    text: x["text"]!.arrayValue!.compactMap(\.stringValue),
                    id: x["id"]?.stringValue,
                    metadata: (x["metadata"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
                    separator: x["separator"]?.stringValue ?? "\n\n")
            }
            if format == .xml && xml == nil {
                errors.append(ConfigError(path: "inputs[\(i)].xml", message: "is required for format xml (documents and text XPaths)"))
            }
            if format != .xml && xml != nil {
                errors.append(ConfigError(path: "inputs[\(i)].xml", message: "is only allowed with format xml"))
            }
            let encoding = Self.encoding(raw["encoding"]?.stringValue, format: format, at: "inputs[\(i)].encoding", errors: &errors)
            let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
            inputs.append(Input(
                path: resolve(path), format: format,
                name: raw["name"]?.stringValue ?? (trimmed as NSString).lastPathComponent,
                include: raw["include"]?.arrayValue?.compactMap(\.stringValue) ?? defaultIncludes(format),
                exclude: raw["exclude"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                textMode: TextMode(rawValue: raw["text_mode"]?.stringValue ?? "file")!,
                textField: raw["text_field"]?.stringValue ?? "text",
                idField: raw["id_field"]?.stringValue ?? "id",
                metadataFields: raw["metadata_fields"]?.arrayValue?.compactMap(\.stringValue),
                xml: xml,
                followSymlinks: raw["follow_symlinks"]?.boolValue ?? false,
                encoding: encoding))
        }
        var names = Set<String>()
        let stages = (tree["stages"]?.arrayValue ?? []).map { Stage(type: $0["type"]!.stringValue!, options: $0) }
        for (i, s) in stages.enumerated() where !names.insert(s.type).inserted {
            errors.append(ConfigError(path: "stages[\(i)].type", message: "stage '\(s.type)' appears twice; each stage type may be used once"))
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        let out = tree["output"]!
        let compression = out["compression"]?.stringValue ?? "zstd"
        let ex = tree["execution"]
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return PipelineSpec(
            name: tree["name"]?.stringValue ?? defaultName,
            inputs: inputs,
            stages: stages,
            output: Output(path: resolve(out["path"]!.stringValue!),
                           zstdLevel: compression == "zstd" ? Int32(out["zstd_level"]?.intValue ?? 3) : nil,
                           writeRejects: out["write_rejects"]?.boolValue ?? true),
            execution: Execution(
                workers: ex?["workers"]?.intValue ?? max(1, cores),
                chunkBytes: ex?["chunk_bytes"]?.intValue ?? 64 << 20,
                chunkFiles: ex?["chunk_files"]?.intValue ?? 10_000,
                batchBytes: ex?["batch_bytes"]?.intValue ?? 1 << 20,
                maxDocumentBytes: ex?["max_document_bytes"]?.intValue ?? 32 << 20,
                slurm: ex?["slurm"].map(SlurmSettings.init) ?? SlurmSettings()),
            next: tree["next"]?.stringValue.map(resolve),
            configHash: contentHash(tree, excluding: ["execution", "next"]),
            baseDirectory: baseDirectory)
    }

    /// `inputs[].encoding` parsed: nil when absent; an error for an unknown label or for XML (libxml2 reads the XML
    /// declaration itself).
    static func encoding(_ label: String?, format: Format, at path: String, errors: inout [ConfigError]) -> TextDecoding.Charset? {
        guard let label else { return nil }
        if format == .xml {
            errors.append(ConfigError(path: path, message: "is not supported for format xml (the XML declaration names the encoding); remove it"))
            return nil
        }
        guard let cs = TextDecoding.charset(named: label) else {
            errors.append(ConfigError(path: path, message: "unknown encoding '\(label)'; use a WHATWG label such as utf-8, gb18030, big5, shift_jis, euc-jp, euc-kr or windows-1252"))
            return nil
        }
        return cs
    }

    /// Default file globs for a format.
    public static func defaultIncludes(_ f: Format) -> [String] {
        switch f {
        case .text: return ["*.txt", "*.text", "*.md", "*.txt.gz", "*.txt.zst"]
        case .jsonl: return ["*.jsonl", "*.jsonl.gz", "*.jsonl.zst", "*.ndjson", "*.json.gz", "*.jsonl.zstd"]
        case .json: return ["*.json"]
        case .html: return ["*.html", "*.htm", "*.xhtml", "*.html.gz", "*.html.zst"]
        case .xml: return ["*.xml", "*.xml.gz", "*.xml.zst"]
        }
    }

    /// Hash of the config that defines the output (execution settings that change only speed are excluded,
    /// except chunk sizes, which decide how output is split).
    static func contentHash(_ tree: JSONValue, excluding: Set<String>) -> String {
        var t = tree.objectValue ?? [:]
        let ex = t["execution"]?.objectValue ?? [:]
        for k in excluding { t[k] = nil }
        if let cb = ex["chunk_bytes"] { t["chunk_bytes"] = cb }
        if let cf = ex["chunk_files"] { t["chunk_files"] = cf }
        if let md = ex["max_document_bytes"] { t["max_document_bytes"] = md }
        return String(Hashing.fnv1a64(Array(JSONValue.object(t).serialized().utf8)), radix: 16)
    }
}

/// Every problem found in a config, reported together.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public init(errors: [ConfigError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
