import Foundation

/// Phi-3 / Phi-4-mini (`model_type: phi3`): fused `qkv_proj` (all q rows,
/// then k, then v) and `gate_up_proj` (gate rows, then up), partial rotary
/// (`partial_rotary_factor`), a `sliding_window` on every layer when not null.
/// Only the default rope is supported (not `longrope`).
public enum Phi3: Architecture {
    public static let modelType = "phi3"
    public static let ignoredTensors = DecoderLayout.ignored

    public static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig {
        try everyLayerSlidingConfig(data, file: file, defaultEps: 1e-5)
    }

    public static func weights(_ files: CheckpointFiles, config: ModelConfig, data: Data, file: String) throws -> TransformerWeights {
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        return try DecoderLayout(fusedQKV: true, fusedGateUp: true, tied: keys.tie_word_embeddings ?? false)
            .weights(files, config: config)
    }
}
