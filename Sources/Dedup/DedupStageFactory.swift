import DomainForgeCore
import Foundation

/// What every dedup stage shares when it is built from a config (each stage builds itself: ``DedupStage/make(options:stateDirectory:baseDirectory:name:)``).
///
/// ```yaml
/// stages:
///   - {type: exact_dedup}
///   - {type: minhash_dedup, bands: 20, rows: 5, verify_jaccard: true}   # 14 x 8, estimate: the FineWeb-like default
///   - {type: line_dedup, max_occurrences: 3, sentence_spans: true}
///   # or, as the last stage, across all ranks with union-find clusters (see DedupMode, GlobalDedupClusterer):
///   # - {type: minhash_dedup, mode: global, keep: longest}          # keep: first | longest | priority (+ priority_field)
///   - type: decontaminate
///     mode: drop
///     eval_sets:
///       - {name: mmlu, path: ../shared/data/eval-general/mmlu/data/mmlu/test/*.csv, format: csv,
///          fields: [question, choice0, choice1, choice2, choice3]}
///       - {name: gsm8k, path: ../shared/data/eval-general/gsm8k/grade_school_math/data/test.jsonl, format: jsonl,
///          fields: [question, answer]}
/// ```
/// Drop reasons: `exact_duplicate`, `near_duplicate`, `empty_after_line_dedup`, `contaminated`. A drop by
/// `exact_dedup`/`minhash_dedup` names the kept document and the similarity in its `details`.
/// `DedupReport.render(stateDirectory:)` turns the stages' files into a readable report.
///
/// Option keys are checked before decoding: an unknown key is an error naming it and listing the allowed ones.
/// A `type` key inside `options` is ignored. `null` or `{}` gives the defaults.
/// `stateDirectory` is where a stage keeps its SQLite index (unless `index_path` says otherwise) and its reports;
/// `baseDirectory` resolves relative paths in options (`index_path`, eval-set files).
public enum DedupStageFactory {
    /// Decodes a dedup stage's options: the keys are checked (``StageOptionsDecoder``), then nested objects, then
    /// the values (`DedupOptions.validate`).
    static func decode<O: DedupOptions>(_: O.Type, type: String, _ options: JSONValue) throws -> O {
        do {
            let object = try StageOptionsDecoder.object(options, allowed: O.optionKeys)
            try O.checkNested(object, type: type)
            let o = try StageOptionsDecoder.decodeValue(O.self, .object(object))
            try o.validate(type: type)
            return o
        } catch let problem as StageOptionsProblem {
            switch problem {
            case .notAnObject(let got):
                throw DedupConfigError("stage '\(type)': options must be an object, got \(got)")
            case .unknownKey(let key, let allowed):
                throw DedupConfigError("stage '\(type)': unknown option '\(key)'; allowed options: \(allowed.joined(separator: ", "))")
            case .invalid(let key, let message):
                throw DedupConfigError("stage '\(type)': invalid options: '\(key)': \(message)")
            }
        }
    }

    /// `path` resolved against `base` unless absolute.
    static func resolve(_ path: String, base: String) -> String {
        PathResolver(baseDirectory: base, style: .joined).resolve(path)
    }
}

extension KeyedDecodingContainer {
    func value<T: Decodable>(_ key: Key, default d: T) throws -> T {
        contains(key) ? try decode(T.self, forKey: key) : d
    }
}

func check(_ ok: Bool, _ type: String, _ key: String, _ message: String) throws {
    if !ok { throw DedupConfigError("stage '\(type)': invalid option '\(key)': \(message)") }
}
