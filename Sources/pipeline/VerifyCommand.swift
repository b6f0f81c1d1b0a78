import ArgumentParser
import Shards

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a shard folder: every hash, every sample decoded, the manifest's counts recomputed.",
        discussion: "Exit status 1 and one line per problem, naming the file, when anything is wrong.")

    @Argument(help: "A shard folder (with index.json).")
    var directory: String

    func run() throws {
        let r = ShardVerifier.verify(directory: directory)
        if r.ok {
            print("ok: \(r.shards) shards, \(r.samples) samples, \(r.tokens) tokens; hashes and manifest match")
            return
        }
        for p in r.problems { printError("corrupt: \(p)") }
        throw ExitCode(1)
    }
}
