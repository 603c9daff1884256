#!/usr/bin/env python3
"""Regenerates the two tracr models of the ACDC paper (provenance of
tasks/tracr-reverse/model/ and tasks/tracr-proportion/model/): compiles the
RASP programs with DeepMind's tracr compiler and converts the compiled
parameters into our model format (TransformerLens names, shapes and config
fields), the way the reference ACDC code ports them to a blank
`HookedTransformer` (no weight processing, no LayerNorm, relu MLPs,
bidirectional attention, unembedding = first d_vocab_out residual dims, b_U 0).

Programs (ACDC.md 7.5/7.6, TASK_DATA.md 6):
    reverse:    length = SelectorWidth(Select(tokens, tokens, TRUE))
                opp_index = length - indices - 1
                Aggregate(Select(indices, opp_index, EQ), tokens)
                vocab {1, 2, 3}, max_seq_len 5, compiler_bos "BOS"
    proportion: make_frac_prevs(tokens == "x"), vocab {w, x, y, z}, max_seq_len 5

Writes tasks/tracr-<task>/model/{config.json,model.safetensors}, then compares
every tensor with Tests/Fixtures/tracr-<task>/model/model.safetensors (exact
equality expected) and the input encoding with tasks/tracr-<task>/vocab.json
when present. Exit status 1 on any mismatch.

Offline tooling only: neither the `acdc` binary nor the Swift tests run Python.

Setup (tracr is on PyPI as `tracr-pypi`; it pulls jax, jaxlib, dm-haiku, chex):
    python3 -m venv .venv
    .venv/bin/pip install tracr-pypi==1.0.0 numpy safetensors
Run from the repository root:
    .venv/bin/python scripts/make_tracr_models.py
Checked with tracr-pypi 1.0.0, jax/jaxlib 0.10.2, dm-haiku 0.0.17.
"""
import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file, save_file
from tracr.compiler import compiling
from tracr.compiler.lib import make_frac_prevs
from tracr.rasp import rasp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOS = "BOS"
MAX_SEQ_LEN = 5


def compile_task(task: str):
    if task == "reverse":
        length = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE))
        opp_index = length - rasp.indices - 1
        flip = rasp.Select(rasp.indices, opp_index, rasp.Comparison.EQ)
        program = rasp.Aggregate(flip, rasp.tokens)
        vocab = {1, 2, 3}
    elif task == "proportion":
        program = make_frac_prevs(rasp.tokens == "x")
        vocab = {"w", "x", "y", "z"}
    else:
        raise ValueError(task)
    return compiling.compile_rasp_to_model(program, vocab=vocab, max_seq_len=MAX_SEQ_LEN, compiler_bos=BOS)


def to_tl(model):
    """Compiled tracr (haiku) parameters -> (TL config dict, TL state dict)."""
    mc = model.model_config
    p = {k: {kk: np.asarray(vv, dtype=np.float32) for kk, vv in v.items()} for k, v in model.params.items()}
    H, L, dh = mc.num_heads, mc.num_layers, mc.key_size
    W_E = p["token_embed"]["embeddings"]
    W_pos = p["pos_embed"]["embeddings"]
    d_vocab, d_model = W_E.shape
    n_ctx = W_pos.shape[0]  # max_seq_len + 1 (BOS)
    d_vocab_out = d_vocab - 2  # the reference's choice: vocabulary without BOS and pad
    assert not mc.layer_norm, "tracr models here have no LayerNorm"

    def heads_in(w):  # [d_model, H*dh] -> [H, d_model, dh]
        return np.ascontiguousarray(w.reshape(d_model, H, dh).transpose(1, 0, 2))

    sd = {"embed.W_E": W_E, "pos_embed.W_pos": W_pos}
    for l in range(L):
        pre = f"transformer/layer_{l}/"
        for x, name in (("Q", "query"), ("K", "key"), ("V", "value")):
            sd[f"blocks.{l}.attn.W_{x}"] = heads_in(p[pre + f"attn/{name}"]["w"])
            sd[f"blocks.{l}.attn.b_{x}"] = p[pre + f"attn/{name}"]["b"].reshape(H, dh)
        sd[f"blocks.{l}.attn.W_O"] = p[pre + "attn/linear"]["w"].reshape(H, dh, d_model)  # (H dh) d -> H dh d
        sd[f"blocks.{l}.attn.b_O"] = p[pre + "attn/linear"]["b"]
        sd[f"blocks.{l}.mlp.W_in"] = p[pre + "mlp/linear_1"]["w"]
        sd[f"blocks.{l}.mlp.b_in"] = p[pre + "mlp/linear_1"]["b"]
        sd[f"blocks.{l}.mlp.W_out"] = p[pre + "mlp/linear_2"]["w"]
        sd[f"blocks.{l}.mlp.b_out"] = p[pre + "mlp/linear_2"]["b"]
    sd["unembed.W_U"] = np.eye(d_model, d_vocab_out, dtype=np.float32)
    sd["unembed.b_U"] = np.zeros(d_vocab_out, dtype=np.float32)
    sd = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}

    config = {
        "n_layers": L,
        "d_model": d_model,
        "d_head": dh,
        "n_ctx": n_ctx,
        "d_vocab": d_vocab,
        "d_vocab_out": d_vocab_out,
        "d_mlp": mc.mlp_hidden_size,
        "n_heads": H,
        "act_fn": "relu",
        "attention_dir": "causal" if mc.causal else "bidirectional",
        "normalization_type": None,
        "attn_only": False,
        "use_attn_scale": True,
        "positional_embedding_type": "standard",
        "parallel_attn_mlp": False,
        "gated_mlp": False,
        "final_rms": False,
        "scale_attn_by_inverse_layer_idx": False,
        "use_local_attn": False,
        "rotary_dim": None,
        "original_architecture": None,
        "dtype": "float32",
        "eps": 1e-05,
        "use_hook_tokens": False,
        "default_prepend_bos": True,
    }
    return config, sd


def main() -> int:
    ok = True
    for task in ("reverse", "proportion"):
        model = compile_task(task)
        config, sd = to_tl(model)
        out_dir = os.path.join(ROOT, "tasks", f"tracr-{task}", "model")
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "config.json"), "w") as f:
            json.dump(config, f, indent=1)
        st = os.path.join(out_dir, "model.safetensors")
        save_file(sd, st, metadata={"format": "np", "source": f"tracr-compiled ACDC tracr-{task}"})
        print(f"tracr-{task}: wrote {os.path.relpath(st, ROOT)} ({os.path.getsize(st)} bytes), "
              f"{len(sd)} tensors, d_model {config['d_model']}, layers {config['n_layers']}")

        # Sanity: the compiled model's own forward on one input, decoded.
        example = [BOS, 1, 2, 3] if task == "reverse" else [BOS, "x", "w", "w", "x"]
        print(f"  tracr apply({example}) -> {model.apply(example).decoded}")

        fixture_dir = os.path.join(ROOT, "Tests", "Fixtures", f"tracr-{task}", "model")
        ref = load_file(os.path.join(fixture_dir, "model.safetensors"))
        mine = load_file(st)
        missing, extra = sorted(set(ref) - set(mine)), sorted(set(mine) - set(ref))
        if missing or extra:
            ok = False
            print(f"  MISMATCH tensor names: missing {missing}, extra {extra}")
        n_equal = 0
        for k in sorted(set(ref) & set(mine)):
            a, b = ref[k], mine[k]
            if a.shape != b.shape or a.dtype != b.dtype:
                ok = False
                print(f"  MISMATCH {k}: fixture {a.shape} {a.dtype}, regenerated {b.shape} {b.dtype}")
            elif not np.array_equal(a, b):
                ok = False
                print(f"  MISMATCH {k}: max |diff| {np.abs(a - b).max()}")
            else:
                n_equal += 1
        print(f"  vs Tests/Fixtures/tracr-{task}/model/model.safetensors: {n_equal}/{len(ref)} tensors bit-identical")
        with open(os.path.join(fixture_dir, "config.json")) as f:
            ref_cfg = json.load(f)
        if ref_cfg != config:
            ok = False
            diff = {k: (ref_cfg.get(k), config.get(k)) for k in set(ref_cfg) | set(config) if ref_cfg.get(k) != config.get(k)}
            print(f"  MISMATCH config.json (fixture, regenerated): {diff}")
        else:
            print("  config.json equals the fixture's")

        vocab_path = os.path.join(ROOT, "tasks", f"tracr-{task}", "vocab.json")
        if os.path.exists(vocab_path):
            with open(vocab_path) as f:
                vocab = json.load(f)
            enc = {str(k): v for k, v in model.input_encoder.encoding_map.items()}
            if enc != vocab["input"]["token_to_id"]:
                ok = False
                print(f"  MISMATCH input encoding: compiled {enc}, vocab.json {vocab['input']['token_to_id']}")
            else:
                print(f"  input encoding equals vocab.json: {enc}")
            labels = [str(b.name) if b.value is None else f"{b.name}:{b.value}" for b in model.residual_labels] \
                if not isinstance(model.residual_labels[0], str) else list(model.residual_labels)

            def strip(s):  # auto-generated labels carry a process-dependent numeric id
                name, _, val = s.partition(":")
                base = name.rstrip("0123456789").rstrip("_") if any(c.isdigit() for c in name) else name
                return base + (":" + val if val else "")

            if [strip(s) for s in labels] != [strip(s) for s in vocab["residual_stream_labels"]]:
                ok = False
                print(f"  MISMATCH residual labels: compiled {labels}")
            else:
                print(f"  residual stream layout equals vocab.json ({len(labels)} dims)")
    print("ALL MATCH" if ok else "DIFFERENCES FOUND")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
