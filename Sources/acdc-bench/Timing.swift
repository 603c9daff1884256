import Foundation

/// Wall-clock and process CPU seconds of one call of `body`. With one BLAS
/// thread the CPU time is the work itself, unaffected by other processes
/// taking the cores (which this shared machine's wall times suffer from).
struct Timing {
    var wall: Double
    var cpu: Double

    static func of(_ body: () -> Void) -> Timing {
        let w0 = DispatchTime.now().uptimeNanoseconds, c0 = processCPUSeconds()
        body()
        return Timing(wall: Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e9, cpu: processCPUSeconds() - c0)
    }

    static let infinity = Timing(wall: .infinity, cpu: .infinity)

    /// Element-wise minimum: the least disturbed observation of each clock.
    func best(_ other: Timing) -> Timing { Timing(wall: min(wall, other.wall), cpu: min(cpu, other.cpu)) }
}

func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Wall-clock seconds of one call of `body`.
func seconds(_ body: () -> Void) -> Double { Timing.of(body).wall }

func format(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
