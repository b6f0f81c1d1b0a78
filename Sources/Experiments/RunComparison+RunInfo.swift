import Foundation

extension RunComparison {
    /// Headers of the run-info columns.
    public static let runInfoHeaders = ["trainable params", "train s"]

    /// `rows` (header first, then `allRows` in order) with the trainable parameters and training wall time of each
    /// run appended, when at least one run has a `run_info.json`; unchanged otherwise (so comparisons of runs made
    /// elsewhere keep their table).
    func withRunInfoColumns(_ rows: [[String]]) -> [[String]] {
        let all = allRows
        guard all.contains(where: { $0.info != nil }), rows.count == all.count + 1 else { return rows }
        var out = [rows[0] + Self.runInfoHeaders]
        for (r, row) in zip(all, rows.dropFirst()) {
            if r.failure != nil { out.append(row); continue }
            out.append(row + [r.info.map { Self.groupedThousands($0.trainableParameters) } ?? "-",
                              r.info.map { String(format: "%.1f", $0.trainSeconds) } ?? "-"])
        }
        return out
    }

    /// 761600 → "761,600".
    static func groupedThousands(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 && c != "-" && out != "-" { out.append(",") }
            out.append(c)
        }
        return out
    }
}
