import DomainForgeCore

/// An ordered dedup stage could not read or write its index (SQLite failure, full disk, a damaged file) while
/// deciding a document. The part fails and is not recorded as finished, so no document is kept unchecked.
public struct DedupIndexError: Error, Sendable, CustomStringConvertible {
    /// The stage's name in the pipeline.
    public var stage: String
    /// The index file.
    public var path: String
    /// What failed.
    public var message: String

    public init(stage: String, path: String, message: String) {
        self.stage = stage
        self.path = path
        self.message = message
    }

    public var description: String {
        "stage '\(stage)': its index \(path) failed (\(message)); the part was not recorded as finished. "
            + "Fix the cause (free disk space, permissions, or point index_path at a new file if it is damaged), "
            + "then run again to resume"
    }

    /// Runs `body`, turning any error into a `DedupIndexError` naming `stage` and the index at `path`.
    static func wrapping<T>(stage: String, path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as DedupIndexError {
            throw e
        } catch let e as OutputError {
            throw DedupIndexError(stage: stage, path: path, message: e.message)
        } catch {
            throw DedupIndexError(stage: stage, path: path, message: "\(error)")
        }
    }
}
