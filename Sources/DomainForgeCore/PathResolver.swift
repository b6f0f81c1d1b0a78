import Foundation

/// Resolves the paths written in a config file (pipeline, TRAIN.yaml, mix, sweep, lab, SFT dedup config) against the
/// file's folder. The one place that does so: every config kind resolves its relative paths through this type.
///
/// An absolute path is kept; a relative one is joined to `baseDirectory`. The `style` decides what the join looks like,
/// because some outputs record the resolved path (a mix's `records.jsonl` stores each record's origin file) and must
/// stay byte-identical.
public struct PathResolver: Sendable, Equatable {
    /// How a relative path is joined to the base folder.
    public enum Style: Sendable, Equatable {
        /// `base/p` as written (`./p` with base `.`, `p` with an empty base); absolute paths unchanged.
        case joined
        /// `base/p` (`p` alone with base `.` or empty) through `NSString.standardizingPath`; absolute paths unchanged.
        /// Pipeline configs use it.
        case standardized
        /// An absolute, standardized path (against the working directory when the base is relative), so that
        /// handing it on to another config (which resolves against its own folder) cannot resolve it twice.
        case absolute
    }

    /// The folder relative paths are resolved against (`.` or empty: the working directory).
    public var baseDirectory: String
    public var style: Style

    /// A resolver for paths relative to `baseDirectory`.
    public init(baseDirectory: String, style: Style) {
        self.baseDirectory = baseDirectory
        self.style = style
    }

    /// A resolver for the paths written in the config file at `path` (relative to its folder; `.` when it has none).
    public init(configFile path: String, style: Style) {
        let folder = (path as NSString).deletingLastPathComponent
        self.init(baseDirectory: folder.isEmpty ? "." : folder, style: style)
    }

    /// `p` resolved against `baseDirectory` in this resolver's style.
    public func resolve(_ p: String) -> String {
        switch style {
        case .joined:
            if p.hasPrefix("/") || baseDirectory.isEmpty { return p }
            return baseDirectory.hasSuffix("/") ? baseDirectory + p : baseDirectory + "/" + p
        case .standardized:
            if p.hasPrefix("/") { return p }
            let joined = baseDirectory == "." || baseDirectory.isEmpty ? p : baseDirectory + "/" + p
            return (joined as NSString).standardizingPath
        case .absolute:
            if p.hasPrefix("/") { return (p as NSString).standardizingPath }
            var dir = baseDirectory.isEmpty ? "." : baseDirectory
            if !dir.hasPrefix("/") { dir = FileManager.default.currentDirectoryPath + "/" + dir }
            return ((dir + "/" + p) as NSString).standardizingPath
        }
    }
}
