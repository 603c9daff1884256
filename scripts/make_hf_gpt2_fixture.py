#!/usr/bin/env python3
"""Creates Tests/Fixtures/hf-tiny-gpt2/: a small RANDOM Hugging Face GPT-2
(config.json + model.safetensors, HF names) and expected_logits.json with the
logits of transformers' own forward pass, for HuggingFaceGPT2Tests.swift.

Offline tooling only: neither the `acdc` binary nor the Swift tests run Python.

Setup (CPU-only torch; the default PyPI torch wheel drags in CUDA packages):
    python3 -m venv .venv
    .venv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu   # or a local +cpu wheel
    .venv/bin/pip install numpy safetensors transformers
    # (without a CPU index: `pip install torch --no-deps` plus
    #  filelock sympy networkx jinja2 fsspec typing-extensions; CPU code needs no nvidia-* wheels)
Run from the repository root:
    .venv/bin/python scripts/make_hf_gpt2_fixture.py
Generated with torch 2.13.0+cpu, transformers 5.23.0.
"""
import json
import os
import sys

import torch
from safetensors import safe_open
from transformers import GPT2Config, GPT2LMHeadModel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "hf-tiny-gpt2")
SEED = 20240611


def main() -> None:
    torch.manual_seed(SEED)
    cfg = GPT2Config(
        n_layer=2, n_embd=64, n_head=4, n_positions=32, vocab_size=97,
        # n_inner not 4*n_embd: keeps the file small and checks that the
        # converter honours n_inner instead of assuming 4*d.
        n_inner=64,
        activation_function="gelu_new", layer_norm_epsilon=1e-5,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        tie_word_embeddings=True,
        bos_token_id=96, eos_token_id=96,
    )
    model = GPT2LMHeadModel(cfg).float().eval()

    # Non-trivial weights: HF initialises LN to (1, 0) and all biases to 0,
    # which would hide a converter mixing up LN weight/bias or the q/k/v bias
    # split. Perturb every LayerNorm and every bias, and make the embeddings
    # larger than the 0.02 init so the logits are not nearly uniform.
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
                p.copy_(1.0 + 0.3 * torch.randn(p.shape, generator=g))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith(("wte.weight", "wpe.weight")):
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=g))

    os.makedirs(OUT, exist_ok=True)
    model.save_pretrained(OUT, safe_serialization=True)
    for f in os.listdir(OUT):
        if f not in ("config.json", "model.safetensors"):
            os.remove(os.path.join(OUT, f))

    st = os.path.join(OUT, "model.safetensors")
    with safe_open(st, "pt") as f:
        names = sorted(f.keys())
        dtypes = {str(f.get_tensor(k).dtype) for k in names}
    print("saved tensors:", len(names), "dtypes:", dtypes)
    print("  prefix 'transformer.':", all(n.startswith("transformer.") or n.startswith("lm_head") for n in names))
    print("  lm_head.weight saved:", "lm_head.weight" in names)
    assert "transformer.wte.weight" in names or "wte.weight" in names, names
    assert dtypes == {"torch.float32"}, dtypes

    # Token rows: equal length (TokenBatch), ids over the whole vocabulary,
    # one row using the full context of 32 positions.
    gen = torch.Generator().manual_seed(SEED + 2)
    rows = [torch.randint(0, cfg.vocab_size, (8,), generator=gen).tolist() for _ in range(2)]
    rows[0][0] = 0
    rows[1][-1] = cfg.vocab_size - 1
    long_row = [torch.randint(0, cfg.vocab_size, (32,), generator=gen).tolist()]

    # Reload from disk so the expected logits come from exactly the saved tensors.
    reloaded = GPT2LMHeadModel.from_pretrained(OUT).float().eval()
    with torch.no_grad():
        logits = reloaded(torch.tensor(rows)).logits
        logits_long = reloaded(torch.tensor(long_row)).logits
        same = model(torch.tensor(rows)).logits
    assert torch.equal(logits, same), "reloaded model differs from the saved one"

    def r(t):
        return [[[float("%.8g" % v) for v in pos] for pos in row] for row in t.tolist()]

    expected = {
        "about": "logits of transformers.GPT2LMHeadModel (float32, CPU, eval) on these token rows; "
                 "made by scripts/make_hf_gpt2_fixture.py",
        "torch": torch.__version__,
        "transformers": sys.modules["transformers"].__version__,
        "batches": [
            {"tokens": rows, "logits": r(logits)},
            {"tokens": long_row, "logits": r(logits_long)},
        ],
    }
    with open(os.path.join(OUT, "expected_logits.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")

    for f in sorted(os.listdir(OUT)):
        print(f"{f}: {os.path.getsize(os.path.join(OUT, f))} bytes")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print("total:", total, "bytes")
    print("logit range:", float(logits.min()), float(logits.max()))


if __name__ == "__main__":
    main()
