/// The layout rule of the safetensors format, as the reference loader
/// (`safetensors` `Metadata::validate`) enforces it: the tensors' data
/// offsets, sorted by start, must tile the data region exactly — each starts
/// where the previous one ended, the first at 0, the last ends at the end of
/// the file. An overlap, a gap or uncovered trailing bytes all mean a corrupt
/// file (a header length off by one byte shifts every offset), so all are
/// refused naming the tensor where the tiling breaks.
enum SafetensorsLayout {
    struct Span { let name: String; let start: Int; let end: Int }

    static func validate(_ spans: [Span], dataSize: Int, path: String) throws {
        // Ties broken by name so the message does not depend on hash order.
        let sorted = spans.sorted { ($0.start, $0.end, $0.name) < ($1.start, $1.end, $1.name) }
        var expected = 0
        var previous: String? = nil
        for s in sorted {
            if s.start != expected {
                let after = previous.map { "after '\($0)', which ends at \(expected)" } ?? "at the start of the data region"
                let what = s.start < expected ? "overlaps the tensor before it" : "leaves a gap of \(s.start - expected) bytes"
                throw ModelError("\(path): tensor '\(s.name)': data offsets [\(s.start), \(s.end)] \(what) (\(after)); "
                    + "offsets must tile the data region exactly (corrupt header?)")
            }
            expected = s.end
            previous = s.name
        }
        guard expected == dataSize else {
            throw ModelError("\(path): the tensors cover \(expected) data bytes but the file has \(dataSize) "
                + "after the header; offsets must tile the data region exactly (corrupt header or length?)")
        }
    }
}
