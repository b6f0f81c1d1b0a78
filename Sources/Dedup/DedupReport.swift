import DomainForgeCore
import Foundation

/// Human-readable report of what the dedup stages found, for `pipeline dedup-report OUT`.
///
/// `stateDirectory` may be one stage's state folder or any folder above them (searched 3 levels deep) holding
/// `duplicates.jsonl` + `summary.json` (exact/MinHash), `line_patterns.json` (line_dedup) or
/// `contamination.json` (decontaminate), or `clusters.jsonl` + `global_summary.json` (the global step of a
/// `mode: global` stage: cluster size, keeper, members with their similarity to the keeper).
public enum DedupReport {
    public static func render(stateDirectory: String, samplePairs: Int = 10, topClusters: Int = 10) throws -> String {
        var out = ""
        let dirs = stageDirectories(stateDirectory, depth: 3)
        if dirs.isEmpty { return "no dedup results under \(stateDirectory)\n" }
        for dir in dirs {
            let fm = FileManager.default
            if fm.fileExists(atPath: dir + "/duplicates.jsonl") { out += try renderDuplicates(dir, samplePairs, topClusters) }
            if fm.fileExists(atPath: dir + "/line_patterns.json") { out += try renderLines(dir, topClusters) }
            if fm.fileExists(atPath: dir + "/contamination.json") { out += try renderContamination(dir, topClusters) }
            if fm.fileExists(atPath: dir + "/clusters.jsonl") { out += try renderGlobalClusters(dir, samplePairs, topClusters) }
        }
        return out
    }

    static func stageDirectories(_ dir: String, depth: Int) -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        let markers = ["duplicates.jsonl", "line_patterns.json", "contamination.json", "clusters.jsonl"]
        if markers.contains(where: { fm.fileExists(atPath: dir + "/" + $0) }) { out.append(dir) }
        guard depth > 0, let names = try? fm.contentsOfDirectory(atPath: dir) else { return out }
        for name in names.sorted() {
            var isDir: ObjCBool = false
            let p = dir + "/" + name
            if fm.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { out += stageDirectories(p, depth: depth - 1) }
        }
        return out
    }

    static func readJSON(_ path: String) throws -> JSONValue {
        try JSONParser.parse(bytes: readWholeFile(path: path, displayName: path, limit: 1 << 30))
    }

    static func fmt(_ d: Double) -> String { String(format: "%.3f", d) }

    static func renderDuplicates(_ dir: String, _ samples: Int, _ top: Int) throws -> String {
        let summary = (try? readJSON(dir + "/summary.json")) ?? .object([:])
        let kind = summary["kind"]?.stringValue ?? "dedup"
        var pairs: [(dropped: String, kept: String, sim: Double, ds: String, ks: String)] = []
        let reader = LineReader(source: try openByteSource(path: dir + "/duplicates.jsonl", displayName: dir), maxLineBytes: 1 << 24)
        while let rec = try reader.next() {
            guard !rec.bytes.isEmpty, let v = try? JSONParser.parse(bytes: rec.bytes) else { continue }
            pairs.append((v["dropped"]?.stringValue ?? "", v["kept"]?.stringValue ?? "", v["similarity"]?.doubleValue ?? 0,
                          v["dropped_snippet"]?.stringValue ?? "", v["kept_snippet"]?.stringValue ?? ""))
        }
        var clusters: [String: [String]] = [:]
        var order: [String] = []
        for p in pairs {
            if clusters[p.kept] == nil { order.append(p.kept) }
            clusters[p.kept, default: []].append(p.dropped)
        }
        var s = "== \(kind) (\(dir)) ==\n"
        s += "dropped \(pairs.count) documents in \(clusters.count) clusters (kept document + its duplicates)"
        if let b = summary["bands"]?.intValue, let r = summary["rows"]?.intValue {
            s += "; \(b) bands x \(r) rows, ngram \(summary["ngram"]?.intValue ?? 0), "
                + (summary["verify_jaccard"]?.boolValue == true ? "exact Jaccard" : "MinHash estimate")
                + " >= \(summary["jaccard_threshold"]?.doubleValue ?? 0)"
        }
        s += "\n"
        if pairs.isEmpty { return s + "\n" }
        let sims = pairs.map(\.sim).sorted()
        s += "similarity: min \(fmt(sims.first!)), median \(fmt(sims[sims.count / 2])), max \(fmt(sims.last!))\n"
        let largest = order.enumerated().sorted { (clusters[$0.element]!.count, -$0.offset) > (clusters[$1.element]!.count, -$1.offset) }
        s += "largest clusters:\n"
        for (_, kept) in largest.prefix(top) {
            let m = clusters[kept]!
            s += "  \(kept) + \(m.count): \(m.prefix(8).joined(separator: ", "))\(m.count > 8 ? ", …" : "")\n"
        }
        if samples > 0 {
            // Evenly spread over the similarity order, lowest first: the doubtful pairs are the ones to look at.
            let sorted = pairs.enumerated().sorted { ($0.element.sim, $0.offset) < ($1.element.sim, $1.offset) }.map(\.element)
            let n = min(samples, sorted.count)
            s += "sample pairs (\(n) of \(sorted.count), lowest similarity first):\n"
            for k in 0..<n {
                let p = sorted[n == 1 ? 0 : k * (sorted.count - 1) / (n - 1)]
                s += "  \(fmt(p.sim))  \(p.dropped)  duplicates  \(p.kept)\n"
                s += "      dropped: \(p.ds)\n      kept:    \(p.ks)\n"
            }
        }
        return s + "\n"
    }

    /// The global step's clusters, largest first (as `clusters.jsonl` lists them), up to `top`, with up to
    /// `members` members each.
    static func renderGlobalClusters(_ dir: String, _ members: Int, _ top: Int) throws -> String {
        let summary = (try? readJSON(dir + "/global_summary.json")) ?? .object([:])
        var s = "== \(summary["kind"]?.stringValue ?? "global dedup") (\(dir)) ==\n"
        s += "\(summary["recorded"]?.intValue ?? 0) documents recorded, \(summary["comparisons"]?.intValue ?? 0) candidate pairs compared, "
            + "\(summary["clusters"]?.intValue ?? 0) clusters, \(summary["dropped"]?.intValue ?? 0) removed; keep "
            + (summary["keep"]?.stringValue ?? "first")
            + (summary["priority_field"]?.stringValue.map { " (\($0))" } ?? "")
            + ", \(summary["similarity"]?.stringValue ?? "") >= \(fmt(summary["threshold"]?.doubleValue ?? 0)), union-find clusters\n"
        let reader = LineReader(source: try openByteSource(path: dir + "/clusters.jsonl", displayName: dir), maxLineBytes: 1 << 26)
        var shown = 0
        while shown < top, let rec = try reader.next() {
            guard !rec.bytes.isEmpty, let v = try? JSONParser.parse(bytes: rec.bytes) else { continue }
            let list = v["members"]?.arrayValue ?? []
            s += "  cluster of \(v["size"]?.intValue ?? list.count), kept \(v["keeper"]?.stringValue ?? ""):\n"
            for m in list.prefix(max(members, 1)) {
                let kept = m["kept"]?.boolValue == true
                s += "    \(kept ? "kept   " : "dropped") \(fmt(m["similarity"]?.doubleValue ?? 0))  \(m["id"]?.stringValue ?? "") "
                    + "(\(m["length"]?.intValue ?? 0) bytes): \(m["snippet"]?.stringValue ?? "")\n"
            }
            if list.count > max(members, 1) { s += "    … \(list.count - max(members, 1)) more\n" }
            shown += 1
        }
        return s + "\n"
    }

    static func renderLines(_ dir: String, _ top: Int) throws -> String {
        let v = try readJSON(dir + "/line_patterns.json")
        let patterns = v["patterns"]?.arrayValue ?? []
        var s = "== line_dedup (\(dir)) ==\n"
        s += "\(patterns.count) repeated patterns removed (max_occurrences \(v["max_occurrences"]?.intValue ?? 0), "
            + "min_line_chars \(v["min_line_chars"]?.intValue ?? 0))\n"
        for p in patterns.prefix(top) {
            s += "  \(p["removed"]?.intValue ?? 0) removed, in \(p["documents_seen"]?.intValue ?? 0) docs [\(p["kind"]?.stringValue ?? "")]: "
                + "\(p["text"]?.stringValue ?? "")\n"
        }
        return s + "\n"
    }

    static func renderContamination(_ dir: String, _ top: Int) throws -> String {
        let v = try readJSON(dir + "/contamination.json")
        var s = "== decontaminate (\(dir)) ==\n"
        s += "\(v["contaminated_documents"]?.intValue ?? 0) documents share a \(v["ngram"]?.intValue ?? 0)-gram with an eval set (mode \(v["mode"]?.stringValue ?? ""))\n"
        for set in v["eval_sets"]?.arrayValue ?? [] {
            let found = set["found"]?.arrayValue ?? []
            s += "  \(set["name"]?.stringValue ?? ""): \(set["items_found"]?.intValue ?? 0) of \(set["items"]?.intValue ?? 0) items found\n"
            for f in found.prefix(top) {
                let docs = f["documents"]?.arrayValue?.compactMap(\.stringValue) ?? []
                s += "    \(f["file"]?.stringValue ?? "") #\(f["item"]?.intValue ?? 0) in \(f["document_count"]?.intValue ?? 0) docs (\(docs.prefix(3).joined(separator: ", "))): "
                    + "\(f["preview"]?.stringValue ?? "")\n"
            }
        }
        return s + "\n"
    }
}
