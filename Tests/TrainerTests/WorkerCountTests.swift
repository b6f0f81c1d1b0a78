import Foundation
import Testing
@testable import Trainer

/// Worker counts and step profiles are passed, not shared through statics: a count set on one thread never reaches
/// another (the race of a test changing a process-wide default under another run), and a profile times only the
/// model it is handed to.
@Suite struct WorkerCountTests {
    @Test func aWorkerCountStaysOnItsThread() {
        setBLASThreads(3)
        defer { setBLASThreads(1) }
        #expect(Parallel.workers == 3)
        final class Box: @unchecked Sendable { var seen = 0 }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread { box.seen = Parallel.workers; done.signal() }.start()
        done.wait()
        #expect(box.seen == 1)
        #expect(Parallel.withWorkers(2) { Parallel.workers } == 2)
        #expect(Parallel.workers == 3)
    }

    @Test func aProfileTimesOnlyTheModelItIsHandedTo() throws {
        let config = LlamaConfig(vocabSize: 16, hiddenSize: 8, intermediateSize: 12, numLayers: 1, numHeads: 2, numKVHeads: 1, maxPositions: 8)
        let timed = try LlamaModel(config: config), plain = try LlamaModel(config: config)
        timed.initialize(seed: 1); plain.initialize(seed: 1)
        let profile = StepProfile()
        timed.profile = profile
        let a = Activations(config: config, batch: 1, seqLen: 4), b = Activations(config: config, batch: 1, seqLen: 4)
        plain.forward(tokens: [1, 2, 3, 4], batch: 1, seqLen: 4, b)
        #expect(profile.seconds.allSatisfy { $0.seconds == 0 })
        timed.forward(tokens: [1, 2, 3, 4], batch: 1, seqLen: 4, a)
        #expect(profile.seconds.first { $0.phase == .embedding }!.seconds > 0)
        profile.reset()
        #expect(profile.seconds.allSatisfy { $0.seconds == 0 })
    }

    @Test func aTrainingFolderResolvesToItsLatestCheckpoint() throws {
        let dir = NSTemporaryDirectory() + "checkpoint-folder-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/checkpoint-000004", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(Checkpoint.folder(resolving: dir) == dir)  // no latest: the folder itself
        try Data("checkpoint-000004\n".utf8).write(to: URL(fileURLWithPath: dir + "/latest"))
        #expect(Checkpoint.folder(resolving: dir) == dir + "/checkpoint-000004")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        #expect(Checkpoint.folder(resolving: dir) == dir)  // a checkpoint folder itself
    }
}
