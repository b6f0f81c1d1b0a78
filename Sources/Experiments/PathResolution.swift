import Foundation

/// Paths in lab and sweep files are relative to the file; they are made absolute once, so that handing them on to
/// the pipeline or the trainer (which resolve relative paths against their own config folders) cannot resolve twice.
enum PathResolution {
    /// `p` against `directory` (itself against the working directory), standardized.
    static func absolute(_ p: String, relativeTo directory: String) -> String {
        if p.hasPrefix("/") { return (p as NSString).standardizingPath }
        var dir = directory.isEmpty ? "." : directory
        if !dir.hasPrefix("/") { dir = FileManager.default.currentDirectoryPath + "/" + dir }
        return ((dir + "/" + p) as NSString).standardizingPath
    }
}
