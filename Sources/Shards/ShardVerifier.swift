import DomainForgeCore

/// `pipeline verify DIR`: checks every hash and decodes every sample, recomputing the manifest's counts.
public enum ShardVerifier {
    public struct Report: Sendable {
        public var shards = 0
        public var samples = 0
        public var tokens = 0
        /// Every problem found, each naming its file.
        public var problems: [ShardError] = []
        public var ok: Bool { problems.isEmpty }
    }

    public static func verify(directory: String) -> Report {
        var r = Report()
        let reader: ShardReader
        // Hashes are checked below, each problem reported; the reader need not check them again.
        do { reader = try ShardReader(directory: directory, verifyHashes: false) } catch let e as ShardError {
            r.problems.append(e); return r
        } catch {
            r.problems.append(ShardError(file: directory, message: "\(error)")); return r
        }
        var stats = ShardDatasetStats()
        for (i, s) in reader.index.shards.enumerated() {
            r.shards += 1
            let path = directory + "/" + s.fileBasename
            // 1. The stored file's hash (compressed bytes when compressed).
            guard let (algorithm, want) = reader.expectedHash(shard: i) else {
                r.problems.append(ShardError(file: path, message: "index.json records no hash this tool computes (sha256, sha1, ...)")); continue
            }
            guard let got = FileDigest.hex(fileAt: path, algorithm: algorithm) else { r.problems.append(ShardError(file: path, message: "unreadable")); continue }
            if got != want {
                r.problems.append(ShardError(file: path, message: "\(algorithm) does not match index.json (corrupt shard)")); continue
            }
            if algorithm == "sha256", let m = reader.manifest, i < m.shards.count, m.shards[i].sha256 != want {
                r.problems.append(ShardError(file: path, message: "sha256 does not match manifest.json")); continue
            }
            // 2. Decode every sample (the iterator checks layout); recompute counts.
            var tokens = 0
            do {
                let it = try reader.samples(inShard: i)
                while let smp = try it.next() {
                    r.samples += 1
                    tokens += smp.tokens.count
                    stats.add(source: smp.source, tokens: smp.tokens.count)
                }
            } catch let e as ShardError { r.problems.append(e); continue } catch {
                r.problems.append(ShardError(file: path, message: "\(error)")); continue
            }
            r.tokens += tokens
            if let m = reader.manifest, i < m.shards.count, m.shards[i].tokens != tokens || m.shards[i].samples != s.samples {
                r.problems.append(ShardError(file: path, message: "token or sample count differs from manifest.json"))
            }
        }
        if let m = reader.manifest {
            let mf = directory + "/" + MDSFormat.manifestName
            if m.shards.count != reader.index.shards.count { r.problems.append(ShardError(file: mf, message: "lists \(m.shards.count) shards, index.json \(reader.index.shards.count)")) }
            if r.problems.isEmpty && m.stats != stats {
                r.problems.append(ShardError(file: mf, message: "sample/token counts, sources or length histogram differ from the shards' contents"))
            }
        }
        return r
    }
}
