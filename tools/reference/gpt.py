#!/usr/bin/python3
"""A whole tiny GPT in PyTorch, for tests/test_gpt_torch.cpp (the llm.c-style end-to-end check).

The model is written here from torch primitives in aibasics' layout and naming (a linear weight
is (D_in, D_out) and applied as x @ W; the attention projections are one fused qkv matrix), so
every parameter can be saved under the name aib::Gpt::parameters() gives it (GPT-2's state-dict
names: wte, wpe, h.<l>.ln_1, h.<l>.attn.c_attn, h.<l>.mlp.c_fc, ln_f, lm_head). Pre-norm blocks,
causal multi-head attention, GELU MLP (erf form), learned positions, final LayerNorm; two
variants: an untied head, and a head tied to the token embedding.

Writes tests/fixtures/torch/gpt/<variant>_<name>.npy (float64): every parameter, the ids and
targets (int64, 2 sequences of 8), the logits, the mean cross-entropy loss and dLoss/dparameter.

Usage: /usr/bin/python3 tools/reference/gpt.py [OUT_DIR]
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(1128)
torch.set_default_dtype(torch.float64)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "torch", "gpt")
os.makedirs(out, exist_ok=True)

V, T, D, L, H, F_ = 11, 8, 16, 2, 4, 64
B = 2


def params(tied):
    p = {"wte.weight": torch.randn(V, D) * 0.3, "wpe.weight": torch.randn(T, D) * 0.3}
    for l in range(L):
        b = f"h.{l}"
        for norm in ("ln_1", "ln_2"):
            p[f"{b}.{norm}.weight"] = 1 + 0.1 * torch.randn(1, D)
            p[f"{b}.{norm}.bias"] = 0.1 * torch.randn(1, D)
        for name, (i, o) in {"attn.c_attn": (D, 3 * D), "attn.c_proj": (D, D),
                             "mlp.c_fc": (D, F_), "mlp.c_proj": (F_, D)}.items():
            p[f"{b}.{name}.weight"] = torch.randn(i, o) / math.sqrt(i)
            p[f"{b}.{name}.bias"] = 0.1 * torch.randn(1, o)
    p["ln_f.weight"] = 1 + 0.1 * torch.randn(1, D)
    p["ln_f.bias"] = 0.1 * torch.randn(1, D)
    if not tied:
        p["lm_head.weight"] = torch.randn(D, V) / math.sqrt(D)
    return p


def forward(p, ids, tied):
    x = p["wte.weight"][ids] + p["wpe.weight"][torch.arange(T)].repeat(B, 1)   # (B*T, D)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    ln = lambda x, n: F.layer_norm(x, (D,), p[n + ".weight"][0], p[n + ".bias"][0], 1e-5)
    for l in range(L):
        b = f"h.{l}"
        qkv = ln(x, b + ".ln_1") @ p[b + ".attn.c_attn.weight"] + p[b + ".attn.c_attn.bias"]
        q, k, v = (z.view(B, T, H, D // H).transpose(1, 2) for z in qkv.split(D, dim=1))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D // H)
        att = F.softmax(att.masked_fill(~mask, float("-inf")), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B * T, D)
        x = x + y @ p[b + ".attn.c_proj.weight"] + p[b + ".attn.c_proj.bias"]
        h = F.gelu(ln(x, b + ".ln_2") @ p[b + ".mlp.c_fc.weight"] + p[b + ".mlp.c_fc.bias"])
        x = x + h @ p[b + ".mlp.c_proj.weight"] + p[b + ".mlp.c_proj.bias"]
    x = ln(x, "ln_f")
    return x @ (p["wte.weight"].T if tied else p["lm_head.weight"])


def save(name, t):
    np.save(os.path.join(out, name + ".npy"), t.detach().numpy())


for variant, tied in (("untied", False), ("tied", True)):
    p = {k: v.requires_grad_(True) for k, v in params(tied).items()}
    ids = torch.randint(0, V, (B * T,))
    targets = torch.randint(0, V, (B * T,))
    logits = forward(p, ids, tied)
    loss = F.cross_entropy(logits, targets)
    loss.backward()
    save(f"{variant}_ids", ids)
    save(f"{variant}_targets", targets)
    save(f"{variant}_logits", logits)
    save(f"{variant}_loss", loss.reshape(1, 1))
    for k, v in p.items():
        save(f"{variant}_{k}", v)
        save(f"{variant}_grad_{k}", v.grad)
print(f"wrote {len(os.listdir(out))} files to {out}")
