import DomainForgeCore
import Foundation
import Retrieval
import PipelineConfig

extension StageDeclaration {
    /// `rag_index`: an ordered stage that adds every document reaching it to a BM25 index, at `OUT/rag/index.sqlite`
    /// (`OUT/rag/rank-NNNNN/index.sqlite` with several ranks) unless `index_path` names another file.
    public static let ragIndex = StageDeclaration(type: RAGIndexStage.type, kind: .ordered, optionKeys: RAGIndexStage.optionKeys,
                                                  defaults: RAGIndexStage.defaults, schema: RAGIndexStage.schema) { options, context in
        let base = context.stateRoot ?? context.spec?.output.path ?? "."
        let dir = context.worldSize == 1 ? "\(base)/rag" : "\(base)/rag/rank-\(String(format: "%05d", context.rank))"
        return .ordered(try RAGIndexStage.make(options: options, stateDirectory: dir, baseDirectory: context.baseDirectory))
    }
}
