#!/usr/bin/env python3
"""Trains a small 2-layer attention-only transformer on repeated random token
sequences until induction heads form, and exports it in our model format
(TransformerLens names and config fields) with task data for ACDC:

    tasks/induction/model/config.json        flat TL HookedTransformerConfig fields
    tasks/induction/model/model.safetensors  float32, TL state-dict names/shapes
    tasks/induction/data.json                clean rows, corrupted rows, mask
    tasks/induction/reference_logits.json    this model's logits on data rows 0-1
                                             (checked by Tests/TransformerTests/InductionModelTests.swift)

Offline tooling only: neither the `acdc` binary nor the Swift tests run Python.
The committed outputs are the result of one run; rerunning on another machine
or torch version may give slightly different weights.

Setup (CPU-only torch; the default PyPI torch wheel drags in CUDA packages):
    python3 -m venv .venv
    .venv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu   # or a local +cpu wheel
    .venv/bin/pip install numpy safetensors
    # (without a CPU index: `pip install torch --no-deps` plus
    #  filelock sympy networkx jinja2 fsspec typing-extensions; CPU code needs no nvidia-* wheels)
Run from the repository root (about 4-7 minutes on 2 shared cores):
    .venv/bin/python scripts/train_induction.py

Model semantics follow TransformerLens 1.6.1 (attn_only, LN, standard learned
positional embedding, causal attention):
    resid = W_E[tok] + W_pos[pos]
    per block: x = LN1(resid); q/k/v[h] = x @ W_{Q,K,V}[h] + b_{Q,K,V}[h]
               scores = q.k^T / sqrt(d_head), causal mask value -1e5, softmax
               z = pattern @ v; resid += sum_h z[h] @ W_O[h] + b_O
    logits = LN_final(resid) @ W_U + b_U
    LN(x) = (x - mean) / sqrt(mean((x - mean)^2) + 1e-5) * w + b

Training distribution: each sequence of N_CTX = 40 tokens is `filler + p + p`
where p is a prefix of m distinct random tokens, m uniform in [MIN_PERIOD, 20],
and filler is 40 - 2m random tokens. Varying m (and so where the repeat
starts) keeps the model from solving the task with a purely positional
"look 20 back" head; it has to find the earlier copy of the current token and
copy its successor, i.e. form a previous-token head + induction head.

Task data (`data.json`, drawn from DATA_SEED, not the training seed): rows of
m = 20 distinct tokens repeated twice (no filler). The logits at position t
predict token t+1, so the positions where induction predicts are t = 20..38
(the current token's earlier copy is at t-20 and its successor at t-19);
`mask` is true exactly there. Corrupted row i = clean row DERANGEMENT[i].

Committed run (torch 2.13.0+cpu, 6000 steps): loss on the task rows, first
half (t=0..18) 4.1615 (uniform ln 64 = 4.1589), second half (t=20..38) 0.2954,
induction top-1 accuracy 0.947; the training loss plateaus at ln 64 until
~step 1500 and drops as the induction heads form.
"""
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tasks", "induction")

D_VOCAB = 64
N_CTX = 40
HALF = N_CTX // 2
MIN_PERIOD = 6
N_LAYERS, D_MODEL, N_HEADS, D_HEAD = 2, 64, 4, 16
EPS = 1e-5
MASK_VALUE = -1e5

TRAIN_SEED = 0
DATA_SEED = 1234
N_ROWS = 40
STEPS = 6000
BATCH = 64
LR = 2e-3


class AttnOnlyTransformer(torch.nn.Module):
    """Plain-PyTorch attention-only transformer whose parameters are exactly
    TransformerLens's state dict (names, shapes and meaning)."""

    def __init__(self) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(TRAIN_SEED)

        def normal(*shape, std):
            return torch.nn.Parameter(torch.randn(*shape, generator=g) * std)

        def const(*shape, value):
            return torch.nn.Parameter(torch.full(shape, float(value)))

        p = {}
        p["embed.W_E"] = normal(D_VOCAB, D_MODEL, std=0.5)
        p["pos_embed.W_pos"] = normal(N_CTX, D_MODEL, std=0.5)
        for l in range(N_LAYERS):
            b = f"blocks.{l}."
            p[b + "ln1.w"] = const(D_MODEL, value=1)
            p[b + "ln1.b"] = const(D_MODEL, value=0)
            for x in "QKV":
                p[b + f"attn.W_{x}"] = normal(N_HEADS, D_MODEL, D_HEAD, std=1 / math.sqrt(D_MODEL))
                p[b + f"attn.b_{x}"] = const(N_HEADS, D_HEAD, value=0)
            p[b + "attn.W_O"] = normal(N_HEADS, D_HEAD, D_MODEL, std=1 / math.sqrt(N_HEADS * D_HEAD))
            p[b + "attn.b_O"] = const(D_MODEL, value=0)
        p["ln_final.w"] = const(D_MODEL, value=1)
        p["ln_final.b"] = const(D_MODEL, value=0)
        p["unembed.W_U"] = normal(D_MODEL, D_VOCAB, std=1 / math.sqrt(D_MODEL))
        p["unembed.b_U"] = const(D_VOCAB, value=0)
        # nn.ParameterDict does not accept dots in keys; keep a name map.
        self.names = list(p)
        self.params = torch.nn.ParameterList([p[n] for n in self.names])
        self.index = {n: i for i, n in enumerate(self.names)}

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.params[self.index[name]]

    def state(self) -> dict:
        return {n: self[n].detach().clone().contiguous() for n in self.names}

    @staticmethod
    def layer_norm(x, w, b):
        x = x - x.mean(-1, keepdim=True)
        scale = (x.pow(2).mean(-1, keepdim=True) + EPS).sqrt()
        return x / scale * w + b

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        B, T = tokens.shape
        resid = self["embed.W_E"][tokens] + self["pos_embed.W_pos"][:T][None]
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
        for l in range(N_LAYERS):
            b = f"blocks.{l}."
            x = self.layer_norm(resid, self[b + "ln1.w"], self[b + "ln1.b"])
            # Same maths as TL's per-head einsums, as plain matmuls (faster on CPU):
            # q[b,t,h,:] = x[b,t,:] @ W_Q[h] + b_Q[h].
            q, k, v = (
                (x @ self[b + f"attn.W_{n}"].permute(1, 0, 2).reshape(D_MODEL, N_HEADS * D_HEAD))
                .view(B, T, N_HEADS, D_HEAD).transpose(1, 2) + self[b + f"attn.b_{n}"][None, :, None, :]
                for n in "QKV"
            )  # [B, H, T, d_head]
            scores = q @ k.transpose(-1, -2) / math.sqrt(D_HEAD)
            scores = torch.where(causal, scores, torch.tensor(MASK_VALUE))
            pattern = scores.softmax(-1)
            z = (pattern @ v).transpose(1, 2).reshape(B, T, N_HEADS * D_HEAD)
            # sum_h z[h] @ W_O[h] == concat_h(z[h]) @ W_O.reshape(H*d_head, d_model)
            resid = resid + z @ self[b + "attn.W_O"].reshape(N_HEADS * D_HEAD, D_MODEL) + self[b + "attn.b_O"]
        x = self.layer_norm(resid, self["ln_final.w"], self["ln_final.b"])
        return x @ self["unembed.W_U"] + self["unembed.b_U"]


def training_batch(gen: torch.Generator) -> torch.Tensor:
    rows = []
    periods = torch.randint(MIN_PERIOD, HALF + 1, (BATCH,), generator=gen).tolist()
    for m in periods:
        prefix = torch.randperm(D_VOCAB, generator=gen)[:m]
        filler = torch.randint(0, D_VOCAB, (N_CTX - 2 * m,), generator=gen)
        rows.append(torch.cat([filler, prefix, prefix]))
    return torch.stack(rows)


def task_data():
    rng = np.random.default_rng(DATA_SEED)
    clean = []
    for _ in range(N_ROWS):
        prefix = rng.permutation(D_VOCAB)[:HALF].tolist()
        clean.append(prefix + prefix)
    while True:  # a derangement: no row is its own corruption
        perm = rng.permutation(N_ROWS).tolist()
        if all(p != i for i, p in enumerate(perm)):
            break
    corrupted = [clean[p] for p in perm]
    mask = [[HALF <= t < N_CTX - 1 for t in range(N_CTX)] for _ in range(N_ROWS)]
    return clean, corrupted, perm, mask


def per_position_loss(model, tokens):
    with torch.no_grad():
        logits = model(tokens)
        lp = logits[:, :-1].log_softmax(-1)
        return -lp.gather(-1, tokens[:, 1:, None])[..., 0]  # [B, T-1], position t predicts t+1


def main() -> None:
    torch.manual_seed(TRAIN_SEED)
    torch.set_num_threads(1)  # 2 shared cores: more threads only spin
    model = AttnOnlyTransformer()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 200) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * s / STEPS))))
    gen = torch.Generator().manual_seed(TRAIN_SEED + 1)
    t0 = time.time()
    for step in range(STEPS):
        tokens = training_batch(gen)
        logits = model(tokens)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, D_VOCAB), tokens[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0 or step == STEPS - 1:
            print(f"step {step:5d}  loss {loss.item():.4f}  ({time.time() - t0:.0f}s)", flush=True)

    clean, corrupted, perm, mask = task_data()
    clean_t = torch.tensor(clean)
    nll = per_position_loss(model, clean_t)  # index t: logits at t predicting t+1
    first = nll[:, : HALF - 1].mean().item()       # t = 0..18: first half, unpredictable
    second = nll[:, HALF : N_CTX - 1].mean().item()  # t = 20..38: induction positions (mask)
    with torch.no_grad():
        pred = model(clean_t)[:, HALF : N_CTX - 1].argmax(-1)
    acc = (pred == clean_t[:, HALF + 1 :]).float().mean().item()
    print(f"task data: loss first half (t=0..18) {first:.4f} (uniform = ln {D_VOCAB} = {math.log(D_VOCAB):.4f}); "
          f"second half (t=20..38) {second:.4f}; induction top-1 accuracy {acc:.4f}")
    assert second < 0.5 and acc > 0.9, "induction did not form; train longer"

    os.makedirs(os.path.join(OUT, "model"), exist_ok=True)
    state = model.state()
    st_path = os.path.join(OUT, "model", "model.safetensors")
    save_file(state, st_path, metadata={"format": "pt", "source": "scripts/train_induction.py"})
    back = load_file(st_path)
    assert all(torch.equal(back[k], state[k]) for k in state)
    config = {
        "n_layers": N_LAYERS,
        "d_model": D_MODEL,
        "n_heads": N_HEADS,
        "d_head": D_HEAD,
        "d_mlp": None,
        "d_vocab": D_VOCAB,
        "d_vocab_out": D_VOCAB,
        "n_ctx": N_CTX,
        "act_fn": None,
        "normalization_type": "LN",
        "attn_only": True,
        "positional_embedding_type": "standard",
        "default_prepend_bos": False,
        "eps": EPS,
        "use_attn_scale": True,
        "scale_attn_by_inverse_layer_idx": False,
        "attention_dir": "causal",
        "parallel_attn_mlp": False,
        "gated_mlp": False,
        "final_rms": False,
        "original_architecture": None,
        "dtype": "float32",
    }
    with open(os.path.join(OUT, "model", "config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")

    data = {
        "about": "induction task for the model in model/ (scripts/train_induction.py). Rows are "
                 f"{HALF} distinct random tokens repeated twice (numpy default_rng({DATA_SEED}); the model "
                 f"was trained from seed {TRAIN_SEED}). Logits at position t predict token t+1; mask is "
                 f"true at t = {HALF}..{N_CTX - 2}, where induction predicts. corrupted[i] = clean[corruption_permutation[i]] "
                 "(a derangement). No BOS.",
        "clean": clean,
        "corrupted": corrupted,
        "corruption_permutation": perm,
        "mask": mask,
        "loss": {"first_half": round(first, 6), "second_half": round(second, 6),
                 "induction_top1_accuracy": round(acc, 6)},
    }
    with open(os.path.join(OUT, "data.json"), "w") as f:
        f.write("{\n")
        items = list(data.items())
        for i, (k, v) in enumerate(items):
            sep = "," if i + 1 < len(items) else ""
            if isinstance(v, list) and v and isinstance(v[0], list):
                f.write(f' "{k}": [\n' + ",\n".join("  " + json.dumps(r, separators=(",", ":")) for r in v) + f"\n ]{sep}\n")
            else:
                f.write(f" {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}{sep}\n")
        f.write("}\n")

    with torch.no_grad():
        ref = model(clean_t[:2])
    with open(os.path.join(OUT, "reference_logits.json"), "w") as f:
        json.dump({"about": "logits of the PyTorch model in scripts/train_induction.py (float32, CPU) "
                            "on data.json clean rows 0 and 1",
                   "torch": torch.__version__,
                   "tokens": clean[:2],
                   "logits": [[[float("%.8g" % x) for x in pos] for pos in row] for row in ref.tolist()]},
                  f, separators=(",", ":"))
        f.write("\n")
    for root, _, files in os.walk(OUT):
        for fn in sorted(files):
            p = os.path.join(root, fn)
            print(f"{os.path.relpath(p, ROOT)}: {os.path.getsize(p)} bytes")


if __name__ == "__main__":
    main()
