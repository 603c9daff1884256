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
