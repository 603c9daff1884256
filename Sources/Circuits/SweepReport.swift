import ACDC
import Foundation

/// A canonical circuit to score a sweep against (a task's ground truth or `--canonical FILE`).
public struct CanonicalCircuit {
    public let path: String
    public let entries: [EdgeListEntry]
    public init(path: String) throws { self.path = path; self.entries = try EdgeList.load(path: path) }
}

/// The sweep's results: one row per threshold, ROC points and AUCs when a
/// canonical circuit is known. Written as summary.csv, summary.md and a plot.
public struct SweepReport {
    public struct Row {
        public let threshold: Double
        /// finished, failed, interrupted or missing.
        public let status: String
        public let result: RunResult?
        public let edgeRates: ROC.Rates?
        public let nodeRates: ROC.Rates?
        public let note: String?
    }

    public let title: String
    public let rows: [Row]
    public let canonicalPath: String?
    public let canonicalEdges: Int?
    public let canonicalNodes: Int?
    public let edgeCurve: [ROC.Point]
    public let nodeCurve: [ROC.Point]
    public var edgeAUC: Double? { canonicalPath == nil || edgeCurve.isEmpty ? nil : ROC.auc(edgeCurve) }
    public var nodeAUC: Double? { canonicalPath == nil || nodeCurve.isEmpty ? nil : ROC.auc(nodeCurve) }

    /// `outcomes` from this invocation win over what is on disk.
    public init(spec: SweepSpec, title: String, outcomes: [Int: SweepRunner.Outcome], canonical: CanonicalCircuit?) throws {
        var base: [(Double, String, RunResult?, String?)] = []
        for (i, t) in spec.thresholds.enumerated() {
            if let o = outcomes[i] {
                if case .failed(let why) = o { base.append((t, "failed", nil, why)) } else { base.append((t, "finished", o.result, nil)) }
                continue
            }
            switch try SweepRunState.of(runDir: spec.runDir(t)) {
            case .finished(let r): base.append((t, "finished", r, nil))
            case .interrupted: base.append((t, "interrupted", nil, nil))
            case .fresh: base.append((t, "missing", nil, nil))
            }
        }
        base.sort { $0.0 < $1.0 }

        var canonicalEdgeKeys: Set<String>? = nil, canonicalNodeNames: Set<String>? = nil, nodeUniverse = 0
        if let c = canonical, let first = base.compactMap({ $0.2 }).first {
            let (graph, _) = try first.graph()
            let mask = try EdgeList.mask(c.entries, graph: graph)
            let kept = graph.edges.indices.filter { mask[$0] && graph.edges[$0].type != .placeholder }
            canonicalEdgeKeys = Set(kept.map { graph.edgeString($0, withType: false) })
            canonicalNodeNames = ROC.nodes(of: kept.map { (graph.nodes[graph.edges[$0].child], graph.nodes[graph.edges[$0].parent]) })
            nodeUniverse = ROC.nodeUniverse(graph).count
        }
        var rows: [Row] = []
        var edgePoints: [ROC.Point] = [], nodePoints: [ROC.Point] = []
        for (t, status, r, note) in base {
            var er: ROC.Rates? = nil, nr: ROC.Rates? = nil
            if let r, let ce = canonicalEdgeKeys, let cn = canonicalNodeNames {
                let present = r.presentNonPlaceholder
                er = ROC.rates(recovered: Set(present.map(\.key)), canonical: ce, universe: r.edgesTotal)
                let ends = present.compactMap { e -> (child: NodeKind, parent: NodeKind)? in
                    guard let c = NodeKind(parsing: e.child), let p = NodeKind(parsing: e.parent) else { return nil }
                    return (c, p)
                }
                nr = ROC.rates(recovered: ROC.nodes(of: ends), canonical: cn, universe: nodeUniverse)
                edgePoints.append(ROC.Point(threshold: t, fpr: er!.fpr, tpr: er!.tpr))
                nodePoints.append(ROC.Point(threshold: t, fpr: nr!.fpr, tpr: nr!.tpr))
            }
            rows.append(Row(threshold: t, status: status, result: r, edgeRates: er, nodeRates: nr, note: note))
        }
        self.title = title
        self.rows = rows
        self.canonicalPath = canonicalEdgeKeys == nil ? nil : canonical?.path
        self.canonicalEdges = canonicalEdgeKeys?.count
        self.canonicalNodes = canonicalNodeNames?.count
        self.edgeCurve = canonicalEdgeKeys == nil ? [] : ROC.curve(edgePoints)
        self.nodeCurve = canonicalEdgeKeys == nil ? [] : ROC.curve(nodePoints)
    }

    static func num(_ d: Double) -> String { "\(d)" }
    static func short(_ d: Double) -> String { String(format: "%.6g", d) }

    public func csv() -> String {
        var header = ["threshold", "status", "edges", "edges_total", "final_metric", "evaluations", "seconds"]
        let roc = canonicalPath != nil
        if roc { header += ["edge_tp", "edge_fp", "edge_tpr", "edge_fpr", "node_tpr", "node_fpr"] }
        var lines = [header.joined(separator: ",")]
        for r in rows {
            var f = [SweepReport.num(r.threshold), r.status]
            if let x = r.result {
                f += ["\(x.edgesKept)", "\(x.edgesTotal)", SweepReport.num(x.finalMetric), "\(x.evaluations)", String(format: "%.3f", x.seconds)]
            } else {
                f += ["", "", "", "", ""]
            }
            if roc {
                if let e = r.edgeRates, let n = r.nodeRates {
                    f += ["\(e.truePositives)", "\(e.falsePositives)", SweepReport.num(e.tpr), SweepReport.num(e.fpr), SweepReport.num(n.tpr), SweepReport.num(n.fpr)]
                } else {
                    f += ["", "", "", "", "", ""]
                }
            }
            lines.append(f.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func markdown(plotFiles: [String]) -> String {
        var s = "# ACDC sweep: \(title)\n\n"
        let roc = canonicalPath != nil
        s += "| threshold | status | edges | final metric | evaluations | seconds |" + (roc ? " edge TPR | edge FPR | node TPR | node FPR |" : "") + "\n"
        s += "|---|---|---|---|---|---|" + (roc ? "---|---|---|---|" : "") + "\n"
        for r in rows {
            var f = [SweepReport.num(r.threshold), r.status]
            if let x = r.result {
                f += ["\(x.edgesKept) / \(x.edgesTotal)", SweepReport.short(x.finalMetric), "\(x.evaluations)", String(format: "%.2f", x.seconds)]
            } else { f += ["", "", "", ""] }
            if roc {
                if let e = r.edgeRates, let n = r.nodeRates {
                    f += [e.tpr, e.fpr, n.tpr, n.fpr].map { String(format: "%.3f", $0) }
                } else { f += ["", "", "", ""] }
            }
            s += "| " + f.joined(separator: " | ") + " |\n"
        }
        s += "\n"
        if let p = canonicalPath, let e = edgeAUC, let n = nodeAUC {
            s += "Canonical circuit: `\(p)` (\(canonicalEdges ?? 0) edges, \(canonicalNodes ?? 0) nodes).\n\n"
            s += "- edge AUC: \(String(format: "%.4f", e))\n- node AUC: \(String(format: "%.4f", n))\n\n"
            s += "ROC and AUC as ACDC.md §8: points sorted by threshold (largest first) framed by (0,0) and (1,1), "
            s += "thresholds below 1e-6 left out, Pareto points only, pessimistic staircase area; "
            s += "nodes normalised like the reference's filter_nodes (q/k/v inputs renamed, mlp_in dropped).\n\n"
        } else {
            s += "No canonical circuit (give --canonical FILE, or use a --task with a ground truth) so no ROC/AUC.\n\n"
        }
        for f in plotFiles { s += "![\(f)](\(f))\n" }
        let failed = rows.filter { $0.note != nil }
        if !failed.isEmpty {
            s += "\n## Failed runs\n\n"
            for r in failed { s += "- \(ThresholdSpec.directoryName(r.threshold)): \(r.note!)\n" }
        }
        return s
    }

    public func json(sweepDir: String) -> JSONValue {
        func opt(_ d: Double?) -> JSONValue { d.map { .number($0) } ?? .null }
        return .object([
            ("sweep_dir", .string(sweepDir)),
            ("runs", .array(rows.map { r in
                .object([("threshold", .number(r.threshold)), ("status", .string(r.status)),
                         ("edges", opt(r.result.map { Double($0.edgesKept) })), ("final_metric", opt(r.result?.finalMetric)),
                         ("evaluations", opt(r.result.map { Double($0.evaluations) })), ("seconds", opt(r.result?.seconds)),
                         ("edge_tpr", opt(r.edgeRates?.tpr)), ("edge_fpr", opt(r.edgeRates?.fpr)),
                         ("node_tpr", opt(r.nodeRates?.tpr)), ("node_fpr", opt(r.nodeRates?.fpr))])
            })),
            ("edge_auc", opt(edgeAUC)), ("node_auc", opt(nodeAUC)),
        ])
    }
}
