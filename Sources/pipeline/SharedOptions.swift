// The CLI's option conventions, in one place (README "Changes" lists the renames):
//   -o/--output     anything a command writes (file or folder)
//   --threads       worker threads (threads that each take a share of the work); never BLAS threads
//   --blas-threads  OpenBLAS threads of the matrix products (eval, generate, fisher)
//   -t/--tokenizer  a tokenizer.json (or vocab.json + merges.txt, or a folder holding one)
// Option values with a fixed set are enums (ExpressibleByArgument + CaseIterable), so --help lists them; usage
// problems are found in validate() (status 2 with the usage line). A renamed option keeps its old spelling as a
// hidden, deprecated alias where that is cheap: declare it with `.deprecatedAlias`, merge it in validate() with
// `mergeDeprecated`.
import ArgumentParser
import Shards
import SFT
import Tokenization

extension NameSpecification {
    /// `-o/--output`.
    static var output: NameSpecification { [.customShort("o"), .customLong("output")] }
    /// `-t/--tokenizer`.
    static var tokenizer: NameSpecification { [.customShort("t"), .customLong("tokenizer")] }
    /// `--threads`: worker threads.
    static var threads: NameSpecification { [.customLong("threads")] }
    /// `--blas-threads`: OpenBLAS threads.
    static var blasThreads: NameSpecification { [.customLong("blas-threads")] }
}

extension ArgumentHelp {
    /// The help of an old spelling kept for scripts: not shown in --help.
    static var deprecatedAlias: ArgumentHelp { .hidden }
}

/// The value of a renamed option: the new spelling's, else the old one's (with a note on standard error naming the
/// new spelling). Both given is a usage error.
func mergeDeprecated<T>(_ value: T?, old: T?, oldName: String, newName: String) throws -> T? {
    guard let old else { return value }
    if value != nil { throw ValidationError("\(oldName) is the old spelling of \(newName); give only \(newName)") }
    printError("warning: \(oldName) is deprecated; use \(newName)")
    return old
}

/// Checks a worker-thread count (`--threads`): between `minimum` (0 where 0 means all cores) and `maximum`.
func validateThreads(_ n: Int?, minimum: Int = 1, maximum: Int = 256, option: String = "--threads") throws {
    guard let n else { return }
    if n < minimum || n > maximum { throw ValidationError("\(option) must be between \(minimum) and \(maximum)") }
}

// Library enums usable as option values.
extension ShardExporter.Format: ExpressibleByArgument {}
extension SFTFormat: ExpressibleByArgument {}
extension OverLengthPolicy: ExpressibleByArgument {}
extension SplitPattern: ExpressibleByArgument {}
extension Normalization: ExpressibleByArgument {}
