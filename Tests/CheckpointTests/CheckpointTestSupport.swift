import ACDC
import Checkpoint
import Foundation
import Kernels
import XCTest
import TestSupport

enum SampleCheckpoints {
    /// A checkpoint shaped like a real mid-run GPT-2 ACDC run: thousands of
    /// edges, a trace of hundreds, untested edges with NaN effect size.
    static func realistic(edges edgeCount: Int = 3_200, traceLength: Int = 450) -> RunCheckpoint {
        var rng = SplitMix64(seed: 42)
        var names: [String] = []
        names.reserveCapacity(edgeCount)
        for i in 0..<edgeCount {
            let layer = i % 12, head = (i / 12) % 12
            names.append("blocks.\(layer).attn.hook_result[:, :, \(head)]->blocks.\(min(11, layer + 1)).hook_q_input[:, :, \(i)]")
        }
        var present = [Bool](repeating: true, count: edgeCount)
        var effect = [Double](repeating: .nan, count: edgeCount)
        var trace: [EdgeEvaluation] = []
        for step in 0..<traceLength {
            let edge = (step * 7) % edgeCount
            let before = Double.random(in: 0...3, using: &rng)
            let after = before + Double.random(in: -0.1...0.1, using: &rng)
            let removed = abs(after - before) < 0.05
            present[edge] = !removed
            effect[edge] = after - before
            trace.append(EdgeEvaluation(edge: edge, metricBefore: before, metricAfter: after,
                                        result: after - before, removed: removed))
        }
        let state = ACDCState(present: present, effectSize: effect, cursor: 57, currentMetric: 1.234_567_89,
                              trace: trace, evaluations: traceLength + 3)
        return RunCheckpoint(
            experimentPath: "experiments/ioi.json", experimentHash: "0123456789abcdef",
            options: ACDCOptions(threshold: 0.0575, metric: "kl_div", zeroAblation: false, absValueThreshold: true,
                                 indicesMode: .reverse, namesMode: .normal, removeRedundant: true),
            modelPath: "models/gpt2/model.safetensors", modelHash: "fedcba9876543210",
            state: state, elapsedSeconds: 8_123.5, edgeNames: names, nodeCount: 158, finished: false,
            info: ["tool": "acdc-swift 0.1", "host": "node-7", "note": "ünïcödé ✓", "empty": ""])
    }

    static func empty() -> RunCheckpoint {
        RunCheckpoint(experimentPath: "", experimentHash: "", options: ACDCOptions(threshold: 0, metric: ""),
                      modelPath: "", modelHash: "",
                      state: ACDCState(present: [], effectSize: [], cursor: 0, currentMetric: .nan),
                      elapsedSeconds: 0, edgeNames: [], nodeCount: 0, finished: true)
    }
}

/// Field-by-field equality where NaN equals NaN with the same bit pattern.
func assertSameCheckpoint(_ a: RunCheckpoint, _ b: RunCheckpoint, file: StaticString = #filePath, line: UInt = #line) {
    func bits(_ xs: [Double]) -> [UInt64] { xs.map(\.bitPattern) }
    XCTAssertEqual(a.formatVersion, b.formatVersion, file: file, line: line)
    XCTAssertEqual(a.experimentPath, b.experimentPath, file: file, line: line)
    XCTAssertEqual(a.experimentHash, b.experimentHash, file: file, line: line)
    XCTAssertEqual(a.options, b.options, file: file, line: line)
    XCTAssertEqual(a.modelPath, b.modelPath, file: file, line: line)
    XCTAssertEqual(a.modelHash, b.modelHash, file: file, line: line)
    XCTAssertEqual(a.elapsedSeconds, b.elapsedSeconds, file: file, line: line)
    XCTAssertEqual(a.edgeNames, b.edgeNames, file: file, line: line)
    XCTAssertEqual(a.nodeCount, b.nodeCount, file: file, line: line)
    XCTAssertEqual(a.finished, b.finished, file: file, line: line)
    XCTAssertEqual(a.info, b.info, file: file, line: line)
    XCTAssertEqual(a.state.present, b.state.present, file: file, line: line)
    XCTAssertEqual(bits(a.state.effectSize), bits(b.state.effectSize), file: file, line: line)
    XCTAssertEqual(a.state.cursor, b.state.cursor, file: file, line: line)
    XCTAssertEqual(a.state.currentMetric.bitPattern, b.state.currentMetric.bitPattern, file: file, line: line)
    XCTAssertEqual(a.state.evaluations, b.state.evaluations, file: file, line: line)
    XCTAssertEqual(a.state.trace.count, b.state.trace.count, file: file, line: line)
    XCTAssertEqual(a.state.trace.map(\.edge), b.state.trace.map(\.edge), file: file, line: line)
    XCTAssertEqual(bits(a.state.trace.map(\.metricBefore)), bits(b.state.trace.map(\.metricBefore)), file: file, line: line)
    XCTAssertEqual(bits(a.state.trace.map(\.metricAfter)), bits(b.state.trace.map(\.metricAfter)), file: file, line: line)
    XCTAssertEqual(bits(a.state.trace.map(\.result)), bits(b.state.trace.map(\.result)), file: file, line: line)
    XCTAssertEqual(a.state.trace.map(\.removed), b.state.trace.map(\.removed), file: file, line: line)
}

/// Runs `body` with file descriptor 2 redirected to a file; returns what was
/// written to stderr meanwhile. Used to prove HDF5 prints nothing.
func capturingStderr<R>(_ body: () throws -> R) rethrows -> (result: R, stderr: String) {
    let capture = NSTemporaryDirectory() + "acdc-stderr-\(getpid())-\(UUID().uuidString.prefix(8))"
    _ = FileManager.default.createFile(atPath: capture, contents: nil)
    defer { unlink(capture) }
    fflush(nil)
    let saved = dup(2)
    let sink = open(capture, O_WRONLY)
    dup2(sink, 2)
    close(sink)
    defer {
        fflush(nil)
        dup2(saved, 2)
        close(saved)
    }
    let result = try body()
    fflush(nil)
    let text = (try? String(contentsOfFile: capture, encoding: .utf8)) ?? ""
    return (result, text)
}

final class ResultBox<T>: @unchecked Sendable { var value: T? }

/// Runs `body` on a brand-new thread: HDF5's error printing is per thread,
/// so this proves every entry point silences the thread it runs on.
func onFreshThread<T>(_ body: @escaping @Sendable () -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.value = body()
        done.signal()
    }
    thread.start()
    done.wait()
    return box.value!
}

/// The CheckpointError message of reading `path`, or nil if it read fine.
/// Fails the test for any other error type.
func readFailure(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
    do {
        _ = try CheckpointStore.read(from: path)
        return nil
    } catch let error as CheckpointError {
        return error.message
    } catch {
        XCTFail("non-CheckpointError thrown: \(error)", file: file, line: line)
        return "\(error)"
    }
}
