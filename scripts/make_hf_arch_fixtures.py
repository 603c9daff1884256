#!/usr/bin/env python3
"""Creates Tests/Fixtures/hf-arch/<case>/: tiny RANDOM Hugging Face causal LMs of
every architecture the runtime loads (gpt2, llama, qwen2, mistral, gpt_neox,
gemma2, phi3, olmo2) with the outputs of transformers' own forward pass, for
the Swift parity tests. The format is described in Tests/Fixtures/hf-arch/README.md.

Offline tooling only: neither the `acdc` binary nor the Swift tests run Python.

Setup (CPU is enough; torch 2.13 + transformers 5.24 or later):
    python3 -m venv .venv
    .venv/bin/pip install torch numpy safetensors transformers
  Where pip is configured with a local CPU-only wheel (find-links holding
  torch-2.13.0+cpu, as on the project's machines) that wheel is taken and no
  CUDA package is installed. From PyPI alone, the Linux x86_64 torch wheel is the
  CUDA build and pulls in nvidia-* wheels (cuBLAS, cuDNN, NCCL, ...; several GB);
  it runs on CPU, but it does not import without them (`pip install torch
  --no-deps` fails at `import torch` with "libcublasLt.so.* not found"), so
  either let pip install them or point pip at a CPU-only wheel.
Run from the repository root (about 30 seconds on one core):
    .venv/bin/python scripts/make_hf_arch_fixtures.py            # all cases
    .venv/bin/python scripts/make_hf_arch_fixtures.py llama gemma2   # some cases
Generated with torch 2.13.0+cpu, transformers 5.24.0, safetensors 0.8.0, Python 3.11.

Deterministic: every case seeds its own generator from a fixed seed and its
name, and the files are written byte-identically on each run with the same
versions.

How each case is made:
  1. Build the model from its config (eager attention, float32) and overwrite
     every parameter with seeded random values scaled so that logits reach
     magnitudes ~13-23 and attention is far from uniform (norm weights around 1,
     non-zero biases, so swapped weight/bias or a missing bias shows).
  2. Cast to the stored dtype (float32, bfloat16 or float16) and save_pretrained.
     Some cases then rewrite config.json into the older key spelling that
     published checkpoints use (rope_theta / rope_scaling at top level,
     torch_dtype, rotary_pct / rotary_emb_base, no layer_types); meta.json says
     which. The reload in step 4 shows transformers reads them identically.
  3. The expectation comes from a fresh float32 model whose parameters are the
     stored tensors upcast to float32 (rotary tables are computed in float32, not
     round-tripped through the stored dtype). Forward hooks on each decoder layer
     capture its output, the residual stream after the layer (before any final
     norm).
  4. Verification: the directory is reloaded with from_pretrained(dtype=float32)
     and the forward recomputed; the max abs differences go into meta.json and
     the script fails if they exceed 1e-6.
  5. Independent check: a plain re-implementation of every architecture below
     reads only the case directory and recomputes every tensor in float64 and in
     float32; the differences go into meta.json (at most 1.4e-5) and the script
     fails above 5e-5.
  6. Sensitivity: for each feature, the same weights are run with the feature
     switched off (e.g. no soft-cap, full instead of sliding attention), and the
     independent implementation makes typical slips on purpose (rotary pairing,
     GQA head mapping, window off by one, ...); the max abs logit changes go into
     meta.json to show the case would catch an implementation that got them wrong.
"""
import copy
import hashlib
import json
import math
import os
import platform
import shutil
import sys

import torch
import transformers
import safetensors
from safetensors.torch import save_file, load_file
from transformers import AutoConfig, AutoModelForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "hf-arch")
SEED = 20261202
BATCH, SEQ = 2, 16
RELOAD_TOLERANCE = 1e-6
INDEPENDENT_TOLERANCE = 5e-5   # transformers (float32) vs the plain re-implementation below

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


# --------------------------------------------------------------------------- cases
# Each case: model_type, config kwargs, stored dtype, config style, the random
# scales and the features it exercises (with "off" variants for the sensitivity check).
# Config kwargs use transformers 5 names; style "legacy" rewrites config.json after
# saving into the spelling published checkpoints use.

def llama3_rope(theta):
    return {"rope_type": "llama3", "rope_theta": theta, "factor": 8.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0, "original_max_position_embeddings": 32}


def pythia_buffers(config):
    """The non-parameter tensors Pythia checkpoints carry per layer (written by the
    transformers 4 of their day): the causal-mask buffer `attention.bias` (bool
    [1, 1, P, P]), the scalar `attention.masked_bias` and `attention.rotary_emb.inv_freq`.
    A loader must ignore them, including the bool dtype and the 0-d shape."""
    p = config.max_position_embeddings
    rot = int(config.hidden_size // config.num_attention_heads * config.rope_parameters["partial_rotary_factor"])
    theta = config.rope_parameters["rope_theta"]
    inv = 1.0 / theta ** (torch.arange(0, rot, 2, dtype=torch.float32) / rot)
    out = {}
    for l in range(config.num_hidden_layers):
        a = f"gpt_neox.layers.{l}.attention."
        out[a + "bias"] = torch.tril(torch.ones(p, p, dtype=torch.bool)).view(1, 1, p, p)
        out[a + "masked_bias"] = torch.tensor(-1e9)
        out[a + "rotary_emb.inv_freq"] = inv.clone()
    return out


def gpt2_mask_buffers(config):
    """openai-community/gpt2's model.safetensors holds each layer's causal-mask buffer
    `h.N.attn.bias` (float [1, 1, n_positions, n_positions], lower triangle of ones)."""
    p = config.n_positions
    return {f"h.{l}.attn.bias": torch.tril(torch.ones(p, p)).view(1, 1, p, p) for l in range(config.n_layer)}


def llama_inv_freq_buffers(config):
    """Older Llama checkpoints carry `self_attn.rotary_emb.inv_freq` per layer."""
    hd = config.head_dim
    inv = 1.0 / config.rope_parameters["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd)
    return {f"model.layers.{l}.self_attn.rotary_emb.inv_freq": inv.clone()
            for l in range(config.num_hidden_layers)}


CASES = {
    "gpt2": dict(
        model_type="gpt2",
        config=dict(n_layer=2, n_embd=64, n_head=4, n_inner=96, n_positions=64, vocab_size=263,
                    activation_function="gelu_new", layer_norm_epsilon=1e-5,
                    resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, tie_word_embeddings=True,
                    bos_token_id=0, eos_token_id=0),
        dtype="float32", style="as_saved",
        scales=dict(embed=0.5, pos=0.3, linear=0.15, bias=0.1, norm=0.25),
        features=["learned position embeddings", "LayerNorm with bias", "Conv1D weights [in, out]",
                  "fused c_attn (q|k|v columns)", "gelu_new MLP", "tied unembedding (no lm_head tensor)"],
        off={},
    ),
    "gpt2-hub-layout": dict(
        model_type="gpt2",
        config=dict(n_layer=2, n_embd=48, n_head=6, n_inner=None, n_positions=32, vocab_size=257,
                    activation_function="gelu_new", layer_norm_epsilon=1e-5,
                    resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, tie_word_embeddings=True,
                    bos_token_id=256, eos_token_id=256),
        dtype="float32", style="legacy", strip_prefix="transformer.", extra_tensors=gpt2_mask_buffers,
        legacy_extra={"n_ctx": 32}, legacy_drop=("n_inner",),
        scales=dict(embed=0.5, pos=0.3, linear=0.2, out=0.12, bias=0.1, norm=0.25),
        features=["tensor names WITHOUT the 'transformer.' prefix (h.0.attn.c_attn.weight, wte.weight), "
                  "as openai-community/gpt2 stores them",
                  "extra h.N.attn.bias causal-mask tensors (F32 [1,1,32,32]), to be ignored",
                  "no n_inner key: MLP width 4 * n_embd = 192", "d_model 48, 6 heads of 8 dims",
                  "n_ctx key, torch_dtype"],
        off={},
    ),
    "llama": dict(
        model_type="llama",
        config=dict(hidden_size=64, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, head_dim=24, vocab_size=300, max_position_embeddings=256,
                    rms_norm_eps=1e-5, hidden_act="silu", tie_word_embeddings=False,
                    rope_parameters=llama3_rope(500.0), bos_token_id=1, eos_token_id=2),
        dtype="float32", style="legacy", extra_tensors=llama_inv_freq_buffers,
        scales=dict(embed=0.5, linear=0.14, out=0.1, norm=0.25, lm_head=0.5),
        features=["grouped-query attention (4 query heads, 2 kv heads)",
                  "explicit head_dim 24 != hidden/heads 16", "untied lm_head",
                  "rope_theta 500 (non-default)",
                  "rope_scaling llama3 (factor 8, low 1, high 4, original_max_position_embeddings 32): "
                  "frequencies in all three bands (kept, smoothed, divided)",
                  "RMSNorm", "SiLU gated MLP",
                  "extra per-layer self_attn.rotary_emb.inv_freq tensors (as older Llama checkpoints "
                  "carry; unscaled), to be ignored"],
        off={"rope_scaling llama3 (plain rope, same theta)": lambda c: setattr(
                 c, "rope_parameters", {"rope_type": "default", "rope_theta": 500.0}),
             "rope_theta (10000 instead, same scaling)": lambda c: c.rope_parameters.update(
                 {"rope_theta": 10000.0})},
    ),
    "llama-bf16-tied-sharded": dict(
        model_type="llama",
        config=dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=8,
                    num_key_value_heads=2, vocab_size=257, max_position_embeddings=256,
                    rms_norm_eps=1e-6, hidden_act="silu", tie_word_embeddings=True,
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
                    bos_token_id=1, eos_token_id=2),
        dtype="bfloat16", style="as_saved", shards=3,
        scales=dict(embed=0.6, linear=0.14, out=0.1, norm=0.25),
        features=["bfloat16 weights (compute float32)", "tie_word_embeddings, no lm_head tensor",
                  "sharded: 4 files + model.safetensors.index.json",
                  "grouped-query attention (8 query heads, 2 kv heads, head_dim 8)",
                  "rope_parameters (transformers 5 spelling)"],
        off={},
    ),
    "qwen2": dict(
        model_type="qwen2",
        config=dict(hidden_size=64, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, vocab_size=311, max_position_embeddings=256,
                    rms_norm_eps=1e-6, hidden_act="silu", tie_word_embeddings=True,
                    rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
                    use_sliding_window=False, bos_token_id=1, eos_token_id=2),
        dtype="float32", style="legacy",
        legacy_extra={"sliding_window": 4, "use_sliding_window": False, "max_window_layers": 1},
        scales=dict(embed=0.6, linear=0.14, out=0.1, bias=0.3, norm=0.25),
        features=["q/k/v projection biases (o_proj without)", "grouped-query attention (4/2)",
                  "tied unembedding (no lm_head tensor)", "rope_theta 1e6",
                  "config has sliding_window 4 with use_sliding_window false (as Qwen2.5 checkpoints "
                  "ship it): the window must be IGNORED"],
        off={"qkv_bias": "zero_bias",
             "use_sliding_window=false (window 4 applied)": lambda c: (
                 setattr(c, "sliding_window", 4),
                 setattr(c, "layer_types", ["sliding_attention"] * c.num_hidden_layers))},
    ),
    "mistral": dict(
        model_type="mistral",
        config=dict(hidden_size=64, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=1, vocab_size=288, max_position_embeddings=256,
                    rms_norm_eps=1e-5, hidden_act="silu", tie_word_embeddings=False,
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
                    sliding_window=4, bos_token_id=1, eos_token_id=2),
        dtype="float16", style="legacy", legacy_drop=("head_dim",),
        scales=dict(embed=0.5, linear=0.14, out=0.1, norm=0.25, lm_head=0.5),
        features=["float16 weights (compute float32)",
                  "sliding_window 4 < seq 16 on every layer (query i sees keys i-3..i)",
                  "multi-query attention (4 query heads, 1 kv head)", "untied lm_head",
                  "no head_dim key (as Mistral-7B v0.1): head_dim = hidden/heads = 16"],
        off={"sliding_window": lambda c: setattr(c, "sliding_window", None)},
    ),
    "gpt_neox": dict(
        model_type="gpt_neox",
        config=dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                    vocab_size=280, max_position_embeddings=64, layer_norm_eps=1e-5, hidden_act="gelu",
                    use_parallel_residual=True, tie_word_embeddings=False, attention_bias=True,
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                     "partial_rotary_factor": 0.25},
                    hidden_dropout=0.0, attention_dropout=0.0, bos_token_id=0, eos_token_id=0),
        dtype="float32", style="legacy", extra_tensors=pythia_buffers,
        scales=dict(embed=0.5, linear=0.15, bias=0.1, norm=0.25, lm_head=0.4),
        features=["extra non-weight tensors as in Pythia checkpoints, to be ignored: per layer "
                  "attention.bias (bool [1,1,64,64]), attention.masked_bias (0-d float32), "
                  "attention.rotary_emb.inv_freq",
                  "Pythia config keys: rotary_pct 0.25 and integer rotary_emb_base, no rope_parameters, "
                  "no attention_bias key (default true: all four projections have biases)",
                  "partial rotary: first 4 of 16 dims per head, rotate-half pairing within those",
                  "parallel residual: x + attn(ln1(x)) + mlp(ln2(x))",
                  "fused per-head query_key_value ([head][q|k|v][head_dim] row order)",
                  "LayerNorm with bias, exact-erf gelu MLP", "untied embed_out"],
        off={"partial rotary (full rotary instead)": lambda c: c.rope_parameters.update({"partial_rotary_factor": 1.0}),
             "parallel residual (sequential instead)": lambda c: setattr(c, "use_parallel_residual", False)},
    ),
    "gpt_neox-sequential": dict(
        model_type="gpt_neox",
        config=dict(hidden_size=64, intermediate_size=96, num_hidden_layers=3, num_attention_heads=4,
                    vocab_size=270, max_position_embeddings=256, layer_norm_eps=1e-5, hidden_act="relu",
                    use_parallel_residual=False, tie_word_embeddings=False, attention_bias=True,
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                     "partial_rotary_factor": 0.5},
                    hidden_dropout=0.0, attention_dropout=0.0, bos_token_id=0, eos_token_id=0),
        dtype="float32", style="as_saved",
        scales=dict(embed=0.5, linear=0.15, bias=0.1, norm=0.25, lm_head=0.4),
        features=["use_parallel_residual false (sequential residual)",
                  "rope_parameters with partial_rotary_factor 0.5 (transformers 5 spelling)",
                  "relu MLP", "3 layers"],
        off={"sequential residual (parallel instead)": lambda c: setattr(c, "use_parallel_residual", True)},
    ),
    "gemma2": dict(
        model_type="gemma2",
        config=dict(hidden_size=64, intermediate_size=80, num_hidden_layers=3, num_attention_heads=4,
                    num_key_value_heads=2, head_dim=24, vocab_size=320, max_position_embeddings=256,
                    rms_norm_eps=1e-6, hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True,
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
                    query_pre_attn_scalar=40, sliding_window=5,
                    attn_logit_softcapping=4.0, final_logit_softcapping=20.0,
                    pad_token_id=0, bos_token_id=2, eos_token_id=1),
        dtype="float32", style="as_saved",
        scales=dict(embed=0.35, linear=0.25, norm=0.25, norm_offset=0.0),
        features=["RMSNorm scaled by (1 + w)", "embedding scaled by sqrt(hidden_size) = 8",
                  "attn_logit_softcapping 4.0 (scores beyond it)", "final_logit_softcapping 20.0",
                  "layer_types present: sliding (window 5) on layers 0 and 2, full on layer 1",
                  "query_pre_attn_scalar 40 (scale 40^-0.5) != head_dim 24",
                  "head_dim 24 != hidden/heads 16", "GQA 4/2",
                  "pre- and post-norms around attention and MLP", "gelu_pytorch_tanh gated MLP",
                  "tied unembedding"],
        off={"attn_logit_softcapping": lambda c: setattr(c, "attn_logit_softcapping", None),
             "final_logit_softcapping": lambda c: setattr(c, "final_logit_softcapping", None),
             "sliding window": lambda c: setattr(c, "layer_types", ["full_attention"] * c.num_hidden_layers),
             "query_pre_attn_scalar (head_dim instead)": lambda c: setattr(c, "query_pre_attn_scalar", c.head_dim)},
    ),
    "gemma2-legacy": dict(
        model_type="gemma2",
        config=dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=1, head_dim=32, vocab_size=300, max_position_embeddings=256,
                    rms_norm_eps=1e-6, hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True,
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
                    query_pre_attn_scalar=32, sliding_window=4,
                    attn_logit_softcapping=6.0, final_logit_softcapping=15.0,
                    pad_token_id=0, bos_token_id=2, eos_token_id=1),
        dtype="bfloat16", style="legacy",
        scales=dict(embed=0.35, linear=0.25, norm=0.25, norm_offset=0.0),
        features=["config.json WITHOUT layer_types (as Gemma 2 checkpoints ship): layer i slides iff i is even",
                  "rope_theta at top level, hidden_act and hidden_activation both present",
                  "bfloat16 weights (compute float32)", "sliding window 4 on layer 0, full on layer 1",
                  "attn_logit_softcapping 6.0", "final_logit_softcapping 15.0",
                  "query_pre_attn_scalar 32 == head_dim 32 != hidden/heads 16", "multi-query (4/1)"],
        off={"sliding window": lambda c: setattr(c, "layer_types", ["full_attention"] * c.num_hidden_layers),
             "attn_logit_softcapping": lambda c: setattr(c, "attn_logit_softcapping", None),
             "final_logit_softcapping": lambda c: setattr(c, "final_logit_softcapping", None)},
    ),
    "phi3": dict(
        model_type="phi3",
        config=dict(hidden_size=64, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, vocab_size=290, max_position_embeddings=256,
                    original_max_position_embeddings=256, rms_norm_eps=1e-5, hidden_act="silu",
                    tie_word_embeddings=False, sliding_window=None,
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                     "partial_rotary_factor": 0.75},
                    resid_pdrop=0.0, embd_pdrop=0.0, attention_dropout=0.0,
                    bos_token_id=1, eos_token_id=2, pad_token_id=0),
        dtype="float32", style="legacy",
        scales=dict(embed=0.5, linear=0.14, out=0.1, norm=0.25, lm_head=0.5),
        features=["fused qkv_proj ([q rows | k rows | v rows])",
                  "fused gate_up_proj ([gate rows | up rows])",
                  "partial_rotary_factor 0.75 (12 of 16 dims per head; as Phi-4-mini)",
                  "GQA 4/2", "untied lm_head", "rope_theta at top level"],
        off={"partial rotary (full rotary instead)": lambda c: c.rope_parameters.update({"partial_rotary_factor": 1.0})},
    ),
    "olmo2": dict(
        model_type="olmo2",
        config=dict(hidden_size=64, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, vocab_size=300, max_position_embeddings=256,
                    rms_norm_eps=1e-6, hidden_act="silu", tie_word_embeddings=False,
                    rope_parameters={"rope_type": "default", "rope_theta": 500000.0},
                    pad_token_id=1, bos_token_id=None, eos_token_id=0),
        dtype="float32", style="as_saved",
        scales=dict(embed=0.5, linear=0.2, norm=0.25, lm_head=0.5),
        features=["q_norm / k_norm: RMSNorm over the whole projection (4*16 and 2*16 wide, not per head), "
                  "before rotary", "no pre-norms: post_attention_layernorm and post_feedforward_layernorm "
                  "applied to the sublayer output before the residual add",
                  "GQA 4/2", "untied lm_head", "rope_theta 5e5"],
        off={"q/k norm gains (set to 1)": "unit_qk_norm"},
    ),
}


# --------------------------------------------------------------------------- helpers

def case_generator(name):
    h = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    return torch.Generator().manual_seed(SEED + h)


def decoder_layers(model):
    base = model.base_model
    for attr in ("layers", "h"):
        if hasattr(base, attr):
            return getattr(base, attr)
    raise RuntimeError(f"no decoder layer list in {type(base).__name__}")


# Projections that write into the residual stream. Their scale ("out") sets how fast the
# residual stream grows; keeping it moderate keeps float32 rounding (which grows with the
# magnitudes) well inside a 5e-5 parity budget.
OUTPUT_PROJECTIONS = {"o_proj", "down_proj", "c_proj", "dense", "dense_4h_to_h"}


def randomize(model, spec, gen):
    """Overwrite every parameter with seeded random values (in name order)."""
    s = spec["scales"]
    gemma = spec["model_type"] == "gemma2"
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            if p.dim() == 1 and ("norm" in name or "ln" in name.split(".")[-2]):
                if name.endswith(".bias"):
                    v = s.get("bias", 0.1) * torch.randn(p.shape, generator=gen)
                else:
                    # Gemma's RMSNorm multiplies by (1 + w): centre w on 0 so the effective
                    # gain is still about 1, but spread it so w vs 1+w is visible.
                    centre = s.get("norm_offset", 0.0) if gemma else 1.0
                    v = centre + s["norm"] * torch.randn(p.shape, generator=gen)
            elif name.endswith(".bias"):
                v = s.get("bias", 0.1) * torch.randn(p.shape, generator=gen)
            elif "wpe" in name:
                v = s["pos"] * torch.randn(p.shape, generator=gen)
            elif "embed_tokens" in name or "wte" in name or "embed_in" in name:
                v = s["embed"] * torch.randn(p.shape, generator=gen)
            elif name.startswith("lm_head") or "embed_out" in name:
                v = s["lm_head"] * torch.randn(p.shape, generator=gen)
            elif name.rsplit(".", 2)[-2] in OUTPUT_PROJECTIONS:
                v = s.get("out", s["linear"]) * torch.randn(p.shape, generator=gen)
            else:
                v = s["linear"] * torch.randn(p.shape, generator=gen)
            p.copy_(v)


def build(model_type, config):
    cfg = copy.deepcopy(config)
    cfg._attn_implementation = "eager"
    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(cfg, attn_implementation="eager", dtype=torch.float32).eval()


def run(model, tokens):
    """Logits and per-layer residual stream (decoder layer outputs) in float32."""
    captured = {}
    hooks = []
    for l, layer in enumerate(decoder_layers(model)):
        def hook(mod, inp, out, l=l):
            t = out[0] if isinstance(out, (tuple, list)) else out
            captured[l] = t.detach().clone()
        hooks.append(layer.register_forward_hook(hook))
    try:
        with torch.no_grad():
            out = model(input_ids=tokens, use_cache=False, output_attentions=True, output_hidden_states=True)
    finally:
        for h in hooks:
            h.remove()
    # The hooks must see what transformers reports as hidden_states (output of layer l
    # is hidden_states[l + 1]), except after the last layer, where hidden_states holds
    # the final-normed stream and the hook the un-normed one.
    hs = out.hidden_states
    n = len(captured)
    assert len(hs) == n + 1, (len(hs), n)
    for l in range(n - 1):
        assert torch.equal(hs[l + 1], captured[l]), f"layer {l}: hook output != hidden_states"
    assert not torch.allclose(hs[n], captured[n - 1]), "last hidden_states not normed?"
    res = {"logits": out.logits.float().contiguous()}
    for l in sorted(captured):
        res[f"blocks.{l}.hook_resid_post"] = captured[l].float().contiguous()
    return res, out.attentions


def attention_peakedness(attentions):
    """Mean over layers, heads, rows and positions >= 4 of the largest attention weight
    (uniform attention over i+1 keys would give 1/(i+1))."""
    vals = []
    for a in attentions:
        if a is None:
            continue
        vals.append(a[:, :, 4:, :].max(dim=-1).values.mean().item())
    return round(sum(vals) / len(vals), 4) if vals else None


def max_abs(a, b):
    return float((a - b).abs().max())


def legacy_config(path, spec):
    """Rewrite config.json into the spelling of published checkpoints."""
    with open(path) as f:
        c = json.load(f)
    rp = c.pop("rope_parameters", None)
    mt = spec["model_type"]
    if rp is not None:
        rp = dict(rp)
        theta = rp.pop("rope_theta")
        prf = rp.pop("partial_rotary_factor", None)
        if mt == "gpt_neox":
            c["rotary_emb_base"] = theta
            c["rotary_pct"] = prf
        else:
            c["rope_theta"] = theta
            if prf is not None:
                c["partial_rotary_factor"] = prf
        if rp.get("rope_type", "default") != "default":
            c["rope_scaling"] = rp
        else:
            c["rope_scaling"] = None
    # Published checkpoints were written by transformers 4, which called the dtype
    # `torch_dtype` and wrote no `layer_types` (Gemma 2, Qwen2 derive it).
    if "dtype" in c:
        c["torch_dtype"] = c.pop("dtype")
    c.pop("layer_types", None)
    if mt == "gemma2":
        c["hidden_act"] = c.get("hidden_activation")
    if mt == "gpt_neox":
        # Only the keys Pythia's config.json has: attention_bias (default true) and
        # the dropout keys are absent there, and its rotary base is an integer.
        for k in ("attention_bias", "attention_dropout", "hidden_dropout", "classifier_dropout",
                  "is_decoder", "pad_token_id", "rope_scaling"):
            c.pop(k, None)
        if float(c["rotary_emb_base"]).is_integer():
            c["rotary_emb_base"] = int(c["rotary_emb_base"])
    for k in spec.get("legacy_drop", ()):
        c.pop(k, None)
    c.update(spec.get("legacy_extra", {}))
    with open(path, "w") as f:
        json.dump(dict(sorted(c.items())), f, indent=2)
        f.write("\n")


def stored_tensors(d):
    out = {}
    for f in sorted(os.listdir(d)):
        if f.endswith(".safetensors") and f != "expected.safetensors":
            for k, v in load_file(os.path.join(d, f)).items():
                assert k not in out, f"{k} in two shards"
                out[k] = v
    return out


def sensitivity(spec, config, state, tokens, reference):
    """Max abs logit change when each feature is switched off, same weights."""
    result = {}
    for label, how in spec["off"].items():
        cfg = copy.deepcopy(config)
        sd = {k: v.clone() for k, v in state.items()}
        if how == "zero_bias":
            sd = {k: (torch.zeros_like(v) if k.endswith(".bias") else v) for k, v in sd.items()}
        elif how == "unit_qk_norm":
            sd = {k: (torch.ones_like(v) if ("q_norm" in k or "k_norm" in k) else v) for k, v in sd.items()}
        else:
            how(cfg)
        m = build(spec["model_type"], cfg)
        missing, unexpected = m.load_state_dict(sd, strict=False)
        assert not unexpected, unexpected
        res, _ = run(m, tokens)
        result[label] = round(max_abs(res["logits"], reference["logits"]), 4)
    return result


# --------------------------------------------------------------------------- independent check
# A second, deliberately plain implementation of every architecture, run in float64
# and in float32, that reads nothing but the case directory (config.json in either
# spelling + the weight files). It checks that the files alone determine the
# expectation and that the semantics in the README are the ones transformers
# implements; the float64 run shows how far transformers' float32 result is from an
# exact one, the float32 run how far another float32 implementation lands from it
# (the noise a parity tolerance must allow for).

def _rope_settings(c):
    rp = c.get("rope_parameters") or {}
    theta = rp.get("rope_theta", c.get("rope_theta", c.get("rotary_emb_base", 10000.0)))
    factor = rp.get("partial_rotary_factor", c.get("partial_rotary_factor", c.get("rotary_pct", 1.0)))
    scaling = dict(rp) if rp.get("rope_type", "default") != "default" else c.get("rope_scaling")
    return float(theta), float(factor), scaling


def _inv_freq(theta, rot, scaling):
    inv = 1.0 / theta ** (torch.arange(0, rot, 2, dtype=torch.float64) / rot)
    if scaling and scaling.get("rope_type", scaling.get("type")) == "llama3":
        f, lo, hi = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        t = (old / wavelen - lo) / (hi - lo)            # 0 at the low-frequency edge, 1 at the high
        scaled = torch.where(wavelen > old / lo, inv / f, inv)
        mid = (wavelen <= old / lo) & (wavelen >= old / hi)
        inv = torch.where(mid, (1 - t) * inv / f + t * inv, scaled)
    elif scaling:
        raise ValueError(f"independent check: rope scaling {scaling} not implemented")
    return inv


def _rotate(x, inv, seq, mistake=None):
    """Rotary on the first 2*len(inv) dims of x [B, H, T, hd], rotate-half pairing."""
    rot = 2 * inv.numel()
    ang = torch.arange(seq, dtype=torch.float64)[:, None] * inv[None, :]
    cos = torch.cat([ang.cos()] * 2, -1).to(x.dtype)
    sin = torch.cat([ang.sin()] * 2, -1).to(x.dtype)
    xr, xp = x[..., :rot], x[..., rot:]
    half = rot // 2
    rh = torch.cat([-xr[..., half:], xr[..., :half]], -1)
    if mistake == "rotary pairs adjacent dims (GPT-J style) instead of rotate-half":
        ang_i = torch.arange(seq, dtype=torch.float64)[:, None] * inv.repeat_interleave(2)[None, :]
        cos, sin = ang_i.cos().to(x.dtype), ang_i.sin().to(x.dtype)
        rh = torch.stack([-xr[..., 1::2], xr[..., 0::2]], -1).flatten(-2)
    return torch.cat([xr * cos + rh * sin, xp], -1)


def _attend(q, k, v, scale, window=None, softcap=None, mistake=None):
    """q [B,H,T,d], k/v [B,KV,T,d]; query head h reads kv head h // (H / KV)."""
    H, KV, T = q.shape[1], k.shape[1], q.shape[2]
    if mistake == "query head h reads kv head h % n_kv instead of h // group" and KV not in (1, H):
        k, v = k.repeat(1, H // KV, 1, 1), v.repeat(1, H // KV, 1, 1)
    else:
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
    s = q @ k.transpose(-1, -2) * scale
    if softcap:
        s = softcap * torch.tanh(s / softcap)
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    allowed = j <= i
    if window:
        allowed &= j > i - window - (1 if mistake == "sliding window one key too wide" else 0)
    s = s.masked_fill(~allowed, float("-inf"))
    return torch.softmax(s, -1) @ v


def _act(name):
    return {"silu": torch.nn.functional.silu, "relu": torch.relu,
            "gelu": lambda x: torch.nn.functional.gelu(x),
            "gelu_new": lambda x: torch.nn.functional.gelu(x, approximate="tanh"),
            "gelu_pytorch_tanh": lambda x: torch.nn.functional.gelu(x, approximate="tanh")}[name]


def _rms(x, w, eps, one_plus=False):
    y = x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps)
    return y * (1 + w) if one_plus else y * w


def _ln(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def independent_forward(d, tokens, dtype=torch.float64, mistake=None):
    with open(os.path.join(d, "config.json")) as f:
        c = json.load(f)
    W = {k: v.to(dtype) for k, v in stored_tensors(d).items()}
    mt = c["model_type"]
    B, T = tokens.shape
    resid = {}

    def lin(x, name, bias=True):
        y = x @ W[name + ".weight"].T
        return y + W[name + ".bias"] if bias and name + ".bias" in W else y

    def heads(x, n):                      # [B,T,n*hd] -> [B,n,T,hd]
        return x.view(B, T, n, -1).transpose(1, 2)

    def merge(x):
        return x.transpose(1, 2).reshape(B, T, -1)

    if mt == "gpt2":
        d_model, H, eps = c["n_embd"], c["n_head"], c["layer_norm_epsilon"]
        pre = "transformer." if "transformer.wte.weight" in W else ""    # the hub's gpt2 has none
        x = W[pre + "wte.weight"][tokens] + W[pre + "wpe.weight"][:T][None]
        for l in range(c["n_layer"]):
            p = f"{pre}h.{l}."
            h = _ln(x, W[p + "ln_1.weight"], W[p + "ln_1.bias"], eps)
            qkv = h @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]     # Conv1D: [in, out]
            q, k, v = (heads(t, H) for t in qkv.split(d_model, -1))
            a = merge(_attend(q, k, v, (d_model // H) ** -0.5))
            x = x + a @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
            h = _ln(x, W[p + "ln_2.weight"], W[p + "ln_2.bias"], eps)
            m = _act(c["activation_function"])(h @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
            x = x + m @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
            resid[l] = x
        x = _ln(x, W[pre + "ln_f.weight"], W[pre + "ln_f.bias"], eps)
        logits = x @ W.get("lm_head.weight", W[pre + "wte.weight"]).T

    elif mt == "gpt_neox":
        d_model, H, eps = c["hidden_size"], c["num_attention_heads"], c["layer_norm_eps"]
        hd = d_model // H
        theta, frac, scaling = _rope_settings(c)
        inv = _inv_freq(theta, int(hd * frac), scaling)
        act = _act(c["hidden_act"])
        x = W["gpt_neox.embed_in.weight"][tokens]
        for l in range(c["num_hidden_layers"]):
            p = f"gpt_neox.layers.{l}."
            h = _ln(x, W[p + "input_layernorm.weight"], W[p + "input_layernorm.bias"], eps)
            qkv = lin(h, p + "attention.query_key_value").view(B, T, H, 3 * hd).transpose(1, 2)
            q, k, v = qkv.split(hd, -1)                                 # per head: q | k | v
            if mistake == "query_key_value read as [all q | all k | all v] blocks":
                q, k, v = (heads(t, H) for t in lin(h, p + "attention.query_key_value").split(d_model, -1))
            a = merge(_attend(_rotate(q, inv, T, mistake), _rotate(k, inv, T, mistake), v, hd ** -0.5,
                              mistake=mistake))
            a = lin(a, p + "attention.dense")

            def mlp(y):
                y = _ln(y, W[p + "post_attention_layernorm.weight"], W[p + "post_attention_layernorm.bias"], eps)
                return lin(act(lin(y, p + "mlp.dense_h_to_4h")), p + "mlp.dense_4h_to_h")
            if c.get("use_parallel_residual", True):
                x = x + a + mlp(x)
            else:
                x = x + a
                x = x + mlp(x)
            resid[l] = x
        x = _ln(x, W["gpt_neox.final_layer_norm.weight"], W["gpt_neox.final_layer_norm.bias"], eps)
        logits = x @ W["embed_out.weight"].T

    else:   # llama-family: llama, qwen2, mistral, phi3, olmo2, gemma2
        d_model, H = c["hidden_size"], c["num_attention_heads"]
        KV = c.get("num_key_value_heads") or H
        hd = c.get("head_dim") or d_model // H
        eps = c["rms_norm_eps"]
        theta, frac, scaling = _rope_settings(c)
        inv = _inv_freq(theta, int(hd * frac), scaling)
        gemma = mt == "gemma2"
        act = _act(c.get("hidden_activation") or c["hidden_act"] if gemma else c["hidden_act"])
        n_layers = c["num_hidden_layers"]
        if gemma:
            types = c.get("layer_types") or ["sliding_attention" if i % 2 == 0 else "full_attention"
                                             for i in range(n_layers)]
            windows = [c["sliding_window"] if t == "sliding_attention" else None for t in types]
            scale = c["query_pre_attn_scalar"] ** -0.5
        else:
            if mt == "qwen2":
                sw = c.get("sliding_window") if c.get("use_sliding_window") else None
                windows = [sw if sw is not None and i >= c.get("max_window_layers", 0) else None
                           for i in range(n_layers)]
            else:           # llama has no window; mistral and phi3 slide on every layer when set
                windows = [c.get("sliding_window")] * n_layers
            scale = hd ** -0.5
        one_plus = gemma and mistake != "Gemma RMSNorm gain w instead of 1 + w"
        norm = (lambda x, name: _rms(x, W[name + ".weight"], eps, one_plus=one_plus))
        x = W["model.embed_tokens.weight"][tokens]
        if gemma and mistake != "no sqrt(hidden_size) embedding scale":
            x = x * d_model ** 0.5
        for l in range(n_layers):
            p = f"model.layers.{l}."
            h = x if mt == "olmo2" else norm(x, p + "input_layernorm")
            if mt == "phi3":
                q, k, v = lin(h, p + "self_attn.qkv_proj").split([H * hd, KV * hd, KV * hd], -1)
            else:
                q, k, v = (lin(h, p + f"self_attn.{n}_proj") for n in "qkv")
            if mt == "olmo2":          # RMSNorm over the whole projection, before rotary
                if mistake == "q/k RMSNorm per head instead of over the whole projection":
                    q = merge(_rms(heads(q, H), W[p + "self_attn.q_norm.weight"].view(H, 1, hd), eps))
                    k = merge(_rms(heads(k, KV), W[p + "self_attn.k_norm.weight"].view(KV, 1, hd), eps))
                else:
                    q, k = norm(q, p + "self_attn.q_norm"), norm(k, p + "self_attn.k_norm")
            q, k, v = heads(q, H), heads(k, KV), heads(v, KV)
            a = _attend(_rotate(q, inv, T, mistake), _rotate(k, inv, T, mistake), v, scale, windows[l],
                        c.get("attn_logit_softcapping") if gemma else None, mistake=mistake)
            a = lin(merge(a), p + "self_attn.o_proj")
            if gemma or mt == "olmo2":
                a = norm(a, p + "post_attention_layernorm")
            x = x + a
            if gemma:
                h = norm(x, p + "pre_feedforward_layernorm")
            elif mt == "olmo2":
                h = x
            else:
                h = norm(x, p + "post_attention_layernorm")
            if mt == "phi3":
                g, u = lin(h, p + "mlp.gate_up_proj").chunk(2, -1)
                if mistake == "gate_up_proj read as [up | gate]":
                    g, u = u, g
            else:
                g, u = lin(h, p + "mlp.gate_proj"), lin(h, p + "mlp.up_proj")
            m = lin(act(g) * u, p + "mlp.down_proj")
            if gemma or mt == "olmo2":
                m = norm(m, p + ("post_feedforward_layernorm"))
            x = x + m
            resid[l] = x
        x = norm(x, "model.norm")
        logits = x @ W.get("lm_head.weight", W["model.embed_tokens.weight"]).T
        if gemma and c.get("final_logit_softcapping"):
            cap = c["final_logit_softcapping"]
            logits = cap * torch.tanh(logits / cap)

    out = {"logits": logits}
    for l, r in resid.items():
        out[f"blocks.{l}.hook_resid_post"] = r
    return out


# Implementation slips the independent implementation can make on purpose: meta.json
# records how far each moves the logits, to show the case catches it.
_ROPE_GQA = ("rotary pairs adjacent dims (GPT-J style) instead of rotate-half",
             "query head h reads kv head h % n_kv instead of h // group")
COMMON_MISTAKES = {
    "llama": _ROPE_GQA,
    "qwen2": _ROPE_GQA,
    "mistral": _ROPE_GQA[:1] + ("sliding window one key too wide",),
    "gpt_neox": ("query_key_value read as [all q | all k | all v] blocks", _ROPE_GQA[0]),
    "gemma2": _ROPE_GQA + ("Gemma RMSNorm gain w instead of 1 + w", "no sqrt(hidden_size) embedding scale",
                           "sliding window one key too wide"),
    "phi3": _ROPE_GQA + ("gate_up_proj read as [up | gate]",),
    "olmo2": _ROPE_GQA + ("q/k RMSNorm per head instead of over the whole projection",),
}


# --------------------------------------------------------------------------- main

def make_case(name, spec):
    d = os.path.join(OUT, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    gen = case_generator(name)

    config = AutoConfig.for_model(spec["model_type"], **spec["config"])
    model = build(spec["model_type"], config)
    randomize(model, spec, gen)
    dtype = DTYPES[spec["dtype"]]
    model = model.to(dtype)

    save_kwargs = {}
    if spec.get("shards"):
        total = sum(p.numel() * p.element_size() for p in model.parameters())
        save_kwargs["max_shard_size"] = total // spec["shards"] + 1
    model.save_pretrained(d, **save_kwargs)
    for f in os.listdir(d):
        if f == "generation_config.json":
            os.remove(os.path.join(d, f))
    if spec["style"] == "legacy":
        legacy_config(os.path.join(d, "config.json"), spec)
    extra = spec["extra_tensors"](config) if "extra_tensors" in spec else {}
    strip = spec.get("strip_prefix")
    if extra or strip:
        path = os.path.join(d, "model.safetensors")
        tensors = load_file(path)
        if strip:
            tensors = {(k[len(strip):] if k.startswith(strip) else k): v for k, v in tensors.items()}
        tensors.update(extra)
        save_file(tensors, path, metadata={"format": "pt"})

    stored = {k: v for k, v in stored_tensors(d).items() if k not in extra}
    files = sorted(f for f in os.listdir(d) if f.endswith(".safetensors"))
    if spec.get("shards"):
        assert os.path.exists(os.path.join(d, "model.safetensors.index.json")) and len(files) >= 2, files
    else:
        assert files == ["model.safetensors"], files
    stored_dtypes = sorted({str(v.dtype).replace("torch.", "") for v in stored.values()})
    assert stored_dtypes == [spec["dtype"]], stored_dtypes
    if config.tie_word_embeddings:
        assert not any(k.startswith("lm_head") or "embed_out" in k for k in stored), sorted(stored)

    tokens_gen = torch.Generator().manual_seed(SEED + 7)
    tokens = torch.randint(0, config.vocab_size, (BATCH, SEQ), generator=tokens_gen)
    tokens[0, 0] = 0
    tokens[1, -1] = config.vocab_size - 1
    with open(os.path.join(d, "tokens.json"), "w") as f:
        f.write("[\n" + ",\n".join("  " + json.dumps(r) for r in tokens.tolist()) + "\n]\n")

    # Reference: a fresh float32 model holding the saved (in-memory, possibly bf16/f16)
    # parameters upcast; its rotary tables are computed in float32. In-memory names can
    # differ from the file's (transformers 5 calls GPT-NeoX's embed_out lm_head); the
    # reload below checks that the files hold the same values.
    ref_model = build(spec["model_type"], config)
    missing, unexpected = ref_model.load_state_dict({k: v.float() for k, v in model.state_dict().items()},
                                                    strict=True)
    expected, attentions = run(ref_model, tokens)
    save_file(expected, os.path.join(d, "expected.safetensors"))

    # Verification: reload the directory as transformers would and recompute.
    reloaded = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager").eval()
    again, _ = run(reloaded, tokens)
    diffs = {k: max_abs(again[k], expected[k]) for k in expected}
    worst = max(diffs.values())
    assert worst <= RELOAD_TOLERANCE, (name, diffs)

    indep = independent_forward(d, tokens)
    assert sorted(indep) == sorted(expected), (sorted(indep), sorted(expected))
    indep_diffs = {k: max_abs(indep[k], expected[k].double()) for k in expected}
    assert max(indep_diffs.values()) <= INDEPENDENT_TOLERANCE, (name, indep_diffs)
    # The same plain implementation in float32: how far a second float32 implementation
    # with a different operation order lands from transformers (what a parity test sees).
    indep32 = independent_forward(d, tokens, torch.float32)
    indep32_diffs = {k: max_abs(indep32[k], expected[k]) for k in expected}
    assert max(indep32_diffs.values()) <= INDEPENDENT_TOLERANCE, (name, indep32_diffs)

    state = {k: v.float() for k, v in ref_model.state_dict().items()}
    sens = sensitivity(spec, config, state, tokens, expected)
    mistakes = {}
    kv = getattr(config, "num_key_value_heads", None)
    for m in COMMON_MISTAKES.get(spec["model_type"], ()):
        if m == _ROPE_GQA[1] and kv in (1, config.num_attention_heads):
            continue                    # no grouping to get wrong with one kv head
        wrong = independent_forward(d, tokens, mistake=m)["logits"]
        mistakes[m] = round(max_abs(wrong, expected["logits"].double()), 4)
        assert mistakes[m] > 1e-2, (name, m, mistakes[m])

    logits = expected["logits"]
    resid_max = max(float(v.abs().max()) for k, v in expected.items() if k != "logits")
    meta = {
        "case": name,
        "model_type": spec["model_type"],
        "features": spec["features"],
        "weight_dtype": spec["dtype"],
        "config_style": {"as_saved": "as save_pretrained writes it (transformers 5 keys)",
                         "legacy": "rewritten to the key spelling of published checkpoints"}[spec["style"]],
        "weight_files": files,
        "extra_tensors_to_ignore": {k: [str(v.dtype).replace("torch.", ""), list(v.shape)]
                                    for k, v in sorted(extra.items())},
        "tokens_shape": [BATCH, SEQ],
        "vocab_size": config.vocab_size,
        "d_model": expected["blocks.0.hook_resid_post"].shape[-1],
        "n_layers": len(decoder_layers(ref_model)),
        "logits_max_abs": round(float(logits.abs().max()), 4),
        "logits_std": round(float(logits.std()), 4),
        "resid_post_max_abs": round(resid_max, 4),
        "attention_mean_max_weight": attention_peakedness(attentions),
        "reload_max_abs_diff": {k: diffs[k] for k in sorted(diffs)},
        "independent_float64_max_abs_diff": {k: float("%.3g" % indep_diffs[k]) for k in sorted(indep_diffs)},
        "independent_float32_max_abs_diff": {k: float("%.3g" % indep32_diffs[k]) for k in sorted(indep32_diffs)},
        "logit_change_with_feature_off": sens,
        "logit_change_with_common_mistake": mistakes,
        "seed": SEED,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "safetensors": safetensors.__version__, "python": platform.python_version()},
        "made_by": "scripts/make_hf_arch_fixtures.py",
    }
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    print(f"{name:26s} |logits|max {meta['logits_max_abs']:7.3f} std {meta['logits_std']:6.3f} "
          f"|resid|max {resid_max:7.2f} attn-peak {meta['attention_mean_max_weight']} "
          f"reload {worst:.1e} f64 {max(indep_diffs.values()):.1e} f32 {max(indep32_diffs.values()):.1e} size {size // 1024} KiB off {sens}", flush=True)


def main(argv):
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    names = argv or list(CASES)
    for n in names:
        if n not in CASES:
            sys.exit(f"unknown case {n!r}; cases: {', '.join(CASES)}")
    os.makedirs(OUT, exist_ok=True)
    for n in names:
        make_case(n, CASES[n])


if __name__ == "__main__":
    main(sys.argv[1:])
