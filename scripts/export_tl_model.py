#!/usr/bin/env python3
"""Exports a TransformerLens model the way the ACDC reference loads it, into the
model-directory format `acdc` reads (flat TL config + TL state dict):

    OUT/config.json          HookedTransformerConfig fields (JSON-representable ones)
    OUT/model.safetensors    float32 state dict, TransformerLens names and shapes
    OUT/vocab.json, OUT/merges.txt, OUT/special_tokens.json
                             the model's BPE tokenizer and its BOS id (the docstring
                             task tokenizes with them)

    python3 scripts/export_tl_model.py gpt2 models/gpt2                 # ioi, greaterthan
    python3 scripts/export_tl_model.py attn-only-4l models/attn-only-4l # docstring

then `acdc run --task ioi --model models/gpt2 --threshold ...`.

The weights are exported after TransformerLens's default load-time processing
(fold_ln, center_writing_weights, center_unembed, fold_value_biases), which is
what the reference runs on (ACDC.md §1.3). That matters for zero ablation: the
value biases live in b_O, outside every graph node. (A plain Hugging Face GPT-2
directory -- config.json + model.safetensors from `save_pretrained` -- also loads,
unprocessed: identical results with corrupted ablation, not with zero ablation.)

Needs network access once (Hugging Face downloads) and:
    pip install transformer_lens safetensors
Offline tooling only: neither `acdc` nor the Swift tests run Python.
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformer_lens import HookedTransformer


def main(name, out):
    os.makedirs(out, exist_ok=True)
    model = HookedTransformer.from_pretrained(name, device="cpu")  # reference defaults

    cfg = {}
    for k, v in model.cfg.to_dict().items():
        if isinstance(v, (bool, int, float, str)) or v is None:
            cfg[k] = v
    cfg["dtype"] = "float32"
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)

    # Buffers (attention masks, IGNORE) are not weights; clone so no tensors share storage.
    sd = {k: v.detach().to(torch.float32).contiguous().clone()
          for k, v in model.state_dict().items() if not k.endswith((".mask", ".IGNORE"))}
    save_file(sd, os.path.join(out, "model.safetensors"), metadata={"source": f"transformer_lens {name}"})

    tok = model.tokenizer
    tok.backend_tokenizer.model.save(out)  # vocab.json + merges.txt
    with open(os.path.join(out, "special_tokens.json"), "w") as f:
        json.dump({"bos_token": tok.bos_token, "bos_token_id": tok.bos_token_id}, f, indent=1)
    print(f"{name}: {len(sd)} tensors, normalization {cfg.get('normalization_type')} -> {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: export_tl_model.py TL_MODEL_NAME OUT_DIR   (e.g. gpt2, attn-only-4l)")
    main(sys.argv[1], sys.argv[2])
