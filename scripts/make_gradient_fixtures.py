#!/usr/bin/env python3
"""Gradient fixtures for the backward pass (Tests/Fixtures/gradients/).

Offline only (torch + safetensors + numpy); nothing here runs at test time.

For each case: a small acdc-experiment/1 file (4 rows) and `gradients.safetensors`
holding, for each loss, the gradient of the loss with respect to every receiver
input of the attribution graph, computed by PyTorch autograd in float64 on a
plain re-statement of the TransformerLens forward (use_split_qkv_input,
use_hook_mlp_in; no weight processing):

  <loss>/hook_embed                 [B, T, d]      token embedding W_E[tokens]
  <loss>/blocks.L.hook_{q,k,v}_input [B, T, H, d]   each head's own residual copy
  <loss>/blocks.L.hook_mlp_in        [B, T, d]
  <loss>/final                       [B, T, d]      residual before ln_final
  <loss>/value                       [1]            the loss

Losses: `logit_diff` (the experiment's logit_diff metric at the clean run) and
`kl_corrupted` (the experiment's kl_div metric, KL(clean || model), evaluated
on the corrupted tokens, where its gradient is not zero).

Cases: tiny-gpt2 (the repository's TransformerLens checkpoint) and attn-only,
a random 2-layer attention-only model written here in TransformerLens layout
(Tests/Fixtures/attn-only/).

Run from the repository root: python3 scripts/make_gradient_fixtures.py
"""
import json
import os

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests", "Fixtures")


def ln(x, w, b, kind, eps):
    if kind is None:
        return x
    x = x - x.mean(-1, keepdim=True)
    s = (x.pow(2).mean(-1, keepdim=True) + eps).sqrt()
    y = x / s
    if kind == "LN":
        y = y * w + b
    return y


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh((2 / torch.pi) ** 0.5 * (x + 0.044715 * x.pow(3))))


ACTS = {"gelu_new": gelu_new, "relu": torch.relu, "gelu": torch.nn.functional.gelu}


def forward(W, cfg, tokens, keep):
    """TL forward; `keep` collects the receiver tensors (retain_grad)."""
    B, T = tokens.shape
    L, H, d = cfg["n_layers"], cfg["n_heads"], cfg["d_model"]
    norm = cfg.get("normalization_type")
    eps = cfg.get("eps", 1e-5)
    embed = W["embed.W_E"][tokens].clone().requires_grad_(True)
    keep["hook_embed"] = embed
    resid = embed + W["pos_embed.W_pos"][:T][None]
    causal = cfg.get("attention_dir", "causal") == "causal"
    for l in range(L):
        p = f"blocks.{l}."
        qkv = []
        for x in "qkv":
            inp = resid[:, :, None, :].repeat(1, 1, H, 1)
            inp.retain_grad(); keep[f"{p}hook_{x}_input"] = inp
            n = ln(inp, W.get(p + "ln1.w"), W.get(p + "ln1.b"), norm, eps)
            qkv.append(torch.einsum("bthd,hde->bthe", n, W[p + f"attn.W_{x.upper()}"]) + W[p + f"attn.b_{x.upper()}"])
        q, k, v = qkv
        scores = torch.einsum("bqhe,bkhe->bhqk", q, k) / (cfg["d_head"] ** 0.5)
        if causal:
            mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
            scores = scores.masked_fill(mask, -100000.0)
        pattern = scores.softmax(-1)
        z = torch.einsum("bhqk,bkhe->bqhe", pattern, v)
        result = torch.einsum("bqhe,hed->bqhd", z, W[p + "attn.W_O"])
        resid = resid + result.sum(2) + W[p + "attn.b_O"]
        if not cfg.get("attn_only", False):
            mlp_in = resid.clone()
            mlp_in.retain_grad(); keep[f"{p}hook_mlp_in"] = mlp_in
            n = ln(mlp_in, W.get(p + "ln2.w"), W.get(p + "ln2.b"), norm, eps)
            h = ACTS[cfg["act_fn"]](n @ W[p + "mlp.W_in"] + W[p + "mlp.b_in"])
            resid = resid + h @ W[p + "mlp.W_out"] + W[p + "mlp.b_out"]
    final = resid.clone()
    final.retain_grad(); keep["final"] = final
    n = ln(final, W.get("ln_final.w"), W.get("ln_final.b"), norm, eps)
    return n @ W["unembed.W_U"] + W["unembed.b_U"]


def gradients(model_dir, exp):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    W = {k: torch.tensor(v, dtype=torch.float64) for k, v in load_file(os.path.join(model_dir, "model.safetensors")).items()}
    clean = torch.tensor(exp["clean"]); corrupted = torch.tensor(exp["corrupted"])
    out = {}
    ld = exp["metrics"]["logit_diff"]
    keep = {}
    logits = forward(W, cfg, clean, keep)
    r = torch.arange(clean.shape[0])
    pos = ld["position"]
    loss = -(logits[r, pos, ld["correct"]] - logits[r, pos, ld["wrong"]]).mean()
    loss.backward()
    for k, t in keep.items():
        out[f"logit_diff/{k}"] = t.grad.numpy().astype(np.float32)
    out["logit_diff/value"] = np.array([loss.item()], dtype=np.float32)

    positions = exp["metrics"]["kl_div"]["positions"]
    base = forward(W, cfg, clean, {})[:, positions].log_softmax(-1).detach()
    keep = {}
    logits = forward(W, cfg, corrupted, keep)
    lp = logits[:, positions].log_softmax(-1)
    loss = (base.exp() * (base - lp)).sum(-1).mean()
    loss.backward()
    for k, t in keep.items():
        out[f"kl_corrupted/{k}"] = t.grad.numpy().astype(np.float32)
    out["kl_corrupted/value"] = np.array([loss.item()], dtype=np.float32)
    return out


def write_case(name, model_rel, exp):
    d = os.path.join(FIX, "gradients", name)
    os.makedirs(d, exist_ok=True)
    exp = dict(exp)
    exp["model"] = model_rel
    with open(os.path.join(d, "experiment.json"), "w") as f:
        json.dump(exp, f, indent=1)
    save_file(gradients(os.path.normpath(os.path.join(d, model_rel)), exp), os.path.join(d, "gradients.safetensors"))


def attn_only_model():
    d = os.path.join(FIX, "attn-only", "model")
    os.makedirs(d, exist_ok=True)
    cfg = {"n_layers": 2, "d_model": 32, "n_heads": 4, "d_head": 8, "d_vocab": 50, "d_vocab_out": 50, "n_ctx": 16,
           "act_fn": "gelu_new", "normalization_type": "LN", "attn_only": True, "positional_embedding_type": "standard",
           "eps": 1e-5, "use_attn_scale": True, "attention_dir": "causal", "dtype": "float32"}
    g = np.random.default_rng(1234)
    W = {"embed.W_E": g.normal(0, 0.5, (50, 32)), "pos_embed.W_pos": g.normal(0, 0.3, (16, 32)),
         "ln_final.w": 1 + g.normal(0, 0.1, 32), "ln_final.b": g.normal(0, 0.1, 32),
         "unembed.W_U": g.normal(0, 0.3, (32, 50)), "unembed.b_U": g.normal(0, 0.1, 50)}
    for l in range(2):
        p = f"blocks.{l}."
        W[p + "ln1.w"] = 1 + g.normal(0, 0.1, 32); W[p + "ln1.b"] = g.normal(0, 0.1, 32)
        for x in "QKV":
            W[p + f"attn.W_{x}"] = g.normal(0, 0.4, (4, 32, 8)); W[p + f"attn.b_{x}"] = g.normal(0, 0.1, (4, 8))
        W[p + "attn.W_O"] = g.normal(0, 0.3, (4, 8, 32)); W[p + "attn.b_O"] = g.normal(0, 0.1, 32)
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in W.items()}, os.path.join(d, "model.safetensors"))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    rows, T = 6, 10
    clean = g.integers(0, 50, (rows, T))
    corrupted = clean.copy()
    for r in range(rows):
        for p in g.choice(T, 3, replace=False):
            corrupted[r, p] = (corrupted[r, p] + 1 + g.integers(0, 49)) % 50
    return {"format": "acdc-experiment/1", "name": "attn-only",
            "description": "random 2-layer attention-only model; 6 random rows of 10 tokens, 3 positions resampled",
            "clean": clean.tolist(), "corrupted": corrupted.tolist(),
            "metrics": {"kl_div": {"positions": [T - 1]},
                        "logit_diff": {"position": T - 1, "correct": g.integers(0, 50, rows).tolist(),
                                       "wrong": g.integers(0, 50, rows).tolist()}}}


def main():
    torch.manual_seed(0)
    exp = json.load(open(os.path.join(FIX, "tiny-gpt2", "experiment.json")))
    n = 4
    small = {"format": exp["format"], "name": "tiny-gpt2-gradients",
             "description": "the first 4 rows of the tiny-gpt2 experiment",
             "clean": exp["clean"][:n], "corrupted": exp["corrupted"][:n],
             "metrics": {"kl_div": exp["metrics"]["kl_div"],
                         "logit_diff": {"position": exp["metrics"]["logit_diff"]["position"],
                                        "correct": exp["metrics"]["logit_diff"]["correct"][:n],
                                        "wrong": exp["metrics"]["logit_diff"]["wrong"][:n]}}}
    write_case("tiny-gpt2", "../../tiny-gpt2/model", small)
    attn = attn_only_model()
    with open(os.path.join(FIX, "attn-only", "experiment.json"), "w") as f:
        json.dump(dict(attn, model="model"), f, indent=1)
    write_case("attn-only", "../../attn-only/model", attn)


if __name__ == "__main__":
    main()
