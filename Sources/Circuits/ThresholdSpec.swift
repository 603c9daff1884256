import ACDC
import Foundation

/// `--thresholds` of `acdc sweep`: a comma-separated list (`0.001,0.01,0.1`)
/// or `log:START:END:COUNT`, COUNT values evenly spaced in log10 from START to
/// END inclusive (numpy's `10 ** linspace(log10(START), log10(END), COUNT)`,
/// the form the reference's sweep scripts use, with the endpoints exact).
public enum ThresholdSpec {
    public static func parse(_ spec: String) throws -> [Double] {
        func fail(_ m: String) -> ACDCError { ACDCError("--thresholds '\(spec)': \(m)") }
        let s = spec.trimmingCharacters(in: .whitespaces)
        var values: [Double]
        if s.hasPrefix("log:") {
            let parts = s.dropFirst(4).split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3 else { throw fail("expected log:START:END:COUNT, e.g. log:1e-4:1e-1:10") }
            guard let a = Double(parts[0]), let b = Double(parts[1]), a.isFinite, b.isFinite else {
                throw fail("START and END must be numbers")
            }
            guard a > 0, b > 0 else { throw fail("START and END must be positive for a log-spaced grid") }
            guard let n = Int(parts[2]), n >= 1, n <= 10_000 else { throw fail("COUNT must be an integer from 1 to 10000") }
            if n == 1 {
                guard a == b else { throw fail("COUNT 1 needs START == END") }
                values = [a]
            } else {
                let la = log10(a), lb = log10(b), step = (lb - la) / Double(n - 1)
                values = (0..<n).map { i in i == 0 ? a : i == n - 1 ? b : pow(10, la + Double(i) * step) }
            }
        } else {
            let items = s.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            values = try items.map { item in
                guard !item.isEmpty else { throw fail("empty entry (expected e.g. 0.001,0.01,0.1 or log:1e-4:1e-1:10)") }
                guard let v = Double(item), v.isFinite else { throw fail("'\(item)' is not a finite number") }
                return v
            }
        }
        var seen = Set<Double>()
        for v in values where !seen.insert(v).inserted { throw fail("threshold \(v) appears twice") }
        return values
    }

    /// Run directory name of a threshold inside a sweep: `thr-<t>` with the
    /// shortest text that reads back as the same Double (`thr-0.001`, `thr-1e-05`).
    public static func directoryName(_ t: Double) -> String { "thr-\(t)" }

    /// The text handed to `acdc run --threshold`: reads back bit for bit.
    public static func text(_ t: Double) -> String { "\(t)" }
}
