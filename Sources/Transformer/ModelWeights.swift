import Kernels

/// The weights of a model as views into checkpoint tensors, in whatever layout
/// the checkpoint stores them: each architecture's key mapping
/// (`Architectures/`) says where every matrix lives, so float32 weights stay
/// memory-mapped whatever their orientation or fusion.

/// A logical `[inputs, outputs]` matrix `M` (so that `y = x·M`): either
/// stored row-major as `[inputs, outputs]` (TransformerLens, GPT-2 Conv1D) or
/// transposed as `[outputs, inputs]` (torch `nn.Linear`), with leading dimension `ld`.
public struct Linear: @unchecked Sendable {
    public let pointer: UnsafePointer<Float>
    public let ld: Int
    public let transposed: Bool
    /// Keeps the storage (mapping or converted copy) alive.
    let owner: AnyObject

    public init(_ t: WeightTensor, offset: Int = 0, ld: Int, transposed: Bool) {
        pointer = t.pointer + offset; self.ld = ld; self.transposed = transposed; owner = t.owner
    }

    init(pointer: UnsafePointer<Float>, ld: Int, transposed: Bool, owner: AnyObject) {
        self.pointer = pointer; self.ld = ld; self.transposed = transposed; self.owner = owner
    }

    /// The logical sub-matrix starting at logical row `r` (an input slice).
    @inline(__always)
    public func rows(from r: Int) -> Linear {
        Linear(pointer: pointer + (transposed ? r : r * ld), ld: ld, transposed: transposed, owner: owner)
    }

    /// The logical sub-matrix starting at logical column `c` (an output slice).
    @inline(__always)
    public func columns(from c: Int) -> Linear {
        Linear(pointer: pointer + (transposed ? c * ld : c), ld: ld, transposed: transposed, owner: owner)
    }

    /// `y[m, n] (row stride ldy) = x[m, k] (row stride ldx) · M[k, n] + beta·y`.
    @inline(__always)
    public func apply(_ x: UnsafePointer<Float>, rows m: Int, inputs k: Int, outputs n: Int, ldx: Int? = nil,
                      into y: UnsafeMutablePointer<Float>, ldy: Int? = nil, beta: Float = 0) {
        sgemm(m, n, k, a: x, lda: ldx, b: pointer, ldb: ld, transposeB: transposed, c: y, ldc: ldy, beta: beta)
    }

    /// Backward of `apply`: `dx[m, k] (row stride lddx) = dy[m, n] (row stride lddy) · Mᵀ + beta·dx`.
    @inline(__always)
    public func applyTransposed(_ dy: UnsafePointer<Float>, rows m: Int, outputs n: Int, inputs k: Int, lddy: Int? = nil,
                                into dx: UnsafeMutablePointer<Float>, lddx: Int? = nil, beta: Float = 0) {
        sgemm(m, k, n, a: dy, lda: lddy, b: pointer, ldb: ld, transposeB: !transposed, c: dx, ldc: lddx, beta: beta)
    }

    /// The one-row case (`sgemvRow` for a row-major M).
    @inline(__always)
    public func applyRow(_ x: UnsafePointer<Float>, inputs k: Int, outputs n: Int, into y: UnsafeMutablePointer<Float>, beta: Float) {
        if transposed {
            sgemvColumns(n: n, k: k, x: x, b: pointer, ldb: ld, y: y, beta: beta)
        } else {
            sgemvRow(n: n, k: k, x: x, b: pointer, ldb: ld, y: y, beta: beta)
        }
    }
}

/// Per-head slices of a projection: head h's `[d_model, d_head]` matrix is
/// `base` shifted by `h · headStep` floats (TL `[H, d, d_head]`, HF
/// `[H·d_head, d]`, or a fused q/k/v tensor with its own interleaving).
public struct HeadLinear: Sendable {
    public let base: Linear
    public let headStep: Int
    public init(_ base: Linear, headStep: Int) { self.base = base; self.headStep = headStep }
    @inline(__always)
    public func head(_ h: Int) -> Linear {
        Linear(pointer: base.pointer + h * headStep, ld: base.ld, transposed: base.transposed, owner: base.owner)
    }
}

/// Per-head slices of a bias vector: head h's `d_head` values start at `h · headStep`.
public struct HeadVector: @unchecked Sendable {
    public let pointer: UnsafePointer<Float>
    public let headStep: Int
    let owner: AnyObject
    public init(_ t: WeightTensor, offset: Int = 0, headStep: Int) { pointer = t.pointer + offset; self.headStep = headStep; owner = t.owner }
    @inline(__always) public func head(_ h: Int) -> UnsafePointer<Float> { pointer + h * headStep }
}

/// A norm's weight (and LayerNorm bias); both nil for LNPre.
public struct NormWeights: Sendable {
    public let w: WeightTensor?
    public let b: WeightTensor?
    public init(w: WeightTensor?, b: WeightTensor?) { self.w = w; self.b = b }
}

public struct AttentionWeights: Sendable {
    /// q over query heads, k and v over key/value heads.
    public let projection: [HeadLinear]
    public let bias: [HeadVector?]
    /// `[H·d_head, d_model]`: head h is the rows `h·d_head ..< (h+1)·d_head`.
    public let wO: Linear
    public let bO: WeightTensor?
    /// OLMo 2's q/k norms (widths H·d_head and H_kv·d_head).
    public let qNorm: WeightTensor?
    public let kNorm: WeightTensor?

    public init(projection: [HeadLinear], bias: [HeadVector?], wO: Linear, bO: WeightTensor?,
                qNorm: WeightTensor? = nil, kNorm: WeightTensor? = nil) {
        self.projection = projection; self.bias = bias; self.wO = wO; self.bO = bO; self.qNorm = qNorm; self.kNorm = kNorm
    }
}

public struct MLPWeights: Sendable {
    public let wIn: Linear      // [d_model, d_mlp] (the "up" projection when gated)
    public let wGate: Linear?   // [d_model, d_mlp]
    public let bIn: WeightTensor?
    public let wOut: Linear     // [d_mlp, d_model]
    public let bOut: WeightTensor?
    public init(wIn: Linear, wGate: Linear? = nil, bIn: WeightTensor?, wOut: Linear, bOut: WeightTensor?) {
        self.wIn = wIn; self.wGate = wGate; self.bIn = bIn; self.wOut = wOut; self.bOut = bOut
    }
}

public struct BlockWeights: Sendable {
    public let ln1: NormWeights?
    public let attn: AttentionWeights
    public let ln2: NormWeights?
    public let mlp: MLPWeights?
    public let postAttentionNorm: NormWeights?
    public let postMLPNorm: NormWeights?
    public init(ln1: NormWeights?, attn: AttentionWeights, ln2: NormWeights?, mlp: MLPWeights?,
                postAttentionNorm: NormWeights? = nil, postMLPNorm: NormWeights? = nil) {
        self.ln1 = ln1; self.attn = attn; self.ln2 = ln2; self.mlp = mlp
        self.postAttentionNorm = postAttentionNorm; self.postMLPNorm = postMLPNorm
    }
}

public struct TransformerWeights: Sendable {
    public let wE: WeightTensor        // [d_vocab, d_model]
    public let wPos: WeightTensor?     // [n_ctx, d_model]; nil with rotary
    public let blocks: [BlockWeights]
    public let lnFinal: NormWeights?
    public let wU: Linear              // [d_model, d_vocab_out] (tied: W_Eᵀ)
    public let bU: WeightTensor?       // [d_vocab_out]

    public init(wE: WeightTensor, wPos: WeightTensor?, blocks: [BlockWeights], lnFinal: NormWeights?,
                wU: Linear, bU: WeightTensor?) {
        self.wE = wE; self.wPos = wPos; self.blocks = blocks; self.lnFinal = lnFinal; self.wU = wU; self.bU = bU
    }
}

/// Which of a head's three inputs.
public enum QKV: Int, CaseIterable, Sendable, Codable {
    case q = 0, k = 1, v = 2
    public var letter: String { ["q", "k", "v"][rawValue] }
}

/// Tensors held in memory by name; tests and benchmarks build models with it.
public struct InMemoryTensors: TensorSource {
    public var origin: String
    public var tensors: [String: WeightTensor]
    public init(origin: String, tensors: [String: WeightTensor] = [:]) { self.origin = origin; self.tensors = tensors }
    public func contains(_ name: String) -> Bool { tensors[name] != nil }
    public func tensor(_ name: String, shape: [Int]) throws -> WeightTensor {
        guard let t = tensors[name] else { throw ModelError("\(origin): missing tensor '\(name)'") }
        guard t.shape == shape else { throw ModelError("\(origin): tensor '\(name)' has shape \(t.shape), expected \(shape)") }
        return t
    }
}
