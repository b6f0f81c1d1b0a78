#if canImport(Glibc)
import Glibc
#endif
import DomainForgeCore
import Foundation
import PipelineConfig

/// One input file of a run, in its deterministic global order.
public struct InputFile: Sendable, Equatable {
    /// Position in the sorted list of all inputs (before rank sharding).
    public var index: Int
    /// Which `inputs[]` entry it came from.
    public var specIndex: Int
    /// Path on disk.
    public var path: String
    /// The name shown to users and written as `metadata.source`: `<input name>/<path inside the folder>`.
    public var displayName: String
    public var size: Int
    public var mtime: Int
    /// Set when the entry must not be opened (not a regular file, a link leaving the input root, a dangling link):
    /// the run records it as one rejected document with this error instead of reading it.
    public var problem: InputError? = nil
}

/// The sorted list of input files and its split into ranks and parts (the unit of output and of resume).
public struct InputPlan: Sendable {
    public var files: [InputFile]

    /// Expands every `inputs[]` entry: a file is taken as is; a folder is walked recursively (symlinked folders are
    /// not followed), keeping files whose name matches an `include` glob and no `exclude` glob, and hidden files are
    /// skipped; files are sorted by path (byte order) for determinism. Matching entries that must not be read (FIFOs,
    /// sockets, devices, dangling links, links leaving the input root unless `follow_symlinks`) are kept in the plan
    /// with their `problem`. Throws `ConfigError` for an entry that is missing or matches nothing.
    public static func build(_ spec: PipelineSpec) throws -> InputPlan {
        var files = [InputFile]()
        for (si, input) in spec.inputs.enumerated() {
            for found in try expand(input, index: si) {
                var st = stat()
                let ok = found.problem == nil && stat(found.path, &st) == 0
                let display = found.relative.isEmpty ? input.name : input.name + "/" + found.relative
                var problem = found.problem.map { InputError(code: $0.code, file: display, message: $0.message) }
                if problem == nil && !ok { problem = InputFileKind.of(path: found.path).inputError(file: display) }
                files.append(InputFile(index: files.count, specIndex: si, path: found.path, displayName: display,
                                       size: ok ? Int(st.st_size) : 0, mtime: ok ? Int(st.st_mtim.tv_sec) : 0, problem: problem))
            }
        }
        return InputPlan(files: files)
    }

    /// One path found by the walk, with the reason it must not be opened (its `file` is filled in by `build`).
    struct Found {
        var path: String
        var relative: String
        var problem: InputError?
    }

    /// The files of one `inputs[]` entry, sorted; throws when the path is missing or nothing in it matches.
    static func expand(_ input: PipelineSpec.Input, index si: Int) throws -> [Found] {
        let kind = InputFileKind.of(path: input.path)
        if kind == .missing {
            throw ConfigError(path: "inputs[\(si)].path", message: "\(input.path) does not exist; fix the path of input \"\(input.name)\"")
        }
        guard kind == .directory else { return [Found(path: input.path, relative: "", problem: kind.inputError(file: ""))] }
        let root = realPath(input.path) ?? input.path
        var found = [Found]()
        try walk(input.path, relative: "", input: input, root: root, into: &found)
        if found.isEmpty {
            throw ConfigError(path: "inputs[\(si)]",
                              message: "input \"\(input.name)\" (\(input.path)) matches no file (include \(input.include), exclude \(input.exclude)); fix the path or the globs, or remove the entry")
        }
        found.sort { Array($0.relative.utf8).lexicographicallyPrecedes(Array($1.relative.utf8)) }
        return found
    }

    static func walk(_ dir: String, relative: String, input: PipelineSpec.Input, root: String, into out: inout [Found]) throws {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw ConfigError(path: dir, message: "cannot list folder: \(error.localizedDescription); check its permissions")
        }
        for name in names where !name.hasPrefix(".") {
            let path = dir + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var lst = stat()
            guard lstat(path, &lst) == 0 else { continue }
            let isLink = (lst.st_mode & S_IFMT) == S_IFLNK
            let kind = InputFileKind.of(path: path)
            if kind == .directory {
                if isLink { continue }  // symlinked folders are not followed (no cycles, no double counting)
                try walk(path, relative: rel, input: input, root: root, into: &out)
                continue
            }
            guard matches(name, input) else { continue }
            var problem = kind.inputError(file: "")
            if problem == nil && isLink && !input.followSymlinks, let target = realPath(path), !isInside(target, root: root) {
                problem = InputError(code: "outside_input_root", file: "",
                                     message: "is a symbolic link to \(target), outside the input folder; it was not followed (set follow_symlinks: true on the input to read it)")
            }
            out.append(Found(path: path, relative: rel, problem: problem))
        }
    }

    static func matches(_ name: String, _ input: PipelineSpec.Input) -> Bool {
        input.include.contains(where: { fnmatch($0, name, 0) == 0 }) && !input.exclude.contains(where: { fnmatch($0, name, 0) == 0 })
    }

    /// `realpath(3)` of a path, nil when it cannot be resolved.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func isInside(_ path: String, root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// The files of one rank: every `worldSize`-th file starting at `rank` (as datatrove shards files).
    public func files(rank: Int, worldSize: Int) -> [InputFile] {
        files.filter { $0.index % worldSize == rank }
    }

    /// Groups a rank's files into parts: consecutive files until `chunkBytes` of input or `chunkFiles` files.
    public static func parts(of files: [InputFile], chunkBytes: Int, chunkFiles: Int) -> [[InputFile]] {
        var parts = [[InputFile]]()
        var cur = [InputFile]()
        var bytes = 0
        for f in files {
            if !cur.isEmpty && (bytes + f.size > chunkBytes || cur.count >= chunkFiles) {
                parts.append(cur)
                cur = []
                bytes = 0
            }
            cur.append(f)
            bytes += f.size
        }
        if !cur.isEmpty { parts.append(cur) }
        return parts
    }
}
