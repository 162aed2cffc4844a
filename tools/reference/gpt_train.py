#!/usr/bin/python3
"""GPT training in PyTorch, for tests/test_gpt_train_torch.cpp: does the loss fall the same way?

The model is the one of tools/reference/gpt.py (torch primitives in aibasics' layout and names:
a linear weight is (D_in, D_out) applied as x @ W, one fused qkv matrix, pre-norm blocks, causal
multi-head attention, GELU (erf) MLP, learned positions, final LayerNorm, untied head), trained
with torch.optim.AdamW on character windows of a real text, as nanoGPT trains:

  each step:  zero_grad(set_to_none=True); loss = cross_entropy(model(x), y); backward();
              norm = clip_grad_norm_(params, 1.0); step()

AdamW has two parameter groups, as nanoGPT's configure_optimizers makes them: weight decay on
the matrices (wte, wpe, every linear weight, head), none on the biases and the norms' γ and β.

Data: the sentences of examples/data/course-sentences.txt (comment lines and labels dropped,
joined with '\n'), the first 4096 characters, each mapped to its index in the sorted list of the
distinct characters among them. Batch b of step s is the windows starting at offsets[s, b]:
x = stream[o : o+T], y = stream[o+1 : o+T+1].

Two runs:
  tiny  — L 2, D 32, H 4, F 128, T 16, B 4, 30 steps, float64, lr 1e-2, betas (0.9, 0.95),
          eps 1e-8, weight decay 0.1. Random initial weights (every parameter, biases and norms
          included), rounded to float32 so that the float and the double model start from the
          same numbers; written as '<f4'.
  cpu   — nanoGPT's CPU shape (L 4, D 128, H 4, F 512, T 64, B 12), 200 steps in float32, lr 1e-3,
          betas (0.9, 0.99), eps 1e-8, weight decay 0.1. Its 0.8M initial weights are not stored:
          both sides compute them from hash_uniform() below (GPT-2 standard deviations, biases 0,
          norms 1).

Usage: /usr/bin/python3 tools/reference/gpt_train.py [OUT_DIR]
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261129)
torch.set_num_threads(1)
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..")
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "fixtures", "torch", "gpt_train")
os.makedirs(out, exist_ok=True)


def save(name, a):
    np.save(os.path.join(out, name + ".npy"), a)


# ---- data -----------------------------------------------------------------------------------------
with open(os.path.join(root, "examples", "data", "course-sentences.txt"), encoding="utf-8") as f:
    lines = [l.rstrip("\n").split("\t", 1)[1] for l in f if l.strip() and not l.startswith("#")]
text = "\n".join(lines)[:4096]
vocab = sorted(set(text))
stream = np.array([vocab.index(c) for c in text], dtype=np.int64)
save("stream", stream)
save("vocab", np.array([ord(c) for c in vocab], dtype=np.int64))
V = len(vocab)


# ---- the model ------------------------------------------------------------------------------------
def names(L, tied=False):
    """Parameter names in aib::GptT::parameters() order."""
    n = ["wte.weight", "wpe.weight"]
    for l in range(L):
        b = f"h.{l}"
        n += [f"{b}.ln_1.weight", f"{b}.ln_1.bias", f"{b}.attn.c_attn.weight",
              f"{b}.attn.c_attn.bias", f"{b}.attn.c_proj.weight", f"{b}.attn.c_proj.bias",
              f"{b}.ln_2.weight", f"{b}.ln_2.bias", f"{b}.mlp.c_fc.weight", f"{b}.mlp.c_fc.bias",
              f"{b}.mlp.c_proj.weight", f"{b}.mlp.c_proj.bias"]
    n += ["ln_f.weight", "ln_f.bias"]
    if not tied:
        n.append("lm_head.weight")
    return n


def shapes(V, T, D, L, F_):
    s = {"wte.weight": (V, D), "wpe.weight": (T, D), "ln_f.weight": (1, D), "ln_f.bias": (1, D),
         "lm_head.weight": (D, V)}
    for l in range(L):
        b = f"h.{l}"
        for norm in ("ln_1", "ln_2"):
            s[f"{b}.{norm}.weight"] = s[f"{b}.{norm}.bias"] = (1, D)
        for name, (i, o) in {"attn.c_attn": (D, 3 * D), "attn.c_proj": (D, D),
                             "mlp.c_fc": (D, F_), "mlp.c_proj": (F_, D)}.items():
            s[f"{b}.{name}.weight"] = (i, o)
            s[f"{b}.{name}.bias"] = (1, o)
    return s


def decayed(name):
    """nanoGPT's rule (every matrix decays, biases and norm parameters do not), by name here
    because aibasics stores biases and norm parameters as (1, D) matrices."""
    return name.endswith(".weight") and ".ln_" not in name and not name.startswith("ln_f")


def forward(p, ids, B, T, D, L, H):
    x = p["wte.weight"][ids] + p["wpe.weight"][torch.arange(T)].repeat(B, 1)   # (B*T, D)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    ln = lambda x, n: F.layer_norm(x, (D,), p[n + ".weight"][0], p[n + ".bias"][0], 1e-5)
    for l in range(L):
        b = f"h.{l}"
        qkv = ln(x, b + ".ln_1") @ p[b + ".attn.c_attn.weight"] + p[b + ".attn.c_attn.bias"]
        q, k, v = (z.reshape(B, T, H, D // H).transpose(1, 2) for z in qkv.split(D, dim=1))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D // H)
        att = F.softmax(att.masked_fill(~mask, float("-inf")), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B * T, D)
        x = x + y @ p[b + ".attn.c_proj.weight"] + p[b + ".attn.c_proj.bias"]
        h = F.gelu(ln(x, b + ".ln_2") @ p[b + ".mlp.c_fc.weight"] + p[b + ".mlp.c_fc.bias"])
        x = x + h @ p[b + ".mlp.c_proj.weight"] + p[b + ".mlp.c_proj.bias"]
    return ln(x, "ln_f") @ p["lm_head.weight"]                                    # (B*T, V)


def train(p, offsets, B, T, D, L, H, lr, betas, wd):
    """Runs len(offsets) AdamW steps; returns the loss before each step and the gradient norm
    before clipping."""
    order = list(p)
    groups = [{"params": [p[n] for n in order if decayed(n)], "weight_decay": wd},
              {"params": [p[n] for n in order if not decayed(n)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr, betas=betas, eps=1e-8)
    losses, norms = [], []
    for starts in offsets:
        x = torch.from_numpy(np.concatenate([stream[o:o + T] for o in starts]))
        y = torch.from_numpy(np.concatenate([stream[o + 1:o + T + 1] for o in starts]))
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(forward(p, x, B, T, D, L, H), y)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_([p[n] for n in order], 1.0)))
        opt.step()
        losses.append(float(loss))
    return np.array(losses), np.array(norms)


def fingerprint(t):
    """(Σp, Σp², Σ c_k·p_k) with c_k = (k mod 7) − 3 over the row-major flat index k: three numbers
    that move if any element of the final parameter does."""
    a = t.detach().double().numpy().reshape(-1)
    c = (np.arange(a.size) % 7 - 3).astype(np.float64)
    return np.array([a.sum(), (a * a).sum(), (c * a).sum()])


# ---- run 1: tiny, float64 -------------------------------------------------------------------------
T, D, L, H, F_, B, K = 16, 32, 2, 4, 128, 4, 30
tiny_names = names(L)
init = {}
for n in tiny_names:
    shape = shapes(V, T, D, L, F_)[n]
    if n.startswith(("wte", "wpe")):
        w = 0.1 * torch.randn(shape)
    elif ".ln_" in n or n.startswith("ln_f"):
        w = (1.0 if n.endswith("weight") else 0.0) + 0.05 * torch.randn(shape)
    elif n.endswith("bias"):
        w = 0.02 * torch.randn(shape)
    else:
        w = 0.5 * torch.randn(shape, dtype=torch.float64) / math.sqrt(shape[0])
    init[n] = w.to(torch.float32)
    save(f"tiny_init_{n}", init[n].numpy())
offsets = torch.randint(0, len(stream) - T, (K, B)).numpy().astype(np.int64)
save("tiny_offsets", offsets)
p = {n: init[n].to(torch.float64).requires_grad_(True) for n in tiny_names}
losses, norms = train(p, offsets, B, T, D, L, H, lr=1e-2, betas=(0.9, 0.95), wd=0.1)
save("tiny_loss", losses)
save("tiny_grad_norm", norms)
save("tiny_fingerprint", np.stack([fingerprint(p[n]) for n in tiny_names]))
for n in ("h.1.attn.c_proj.weight", "ln_f.weight", "h.0.attn.c_attn.bias",
          "h.1.attn.c_attn.bias"):
    save(f"tiny_final_{n}", p[n].detach().numpy())
with open(os.path.join(out, "tiny_names.txt"), "w") as f:
    f.write("\n".join(tiny_names) + "\n")
print(f"tiny: V {V}, loss {losses[0]:.4f} -> {losses[-1]:.4f}, clipped at "
      f"{int((norms > 1).sum())} of {K} steps")


# ---- run 2: nanoGPT's CPU shape, float32 ----------------------------------------------------------
def hash_uniform(index, count, stddev):
    """count numbers with mean 0 and standard deviation stddev, uniform on ±stddev·√3, from
    splitmix64 of (index << 32) + k, k = 0 .. count−1, computed in double and rounded to float32.
    tests/test_gpt_train_torch.cpp computes the same numbers."""
    with np.errstate(over="ignore"):
        z = (np.uint64(index) << np.uint64(32)) + np.arange(count, dtype=np.uint64)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53                     # [0, 1)
    return (stddev * math.sqrt(3.0) * (2.0 * u - 1.0)).astype(np.float32)


T, D, L, H, F_, B, K = 64, 128, 4, 4, 512, 12, 200
cpu_names = names(L)
sh = shapes(V, T, D, L, F_)
p = {}
for i, n in enumerate(cpu_names):
    shape = sh[n]
    if ".ln_" in n or n.startswith("ln_f"):
        w = np.full(shape, 1.0 if n.endswith("weight") else 0.0, dtype=np.float32)
    elif n.endswith("bias"):
        w = np.zeros(shape, dtype=np.float32)
    else:
        std = 0.02 / math.sqrt(2 * L) if n.endswith("c_proj.weight") else 0.02
        w = hash_uniform(i, shape[0] * shape[1], std).reshape(shape)
    p[n] = torch.from_numpy(w).requires_grad_(True)
save("cpu_first_values", np.array([[float(p[n].reshape(-1)[k]) for k in (0, 1, 1000)]
                                   for n in ("wte.weight", "h.3.mlp.c_proj.weight")]))
offsets = torch.randint(0, len(stream) - T, (K, B)).numpy().astype(np.int32)
save("cpu_offsets", offsets)
losses, norms = train(p, offsets, B, T, D, L, H, lr=1e-3, betas=(0.9, 0.99), wd=0.1)
save("cpu_loss", losses.astype(np.float64))
save("cpu_grad_norm", norms.astype(np.float64))
print(f"cpu: loss {losses[0]:.4f} -> {losses[-1]:.4f}, clipped at {int((norms > 1).sum())} of {K} steps")
print(f"wrote {len(os.listdir(out))} files to {out}")
