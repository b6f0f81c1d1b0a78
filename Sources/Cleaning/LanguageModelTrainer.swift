import Foundation

/// Trains a `LanguageModel` from labelled text: `folder/<label>/*.txt`, one sub-folder per language.
///
/// - Counts byte 1–4-gram buckets per language (`ByteNGrams`).
/// - Keeps, per language, the `featuresPerLanguage` buckets with the largest contribution to the
///   Kullback–Leibler divergence of that language from all others, p(f|l)·log(p(f|l)/p(f|¬l)); the union is
///   the model's feature set.
/// - Weights are add-one-smoothed log p(f|l) over the selected features.
/// - A label ending in `-Hant` (e.g. `zh-Hant`) is merged into its base language (`zh`) for the classifier;
///   Han characters seen at least `minScriptCount` times in one script and never in the other become the
///   Traditional-only / Simplified-only sets that tell `zh-Hant` from `zh`.
///
/// Deterministic: labels and files are read in sorted order, ties broken by bucket id.
public struct LanguageModelTrainer: Sendable {
    public var bucketBits = 21
    public var featuresPerLanguage = 2000
    public var minScriptCount = 3

    public init() {}

    /// Trains on every `.txt` file under `folder/<label>/`.
    public func train(folder: String) throws(LanguageModelError) -> LanguageModel {
        let corpus = try LabelledCorpus(folder: folder)
        var counts: [[Int32]] = []
        var han: [String: [UInt32: Int]] = [:]
        for label in corpus.baseLabels {
            var c = [Int32](repeating: 0, count: 1 << bucketBits)
            for (fileLabel, path) in corpus.files where Self.base(fileLabel) == label {
                let text = try corpus.read(path)
                count(text, into: &c)
                if label == "zh" { countHan(text, into: &han[fileLabel, default: [:]]) }
            }
            counts.append(c)
        }
        let features = selectFeatures(counts)
        let (traditional, simplified) = scriptSets(han)
        return LanguageModel(bucketBits: bucketBits, languages: corpus.baseLabels, features: features,
                             weights: weights(counts, features), traditionalOnly: traditional, simplifiedOnly: simplified)
    }

    /// `zh-Hant` → `zh`; other labels unchanged.
    static func base(_ label: String) -> String {
        label.hasSuffix("-Hant") ? String(label.dropLast(5)) : label
    }

    func count(_ text: String, into c: inout [Int32]) {
        var t = text
        t.withUTF8 { bytes in
            c.withUnsafeMutableBufferPointer { p in ByteNGrams.forEach(bytes, bits: bucketBits) { p[$0] &+= 1 } }
        }
    }

    func countHan(_ text: String, into c: inout [UInt32: Int]) {
        for s in text.unicodeScalars where (0x3400...0x9FFF).contains(s.value) || (0x20000...0x3134F).contains(s.value) {
            c[s.value, default: 0] += 1
        }
    }

    /// The union over languages of each language's top buckets by KL contribution, ascending.
    func selectFeatures(_ counts: [[Int32]]) -> [UInt32] {
        let n = 1 << bucketBits
        var all = [Double](repeating: 0, count: n)
        for c in counts { for i in 0..<n { all[i] += Double(c[i]) } }
        let grand = all.reduce(0, +)
        var chosen = Set<UInt32>()
        for c in counts {
            let own = c.reduce(0.0) { $0 + Double($1) }
            let rest = grand - own
            var scored: [(Double, UInt32)] = []
            for i in 0..<n where c[i] > 0 {
                let p = (Double(c[i]) + 1) / (own + Double(n))
                let q = (all[i] - Double(c[i]) + 1) / (rest + Double(n))
                scored.append((p * log(p / q), UInt32(i)))
            }
            scored.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
            for (_, f) in scored.prefix(featuresPerLanguage) { chosen.insert(f) }
        }
        return chosen.sorted()
    }

    /// Row-major scaled log p(f|l), add-one smoothed over the selected features.
    func weights(_ counts: [[Int32]], _ features: [UInt32]) -> [Int16] {
        var w = [Int16](repeating: 0, count: features.count * counts.count)
        for (l, c) in counts.enumerated() {
            let total = features.reduce(0.0) { $0 + Double(c[Int($1)]) } + Double(features.count)
            for (row, f) in features.enumerated() {
                let lp = log((Double(c[Int(f)]) + 1) / total) * LanguageModel.weightScale
                w[row * counts.count + l] = Int16(max(lp.rounded(), Double(Int16.min)))
            }
        }
        return w
    }

    /// Han scalars frequent in one script's text and absent from the other's.
    func scriptSets(_ han: [String: [UInt32: Int]]) -> ([UInt32], [UInt32]) {
        guard let hant = han["zh-Hant"], let hans = han["zh"] else { return ([], []) }
        func only(_ a: [UInt32: Int], _ b: [UInt32: Int]) -> [UInt32] {
            a.filter { $0.value >= minScriptCount && b[$0.key] == nil }.keys.sorted()
        }
        return (only(hant, hans), only(hans, hant))
    }
}
