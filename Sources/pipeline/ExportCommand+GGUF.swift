import ArgumentParser
import Trainer

/// `--type` of `pipeline export --format gguf`.
enum GGUFWeightType: String, ExpressibleByArgument, CaseIterable {
    case f32, f16, q8_0
}

extension ExportCommand {
    /// `export CKPT --format gguf [--type f32|f16|q8_0] -o model.gguf`.
    func exportGGUF() throws {
        guard let type = GGUFExporter.WeightType(rawValue: ggufType.rawValue) else { throw ValidationError("--type must be f32, f16 or q8_0") }
        let s = try orExit { try GGUFExporter.export(checkpoint: directory, tokenizerPath: tokenizer, type: type, to: output) }
        var line = "wrote \(output): GGUF v3, llama, \(s.tensors) tensors (\(type.rawValue)), vocabulary \(s.vocabulary), pre-tokenizer \(s.pre)"
        line += s.hasChatTemplate ? ", chat template" : ", no chat template"
        print(line)
        if !s.f16Fallbacks.isEmpty {
            print("note: \(s.f16Fallbacks.count) matrices with rows not a multiple of 32 written as f16 (\(s.f16Fallbacks.prefix(3).joined(separator: ", "))\(s.f16Fallbacks.count > 3 ? ", …" : ""))")
        }
    }
}
