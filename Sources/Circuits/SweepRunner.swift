import ACDC
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a sweep's unfinished runs as child processes of the `acdc`
/// executable, `jobs` at a time; each child's output goes to
/// SWEEP_DIR/logs/thr-<t>.log. Finished runs are skipped, interrupted ones
/// are continued with `acdc resume`.
public final class SweepRunner {
    public enum Outcome {
        case skipped(RunResult)
        case ran(RunResult)
        case resumed(RunResult)
        case failed(String)

        public var result: RunResult? {
            switch self {
            case .skipped(let r), .ran(let r), .resumed(let r): return r
            case .failed: return nil
            }
        }
    }

    public let spec: SweepSpec
    public let executable: String
    public let jobs: Int
    /// Called with one line per event (start summary, each finished run).
    public let report: (String) -> Void

    /// Polled while runs are going: a signal number once the sweep is asked
    /// to stop (SIGINT/SIGTERM), nil otherwise.
    public let stopRequested: () -> Int32?

    /// The sweep was stopped by `signal`: its children were sent SIGTERM and
    /// have exited, each leaving a resumable checkpoint.
    public struct Interrupted: Error { public let signal: Int32 }

    /// The write end of the pipe every child has as stdin: nobody writes, so a
    /// child reads EOF exactly when the sweep process is gone, however it
    /// died (SIGKILL included), and stops (see `acdc run`).
    private let parentPipe: (read: FileHandle, write: Int32)?

    public init(spec: SweepSpec, executable: String, jobs: Int, report: @escaping (String) -> Void,
                stopRequested: @escaping () -> Int32? = { nil }) {
        self.spec = spec; self.executable = executable; self.jobs = max(1, jobs); self.report = report
        self.stopRequested = stopRequested
        var fds: [Int32] = [-1, -1]
        // Both ends close-on-exec: the spawn's dup2 onto fd 0 gives each child
        // the read end without the flag, and no child inherits the write end
        // (which would keep the pipe open after the sweep's death).
        if pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0 {
            parentPipe = (FileHandle(fileDescriptor: fds[0], closeOnDealloc: true), fds[1])
        } else {
            parentPipe = nil
        }
    }

    deinit { if let p = parentPipe { close(p.write) } }

    /// Runs the thresholds at `indices` (all by default); outcomes by index.
    public func run(indices: [Int]? = nil) throws -> [Int: Outcome] {
        let todo = indices ?? Array(spec.thresholds.indices)
        let states = try spec.states()
        var outcomes: [Int: Outcome] = [:]
        var queue: [(Int, resume: Bool)] = []
        for i in todo {
            switch states[i] {
            case .finished(let r): outcomes[i] = .skipped(r)
            case .interrupted: queue.append((i, true))
            case .fresh: queue.append((i, false))
            }
        }
        let resuming = queue.filter(\.resume).count
        report("sweep: \(todo.count) runs: \(outcomes.count) finished already (skipped), \(resuming) to resume, "
               + "\(queue.count - resuming) to run, \(min(jobs, max(1, queue.count))) at a time -> \(spec.outDir)")
        if queue.isEmpty { return outcomes }
        try FileManager.default.createDirectory(atPath: (spec.outDir as NSString).appendingPathComponent("logs"),
                                                withIntermediateDirectories: true)

        struct Running { let index: Int; let resume: Bool; let process: Process; let log: FileHandle; let start: Date }
        var running: [Running] = []
        let exited = DispatchSemaphore(value: 0)
        var done = outcomes.count
        let total = todo.count
        var pending = queue[...]
        var stopping: Int32? = nil
        while !pending.isEmpty || !running.isEmpty {
            if stopping == nil, let sig = stopRequested() {
                stopping = sig
                pending = []
                report("sweep: stopping on signal \(sig): \(running.count) running runs write their checkpoints and stop")
                for r in running where r.process.isRunning { kill(r.process.processIdentifier, SIGTERM) }
            }
            while stopping == nil, running.count < jobs, let (i, resume) = pending.first {
                pending = pending.dropFirst()
                let t = spec.thresholds[i]
                let args = resume ? spec.resumeCommand(t) : spec.runCommand(t)
                do {
                    let (p, log) = try start(args, logPath: spec.logPath(t), onExit: { exited.signal() })
                    running.append(Running(index: i, resume: resume, process: p, log: log, start: Date()))
                } catch {
                    outcomes[i] = .failed("\(error)")
                    done += 1
                    report("[\(done)/\(total)] \(ThresholdSpec.directoryName(t)): failed to start: \(error)")
                }
            }
            if running.isEmpty { continue }
            // Wake on any exit; poll too, in case an exit is seen before its handler ran.
            _ = exited.wait(timeout: .now() + 0.5)
            // Snapshot which have exited so a process ending mid-loop is handled next round, not dropped.
            let exitedNow = running.filter { !$0.process.isRunning }
            running.removeAll { r in exitedNow.contains { $0.index == r.index } }
            for r in exitedNow {
                try? r.log.close()
                let t = spec.thresholds[r.index]
                let name = ThresholdSpec.directoryName(t)
                let seconds = Date().timeIntervalSince(r.start)
                let outcome = finish(r.process, threshold: t, resume: r.resume)
                outcomes[r.index] = outcome
                done += 1
                switch outcome {
                case .ran(let res), .resumed(let res), .skipped(let res):
                    report("[\(done)/\(total)] \(name): \(r.resume ? "resumed, " : "")kept \(res.edgesKept) of \(res.edgesTotal) edges, "
                           + "metric \(String(format: "%.6g", res.finalMetric)), \(res.evaluations) evaluations, \(String(format: "%.1f", seconds)) s")
                case .failed(let why):
                    report("[\(done)/\(total)] \(name): FAILED: \(why)")
                }
            }
        }
        if let sig = stopping { throw Interrupted(signal: sig) }
        return outcomes
    }

    private func start(_ args: [String], logPath: String, onExit: @escaping @Sendable () -> Void) throws -> (Process, FileHandle) {
        let fm = FileManager.default
        if !fm.fileExists(atPath: logPath) { _ = fm.createFile(atPath: logPath, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw ACDCError("\(logPath): cannot open log file") }
        log.seekToEndOfFile()
        log.write(Data("== \(Date()) \(([executable] + args).map(shellQuote).joined(separator: " "))\n".utf8))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.standardOutput = log
        p.standardError = log
        p.standardInput = parentPipe?.read ?? FileHandle.nullDevice
        var env = ProcessInfo.processInfo.environment
        if parentPipe != nil { env["ACDC_PARENT_STDIN_PIPE"] = "1" }
        // N runs at once on N cores: one BLAS thread each unless the user chose otherwise.
        if jobs > 1 && env["OPENBLAS_NUM_THREADS"] == nil { env["OPENBLAS_NUM_THREADS"] = "1" }
        p.environment = env
        p.terminationHandler = { _ in onExit() }
        do { try p.run() } catch {
            try? log.close()
            throw ACDCError("\(executable): cannot start (\(error.localizedDescription))")
        }
        return (p, log)
    }

    private func finish(_ p: Process, threshold t: Double, resume: Bool) -> Outcome {
        let log = spec.logPath(t)
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            let how = p.terminationReason == .exit ? "exit \(p.terminationStatus)" : "signal \(p.terminationStatus)"
            return .failed("\(how): \(SweepRunner.lastLine(of: log)) (log: \(log))")
        }
        do {
            let r = try RunResult.load(runDir: spec.runDir(t))
            guard r.finished else { return .failed("exited but \(r.resultPath) is not finished (log: \(log))") }
            return resume ? .resumed(r) : .ran(r)
        } catch {
            return .failed("\(error) (log: \(log))")
        }
    }

    static func lastLine(of path: String) -> String {
        guard let d = FileManager.default.contents(atPath: path) else { return "no log" }
        return String(decoding: d, as: UTF8.self).split(whereSeparator: \.isNewline).last.map(String.init) ?? "empty log"
    }
}

/// POSIX shell single-quoting (`'it'\''s'`); plain words stay bare.
public func shellQuote(_ s: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    if !s.isEmpty && s.allSatisfy({ safe.contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
