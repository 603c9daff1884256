import ACDC
import Checkpoint
import Foundation

/// `acdc export --format hdf5`: the whole edge list of the run's graph with
/// its present mask and effect sizes, the circuit's edge strings, and the
/// run's options and summary as root attributes.
///
/// Layout: root attributes `format` ("acdc-circuit/1"), `experiment`, `model`,
/// `run_dir`, `finished`, `final_metric`, `edges_kept`, `edges_total` and the
/// options (`threshold`, `metric`, `zero_ablation`, `abs_value_threshold`,
/// `indices_mode`, `names_mode`, `remove_redundant`; flags as uint8);
/// datasets `edges/name` (`child<-parent`, graph order), `edges/child`,
/// `edges/parent`, `edges/type`, `edges/present` (uint8), `edges/effect_size`
/// (float64, NaN = never tested) and `circuit/edges` (present edges as
/// `child<-parent|TYPE`, sorted, as `--format edges` prints them).
public enum HDF5Export {
    public static func write(run r: RunResult, graph g: ComputationalGraph, present: [Bool], to path: String) throws {
        let names = g.edges.indices.map { g.edgeString($0, withType: false) }
        let effects = names.map { r.effectSizes[$0] ?? .nan }
        try AtomicHDF5.write(to: path) { f in
            try f.setAttribute("format", to: JSONExport.format)
            try f.setAttribute("experiment", to: r.experimentPath)
            try f.setAttribute("model", to: r.modelPath)
            try f.setAttribute("run_dir", to: r.runDir)
            try f.setAttribute("finished", to: UInt8(r.finished ? 1 : 0))
            try f.setAttribute("final_metric", to: r.finalMetric)
            try f.setAttribute("edges_kept", to: Int64(r.edgesKept))
            try f.setAttribute("edges_total", to: Int64(r.edgesTotal))
            try f.setOptionAttributes(r.options)
            try f.createGroup("edges")
            try f.writeStrings(names, to: "edges/name", encoding: .fixedLength)
            try f.writeStrings(g.edges.map { g.nodes[$0.child].name }, to: "edges/child", encoding: .fixedLength)
            try f.writeStrings(g.edges.map { g.nodes[$0.parent].name }, to: "edges/parent", encoding: .fixedLength)
            try f.writeStrings(g.edges.map { $0.type.rawValue }, to: "edges/type", encoding: .fixedLength)
            try f.write(present.map { UInt8($0 ? 1 : 0) }, to: "edges/present")
            try f.write(effects, to: "edges/effect_size")
            try f.createGroup("circuit")
            try f.writeStrings(g.presentEdgeStrings(present), to: "circuit/edges", encoding: .fixedLength)
        }
    }
}

/// Writes an HDF5 file atomically: build it beside the target, fsync,
/// rename over the target, fsync the directory.
enum AtomicHDF5 {
    static func write(to path: String, _ body: (HDF5File) throws -> Void) throws {
        let tmp = "\(path).tmp-\(getpid())"
        do {
            let f = try HDF5File.create(tmp)
            do { try body(f); try f.flush() } catch { try? f.close(); throw error }
            try f.close()
            let fd = open(tmp, O_RDONLY)
            guard fd >= 0 else { throw ACDCError("\(path): cannot reopen \(tmp) to sync") }
            let synced = fsync(fd) == 0
            close(fd)
            guard synced else { throw ACDCError("\(path): fsync failed") }
            guard rename(tmp, path) == 0 else { throw ACDCError("\(path): cannot rename into place (\(String(cString: strerror(errno))))") }
            AtomicFile.syncDirectory(of: path)
        } catch {
            unlink(tmp)
            throw error
        }
    }
}
