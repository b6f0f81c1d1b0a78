import DomainForgeCore
import PipelineConfig

/// Reads the files of one part in order and cuts them into batches of raw items (the sequential half of ingest;
/// decoding and extraction happen in the workers). Memory: one batch plus one read buffer.
final class RecordReader: @unchecked Sendable {
    let files: [InputFile]
    let spec: PipelineSpec
    let batchBytes: Int
    var fileIdx = -1
    var state: FileState = .none
    var seq = 0
    /// FNV-1a of each file's raw bytes, filled as files finish.
    private(set) var fileHashes: [UInt64]
    /// How many bytes of each file `fileHashes` covers (less than its size when reading stopped early).
    private(set) var fileHashedBytes: [Int]

    enum FileState {
        case none
        case lines(LineReader, any ByteSource)
        case array(JSONArraySplitter, any ByteSource)
        case paragraphs(LineReader, any ByteSource, section: Int)
        case finished
    }

    init(files: [InputFile], spec: PipelineSpec) {
        self.files = files
        self.spec = spec
        self.batchBytes = spec.execution.batchBytes
        self.fileHashes = Array(repeating: 0, count: files.count)
        self.fileHashedBytes = Array(repeating: -1, count: files.count)
    }

    var maxDoc: Int { spec.execution.maxDocumentBytes }

    private func noteHash(_ i: Int, _ src: any ByteSource) {
        fileHashes[i] = src.fileHash
        fileHashedBytes[i] = src.compressedBytesRead
    }

    /// The `InputFingerprint.hash` of file `i` (the run state's record): the hash taken while reading when the
    /// whole file was read, else computed by reading the file again (a file that failed or stopped early).
    func wholeFileHash(_ i: Int) -> UInt64 {
        fileHashedBytes[i] == files[i].size ? fileHashes[i] : InputFingerprint.hash(path: files[i].path)
    }

    /// The next batch, or nil when every file has been read.
    func nextBatch() -> RawBatch? {
        var items = [(file: Int, item: RawItem)]()
        var bytes = 0
        var finishedBytes = 0
        while bytes < batchBytes {
            if case .none = state {
                fileIdx += 1
                if fileIdx >= files.count { break }
                open(fileIdx)
            }
            if let item = nextItem() {
                bytes += item.byteCount
                items.append((fileIdx, item))
                continue
            }
            if case .finished = state {
                finishedBytes += files[fileIdx].size
                state = .none
            }
        }
        if items.isEmpty && finishedBytes == 0 { return nil }
        defer { seq += 1 }
        return RawBatch(seq: seq, items: items, finishedFileBytes: finishedBytes)
    }

    private func open(_ i: Int) {
        let f = files[i]
        let input = spec.inputs[f.specIndex]
        if let p = f.problem {  // never opened: recorded as one rejected document
            pendingError = p
            state = .finished
            return
        }
        do {
            let src = try openByteSource(path: f.path, displayName: f.displayName)
            switch InputFormats.of(input).framing {
            case .lines: state = .lines(LineReader(source: src, maxLineBytes: maxDoc), src)
            case .jsonArray: state = .array(JSONArraySplitter(source: src, maxElementBytes: maxDoc), src)
            case .text where input.textMode == .paragraphs:
                state = .paragraphs(LineReader(source: src, maxLineBytes: maxDoc), src, section: 0)
            case .text, .wholeFile:
                pendingWhole = (try? readAll(src, f)) ?? nil
                state = .finished
                noteHash(i, src)
            }
        } catch let e as InputError {
            pendingError = e
            state = .finished
        } catch {
            pendingError = InputError(code: "unreadable_file", file: f.displayName, message: "\(error)")
            state = .finished
        }
    }

    private var pendingWhole: RawItem?
    private var pendingError: InputError?

    private func readAll(_ src: any ByteSource, _ f: InputFile) throws -> RawItem {
        var out = [UInt8]()
        do {
            while try src.read(into: &out, count: 1 << 20) > 0 {
                if out.count > maxDoc {
                    return .error(InputError(code: "document_too_large", file: f.displayName,
                                             message: "file is larger than execution.max_document_bytes (\(maxDoc)); raise the limit or split the file"))
                }
            }
        } catch let e as InputError { return .error(e) }
        if out.isEmpty { return .error(InputError(code: "empty_file", file: f.displayName, message: "the file is empty")) }
        if InputFormats.of(spec.inputs[f.specIndex]).framing == .text { return .text(bytes: out, section: 0, line: 1) }
        return .file(bytes: out)
    }

    /// Produces the next item of the current file, switching to `.finished` at its end.
    private func nextItem() -> RawItem? {
        if let e = pendingError { pendingError = nil; return .error(e) }
        if let w = pendingWhole { pendingWhole = nil; return w }
        let f = files[fileIdx]
        do {
            switch state {
            case .lines(let lr, let src):
                guard let rec = try lr.next() else { noteHash(fileIdx, src); state = .finished; return nil }
                if rec.overlongBytes > 0 {
                    return .error(InputError(code: "line_too_long", file: f.displayName, line: rec.line, offset: rec.offset,
                                             message: "line of \(rec.overlongBytes) bytes exceeds execution.max_document_bytes (\(maxDoc)); it was skipped"))
                }
                if rec.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }  // blank lines are not records
                return .jsonLine(bytes: rec.bytes, line: rec.line, offset: rec.offset)
            case .array(let sp, let src):
                guard let ev = try sp.next() else { noteHash(fileIdx, src); state = .finished; return nil }
                switch ev {
                case .element(let b, let i, let off): return .jsonElement(bytes: b, index: i, offset: off)
                case .overlong(let i, let off, let len):
                    return .error(InputError(code: "record_too_large", file: f.displayName, offset: off,
                                             message: "array element \(i) of \(len) bytes exceeds execution.max_document_bytes (\(maxDoc)); it was skipped"))
                case .malformed(let off, let m):
                    return .error(InputError(code: "invalid_json", file: f.displayName, offset: off, message: m))
                }
            case .paragraphs(let lr, let src, let section):
                var acc = [UInt8]()
                var startLine = 0
                while let rec = try lr.next() {
                    if rec.overlongBytes > 0 {
                        state = .paragraphs(lr, src, section: section + 1)
                        return .error(InputError(code: "line_too_long", file: f.displayName, line: rec.line, offset: rec.offset,
                                                 message: "line of \(rec.overlongBytes) bytes exceeds execution.max_document_bytes (\(maxDoc)); it was skipped"))
                    }
                    let blank = rec.bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
                    if blank {
                        if acc.isEmpty { continue }
                        break
                    }
                    if acc.isEmpty { startLine = rec.line } else { acc.append(0x0A) }
                    acc.append(contentsOf: rec.bytes)
                    if acc.count > maxDoc {
                        // Section too long: skip to its end.
                        while let r = try lr.next(), !r.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) || r.overlongBytes > 0 {}
                        state = .paragraphs(lr, src, section: section + 1)
                        return .error(InputError(code: "document_too_large", file: f.displayName, line: startLine,
                                                 message: "section exceeds execution.max_document_bytes (\(maxDoc)); it was skipped"))
                    }
                }
                if acc.isEmpty { noteHash(fileIdx, src); state = .finished; return nil }
                state = .paragraphs(lr, src, section: section + 1)
                return .text(bytes: acc, section: section, line: startLine)
            case .finished, .none:
                return nil
            }
        } catch let e as InputError {
            state = .finished
            return .error(e)
        } catch {
            state = .finished
            return .error(InputError(code: "read_error", file: f.displayName, message: "\(error)"))
        }
    }
}
