import Foundation
import Transformer

/// A hook visitor that only takes timestamps, at hooks the forward visits
/// without materialising anything extra, to split a forward's wall time into
/// attention, MLP and unembedding (`acdc-bench forward --breakdown`).
struct PhaseTimer: HookVisitor {
    private(set) var attention = 0.0, mlp = 0.0, other = 0.0
    private var last = DispatchTime.now().uptimeNanoseconds

    func wants(_ hook: HookPoint) -> Bool {
        switch hook {
        case .residPre, .attnOut, .mlpOut, .lnFinalNormalized: return true
        default: return false
        }
    }

    mutating func visit(_ hook: HookPoint, shape: [Int], _ value: UnsafeMutableBufferPointer<Float>) {
        let now = DispatchTime.now().uptimeNanoseconds
        let dt = Double(now - last) / 1e9
        last = now
        switch hook {
        case .attnOut: attention += dt // since resid_pre: ln1, q/k/v, attention, output projection
        case .mlpOut: mlp += dt        // since attn_out: ln2, MLP
        default: other += dt           // embeddings, residual adds, final LayerNorm
        }
    }

    /// Time since the last hook (the unembedding, when called right after the forward).
    func sinceLastHook() -> Double { Double(DispatchTime.now().uptimeNanoseconds - last) / 1e9 }
}
