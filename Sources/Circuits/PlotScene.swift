import Foundation

/// A tiny vector drawing (lines, dots, text) in pixel coordinates, y down,
/// rendered to SVG by hand or to a Graphviz graph with pinned positions so
/// that `neato -n2 -Tpng` can rasterise it where no SVG converter exists.
struct PlotScene {
    enum Anchor: String { case start, middle, end }
    enum Item {
        case line(x1: Double, y1: Double, x2: Double, y2: Double, color: String, width: Double)
        case dot(x: Double, y: Double, r: Double, color: String)
        case text(x: Double, y: Double, String, size: Double, anchor: Anchor, color: String)
    }

    let width: Double, height: Double
    var items: [Item] = []

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String = "#000000", width: Double = 1) {
        items.append(.line(x1: x1, y1: y1, x2: x2, y2: y2, color: color, width: width))
    }
    mutating func dot(_ x: Double, _ y: Double, r: Double = 3.5, color: String) { items.append(.dot(x: x, y: y, r: r, color: color)) }
    mutating func text(_ x: Double, _ y: Double, _ s: String, size: Double = 11, anchor: Anchor = .middle, color: String = "#000000") {
        items.append(.text(x: x, y: y, s, size: size, anchor: anchor, color: color))
    }

    static func f(_ d: Double) -> String { String(format: "%.2f", d) }
    static func xml(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    func svg() -> String {
        let f = PlotScene.f
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\">\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>\n"
        for it in items {
            switch it {
            case .line(let x1, let y1, let x2, let y2, let c, let w):
                s += "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(c)\" stroke-width=\"\(f(w))\"/>\n"
            case .dot(let x, let y, let r, let c):
                s += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r))\" fill=\"\(c)\"/>\n"
            case .text(let x, let y, let t, let size, let a, let c):
                s += "<text x=\"\(f(x))\" y=\"\(f(y))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"\(f(size))\" text-anchor=\"\(a.rawValue)\" fill=\"\(c)\">\(PlotScene.xml(t))</text>\n"
            }
        }
        return s + "</svg>\n"
    }

    /// Pinned-position Graphviz graph (points; Graphviz's y axis points up).
    func dot() -> String {
        let f = PlotScene.f
        var s = "digraph plot {\n  graph [bb=\"0,0,\(f(width)),\(f(height))\", bgcolor=\"white\", pad=\"0\"];\n"
        s += "  node [label=\"\", shape=point, width=0, height=0, style=invis, fixedsize=true];\n  edge [arrowhead=none];\n"
        var n = 0
        func node(_ x: Double, _ y: Double, _ attrs: String = "") -> String {
            n += 1
            s += "  n\(n) [pos=\"\(f(x)),\(f(height - y))!\"\(attrs)];\n"
            return "n\(n)"
        }
        // Invisible corners pin the drawing's bounding box to the scene's.
        _ = node(0, 0); _ = node(width, height)
        for it in items {
            switch it {
            case .line(let x1, let y1, let x2, let y2, let c, let w):
                let a = node(x1, y1), b = node(x2, y2)
                s += "  \(a) -> \(b) [color=\"\(c)\", penwidth=\(f(w))];\n"
            case .dot(let x, let y, let r, let c):
                _ = node(x, y, ", style=filled, color=\"\(c)\", fillcolor=\"\(c)\", width=\(f(2 * r / 72)), height=\(f(2 * r / 72))")
            case .text(let x, let y, let t, let size, let a, let c):
                // Centre the label box on the text's midpoint: shift by an estimate of its width.
                let w = Double(t.count) * size * 0.55
                let cx = a == .start ? x + w / 2 : a == .end ? x - w / 2 : x
                let label = t.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                _ = node(cx, y - size * 0.35, ", shape=plaintext, style=solid, label=\"\(label)\", fontname=\"Helvetica\", fontsize=\(f(size)), fontcolor=\"\(c)\", width=\(f(w / 72)), height=\(f(size / 72)), margin=0")
            }
        }
        return s + "}\n"
    }
}

/// The sweep's picture: final metric against circuit size, and the ROC
/// curves when a canonical circuit is known.
enum SweepPlot {
    static let panel = (w: 440.0, h: 340.0)
    static let margin = (left: 70.0, right: 20.0, top: 40.0, bottom: 50.0)

    static func scene(_ r: SweepReport) -> PlotScene {
        let roc = r.canonicalPath != nil
        var s = PlotScene(width: panel.w * (roc ? 2 : 1), height: panel.h)
        let pts = r.rows.compactMap { row in row.result.map { (x: Double($0.edgesKept), y: $0.finalMetric, t: row.threshold) } }
        let xs = pts.map(\.x), ys = pts.map(\.y)
        let xr = range(xs, includeZero: true), yr = range(ys, includeZero: false)
        axes(&s, x0: 0, title: "Final metric vs edges kept", xLabel: "edges kept", yLabel: "final metric", xr: xr, yr: yr)
        let sorted = pts.sorted { $0.x < $1.x }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            let p = map(a.x, a.y, 0, xr, yr), q = map(b.x, b.y, 0, xr, yr)
            s.line(p.0, p.1, q.0, q.1, color: "#9ecae1", width: 1.5)
        }
        for p in pts {
            let (x, y) = map(p.x, p.y, 0, xr, yr)
            s.dot(x, y, color: "#3182bd")
            s.text(x + 6, y - 6, "\(p.t)", size: 9, anchor: .start, color: "#555555")
        }
        if pts.isEmpty { s.text(panel.w / 2, panel.h / 2, "no finished runs", size: 12) }
        if roc {
            let unit = (0.0, 1.0)
            axes(&s, x0: panel.w, title: "ROC vs canonical circuit", xLabel: "false positive rate", yLabel: "true positive rate", xr: unit, yr: unit)
            for (curve, colour, name, auc) in [(r.edgeCurve, "#e6550d", "edges", r.edgeAUC), (r.nodeCurve, "#31a354", "nodes", r.nodeAUC)] {
                for (a, b) in zip(curve, curve.dropFirst()) {
                    let p = map(a.fpr, a.tpr, panel.w, unit, unit), q = map(b.fpr, b.tpr, panel.w, unit, unit)
                    s.line(p.0, p.1, q.0, q.1, color: colour, width: 2)
                }
                for c in curve { let (x, y) = map(c.fpr, c.tpr, panel.w, unit, unit); s.dot(x, y, r: 3, color: colour) }
                let row = name == "edges" ? 0.0 : 1.0
                let lx = panel.w + panel.w - margin.right - 150, ly = panel.h - margin.bottom - 40 + 16 * row
                s.line(lx, ly - 4, lx + 18, ly - 4, color: colour, width: 2)
                s.text(lx + 24, ly, "\(name) AUC \(String(format: "%.3f", auc ?? 0))", size: 11, anchor: .start)
            }
        }
        return s
    }

    static func range(_ v: [Double], includeZero: Bool) -> (Double, Double) {
        var lo = v.min() ?? 0, hi = v.max() ?? 1
        if includeZero { lo = min(lo, 0) }
        if hi - lo <= 0 { let pad = max(abs(hi) * 0.1, 1e-12); lo -= pad; hi += pad } else { let pad = (hi - lo) * 0.05; hi += pad; if !includeZero || lo < 0 { lo -= pad } }
        return (lo, hi)
    }

    static func map(_ x: Double, _ y: Double, _ x0: Double, _ xr: (Double, Double), _ yr: (Double, Double)) -> (Double, Double) {
        let w = panel.w - margin.left - margin.right, h = panel.h - margin.top - margin.bottom
        return (x0 + margin.left + (x - xr.0) / (xr.1 - xr.0) * w, margin.top + h - (y - yr.0) / (yr.1 - yr.0) * h)
    }

    static func axes(_ s: inout PlotScene, x0: Double, title: String, xLabel: String, yLabel: String, xr: (Double, Double), yr: (Double, Double)) {
        let left = x0 + margin.left, right = x0 + panel.w - margin.right
        let top = margin.top, bottom = panel.h - margin.bottom
        s.text((left + right) / 2, 22, title, size: 13)
        s.line(left, bottom, right, bottom); s.line(left, top, left, bottom)
        for i in 0...4 {
            let fx = Double(i) / 4
            let vx = xr.0 + fx * (xr.1 - xr.0), vy = yr.0 + fx * (yr.1 - yr.0)
            let px = left + fx * (right - left), py = bottom - fx * (bottom - top)
            s.line(px, bottom, px, bottom + 4); s.text(px, bottom + 16, String(format: "%.3g", vx), size: 9)
            s.line(left - 4, py, left, py); s.text(left - 6, py + 3, String(format: "%.3g", vy), size: 9, anchor: .end)
            if i > 0 { s.line(left + 1, py, right, py, color: "#eeeeee") }
        }
        s.text((left + right) / 2, panel.h - 12, xLabel, size: 11)
        s.text(x0 + 14, top - 10, yLabel, size: 11, anchor: .start)
    }
}

/// The sweep plot as files: SVG written by our own code; PNG through
/// rsvg-convert when installed, else Graphviz (`neato -n2`) on the same scene.
public enum SweepPlots {
    public static func svg(_ r: SweepReport) -> String { SweepPlot.scene(r).svg() }

    /// nil when neither rsvg-convert nor Graphviz is installed.
    public static func png(_ r: SweepReport) throws -> Data? {
        let scene = SweepPlot.scene(r)
        if let rsvg = ExternalTools.find("rsvg-convert") {
            return try ExternalTools.run(rsvg, ["-f", "png"], input: Data(scene.svg().utf8))
        }
        if let dot = ExternalTools.find("dot") {
            return try ExternalTools.run(dot, ["-Kneato", "-n2", "-Tpng"], input: Data(scene.dot().utf8))
        }
        return nil
    }
}

/// `path` made absolute against the working directory.
public func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
}
