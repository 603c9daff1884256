import Transformer

/// Floating-point operations of one plain forward pass, counting only the
/// matrix products (2 FLOPs per multiply-add), over all B·T positions:
///   q, k, v projections  3 · 2·N·d·(H·d_head)
///   attention scores      B·H · 2·T·T·d_head   (the full T×T, masked entries included)
///   z = pattern · v       B·H · 2·T·T·d_head
///   output projection     2·N·(H·d_head)·d
///   MLP in and out        2 · 2·N·d·d_mlp
///   unembedding           2·N·d·d_vocab_out
/// with N = B·T. LayerNorm, softmax, GELU, bias and residual adds are not
/// counted (they are O(N·d) against O(N·d²) for the products).
func forwardFLOPs(_ c: ModelConfig, batch B: Int, seq T: Int) -> Double {
    let N = Double(B * T), d = Double(c.dModel), hd = Double(c.nHeads * c.dHead)
    let attention = 3 * 2 * N * d * hd + 2 * Double(B * c.nHeads) * 2 * Double(T * T * c.dHead) + 2 * N * hd * d
    let mlp = c.hasMLP ? 2 * 2 * N * d * Double(c.dMLP ?? 0) : 0
    return Double(c.nLayers) * (attention + mlp) + 2 * N * d * Double(c.dVocabOut)
}

/// Matrix-product FLOPs of one `LossGradient.run`: the forward with only
/// `unembeddedRows` rows unembedded, and the backward to every receiver
/// input (no weight gradients): per layer the MLP's two products and the
/// attention output's once more, each head's q/k/v input gradient
/// (`3·2·N·d·H·d_head`), and twice the forward's attention-core products
/// (dP, dv, dq, dk); the unembedding's transpose at the unembedded rows.
func forwardBackwardFLOPs(_ c: ModelConfig, batch B: Int, seq T: Int, unembeddedRows u: Int) -> Double {
    let N = Double(B * T), d = Double(c.dModel), hd = Double(c.nHeads * c.dHead)
    let core = 2 * Double(B * c.nHeads) * 2 * Double(T * T * c.dHead)
    let forward = forwardFLOPs(c, batch: B, seq: T) - 2 * N * d * Double(c.dVocabOut) + 2 * Double(u) * d * Double(c.dVocabOut)
    let mlp = c.hasMLP ? 2 * 2 * N * d * Double(c.dMLP ?? 0) : 0
    let backward = Double(c.nLayers) * (mlp + 2 * N * hd * d + 3 * 2 * N * d * hd + 2 * core) + 2 * Double(u) * d * Double(c.dVocabOut)
    return forward + backward
}
