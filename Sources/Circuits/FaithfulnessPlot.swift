import Foundation

/// The faithfulness curve of `acdc faithfulness` as an SVG: f against the
/// fraction of edges (logarithmic axis, 0.1 % … 100 %), with f = 0 and 1 marked.
public enum FaithfulnessPlot {
    public static func svg(fractions: [Double], faithfulness: [Double], title: String) -> String {
        let w = 560.0, h = 360.0, left = 60.0, right = 20.0, top = 40.0, bottom = 50.0
        var scene = PlotScene(width: w, height: h)
        let lo = log10(fractions.min() ?? 0.001), hi = log10(fractions.max() ?? 1)
        let yMin = min(0, faithfulness.min() ?? 0), yMax = max(1, faithfulness.max() ?? 1)
        func x(_ f: Double) -> Double { left + (log10(f) - lo) / max(hi - lo, 1e-9) * (w - left - right) }
        func y(_ v: Double) -> Double { top + (yMax - v) / max(yMax - yMin, 1e-9) * (h - top - bottom) }
        scene.text(w / 2, 22, title, size: 13)
        scene.line(left, h - bottom, w - right, h - bottom)
        scene.line(left, top, left, h - bottom)
        for v in [0.0, 1.0] {
            scene.line(left, y(v), w - right, y(v), color: "#bbbbbb")
            scene.text(left - 6, y(v) + 4, String(format: "%.0f", v), anchor: .end)
        }
        for f in fractions {
            scene.line(x(f), h - bottom, x(f), h - bottom + 4)
            scene.text(x(f), h - bottom + 17, f * 100 < 1 ? String(format: "%.1f", f * 100) : String(format: "%.0f", f * 100), size: 10)
        }
        scene.text(w / 2, h - 10, "% of edges (log scale)")
        scene.text(16, top - 10, "faithfulness", anchor: .start)
        let pts = zip(fractions, faithfulness).map { (x($0), y($1)) }
        for (a, b) in zip(pts, pts.dropFirst()) { scene.line(a.0, a.1, b.0, b.1, color: "#1f77b4", width: 2) }
        for p in pts { scene.dot(p.0, p.1, color: "#1f77b4") }
        return scene.svg()
    }
}
