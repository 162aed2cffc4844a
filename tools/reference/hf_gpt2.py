#!/usr/bin/python3
"""GPT-2 in PyTorch from a Hugging Face GPT-2 directory, for tests/test_hf_gpt2.cpp.

A directory holds config.json (GPT-2's keys) and model.safetensors (GPT-2's tensor names and
shapes: transformer.wte.weight [V, D], transformer.h.0.attn.c_attn.weight [D, 3D] ...). The forward
is GPT-2's own, written here from torch primitives (no `transformers` package): learned positions,
pre-norm blocks, LayerNorm with the config's epsilon, Conv1D layers (weight (in, out), x @ W + b),
causal attention scaled by 1/sqrt(D/H), GELU as the config names it ("gelu_new": the tanh form;
"gelu": the erf form), final LayerNorm, a head tied to wte (or lm_head.weight [V, D]).
The safetensors format is read and written here too (8-byte header size, JSON header, data), so
nothing but torch and numpy is needed.

  hf_gpt2.py [OUT]        creates a tiny random GPT-2 and writes, under OUT (default
                          tests/fixtures/hf_gpt2): tiny/ (F32, "transformer." names), tiny_f16/ (F16,
                          names without the prefix, with the attn.bias / attn.masked_bias buffers
                          older files carry), tiny_bf16/ (BF16), ids.npy (int64) and the logits of
                          each for those ids (float64 .npy): logits_f64 and logits_f32 (tiny/ computed
                          in double and in float), logits_f16, logits_bf16 (in double).
  hf_gpt2.py --check DIR  loads DIR strictly (every tensor the config calls for, nothing else, GPT-2
                          shapes) and, when DIR holds aib_ids.npy and aib_logits.npy (written by the
                          C++ test with AIB_HF_GPT2_EXPORT=DIR), checks its float logits against
                          them (max |diff| <= 1e-5). Exit status 0 when all is well.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
          "F64": torch.float64, "U8": torch.uint8}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        dt = DTYPES[e["dtype"]]
        raw = bytearray(data[b:end])
        t = torch.frombuffer(raw, dtype=dt) if raw else torch.empty(0, dtype=dt)
        out[name] = t.reshape(e["shape"]).clone()
    return out


def write_safetensors(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        raw = t.view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else \
            t.numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def expected_shapes(cfg):
    V, T, D, L = cfg["vocab_size"], cfg["n_positions"], cfg["n_embd"], cfg["n_layer"]
    Fh = cfg.get("n_inner") or 4 * D
    s = {"wte.weight": [V, D], "wpe.weight": [T, D], "ln_f.weight": [D], "ln_f.bias": [D]}
    for l in range(L):
        for k, v in {"ln_1.weight": [D], "ln_1.bias": [D], "attn.c_attn.weight": [D, 3 * D],
                     "attn.c_attn.bias": [3 * D], "attn.c_proj.weight": [D, D],
                     "attn.c_proj.bias": [D], "ln_2.weight": [D], "ln_2.bias": [D],
                     "mlp.c_fc.weight": [D, Fh], "mlp.c_fc.bias": [Fh],
                     "mlp.c_proj.weight": [Fh, D], "mlp.c_proj.bias": [D]}.items():
            s[f"h.{l}.{k}"] = v
    if not cfg.get("tie_word_embeddings", True):
        s["lm_head.weight"] = [V, D]
    return s


def load(dirname):
    """config and {short name: float64 tensor}, refusing anything missing, extra or misshapen."""
    with open(os.path.join(dirname, "config.json")) as f:
        cfg = json.load(f)
    assert cfg["model_type"] == "gpt2", cfg["model_type"]
    raw = read_safetensors(os.path.join(dirname, "model.safetensors"))
    want = expected_shapes(cfg)
    p = {}
    for name, t in raw.items():
        short = name[len("transformer."):] if name.startswith("transformer.") else name
        if short.endswith(".attn.bias") or short.endswith(".attn.masked_bias"):
            continue
        if short not in want:
            raise SystemExit(f"{dirname}: unexpected tensor {name}")
        if list(t.shape) != want[short]:
            raise SystemExit(f"{dirname}: {name} has shape {list(t.shape)}, want {want[short]}")
        p[short] = t.to(torch.float64)
    missing = set(want) - set(p)
    if missing:
        raise SystemExit(f"{dirname}: missing {sorted(missing)}")
    return cfg, p


def gelu(x, name):
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    assert name == "gelu", name
    return F.gelu(x)


def forward(cfg, p, ids, dtype):
    """GPT-2's logits (T, V) for one sequence of ids, computed in `dtype`."""
    p = {k: v.to(dtype) for k, v in p.items()}
    D, H = cfg["n_embd"], cfg["n_head"]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    act = cfg.get("activation_function", "gelu_new")
    T = len(ids)
    x = p["wte.weight"][ids] + p["wpe.weight"][:T]                       # (T, D)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    ln = lambda x, n: F.layer_norm(x, (D,), p[n + ".weight"], p[n + ".bias"], eps)
    conv1d = lambda x, n: torch.addmm(p[n + ".bias"], x, p[n + ".weight"])  # x @ W + b
    for l in range(cfg["n_layer"]):
        b = f"h.{l}"
        qkv = conv1d(ln(x, b + ".ln_1"), b + ".attn.c_attn")              # (T, 3D)
        q, k, v = (z.view(T, H, D // H).transpose(0, 1) for z in qkv.split(D, dim=1))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D // H)               # (H, T, T)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        a = (att @ v).transpose(0, 1).reshape(T, D)                        # (T, D)
        x = x + conv1d(a, b + ".attn.c_proj")
        x = x + conv1d(gelu(conv1d(ln(x, b + ".ln_2"), b + ".mlp.c_fc"), act), b + ".mlp.c_proj")
    x = ln(x, "ln_f")
    head = p["lm_head.weight"] if "lm_head.weight" in p else p["wte.weight"]  # (V, D)
    return x @ head.T                                                       # (T, V)


def save_dir(dirname, cfg, p, dtype, prefix=True, buffers=False):
    os.makedirs(dirname, exist_ok=True)
    with open(os.path.join(dirname, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    t = {}
    for k, v in p.items():
        t[("transformer." if prefix and k != "lm_head.weight" else "") + k] = v.to(dtype)
    if buffers:
        T = cfg["n_positions"]
        for l in range(cfg["n_layer"]):
            pre = "transformer." if prefix else ""
            t[f"{pre}h.{l}.attn.bias"] = torch.tril(torch.ones(T, T, dtype=torch.uint8)).view(
                1, 1, T, T)
            t[f"{pre}h.{l}.attn.masked_bias"] = torch.tensor(-1e4, dtype=torch.float32)
    write_safetensors(os.path.join(dirname, "model.safetensors"), t, {"format": "pt"})


def make(out):
    torch.manual_seed(2019)
    V, T, D, L, H = 300, 32, 8, 2, 2
    cfg = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
           "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": T, "n_embd": D,
           "n_head": H, "n_inner": None, "n_layer": L, "n_positions": T, "vocab_size": V,
           "tie_word_embeddings": True}
    p = {}
    for name, shape in expected_shapes(cfg).items():
        if name.endswith(".weight") and ("ln_" in name):
            p[name] = 1 + 0.1 * torch.randn(shape)
        elif name.endswith(".bias"):
            p[name] = 0.1 * torch.randn(shape)
        else:
            p[name] = torch.randn(shape) * (0.5 if name in ("wte.weight", "wpe.weight")
                                            else 1 / math.sqrt(shape[0]))
    p = {k: v.to(torch.float32) for k, v in p.items()}  # the model is its float32 values
    save_dir(os.path.join(out, "tiny"), cfg, p, torch.float32)
    save_dir(os.path.join(out, "tiny_f16"), cfg, p, torch.float16, prefix=False, buffers=True)
    save_dir(os.path.join(out, "tiny_bf16"), cfg, p, torch.bfloat16)
    ids = torch.tensor([5, 250, 17, 299, 0, 64, 128, 7, 7, 42, 101, 3], dtype=torch.int64)
    np.save(os.path.join(out, "ids.npy"), ids.numpy())
    _, p64 = load(os.path.join(out, "tiny"))
    np.save(os.path.join(out, "logits_f64.npy"), forward(cfg, p64, ids, torch.float64).numpy())
    np.save(os.path.join(out, "logits_f32.npy"),
            forward(cfg, p64, ids, torch.float32).to(torch.float64).numpy())
    for kind in ("f16", "bf16"):
        cfg_k, p_k = load(os.path.join(out, "tiny_" + kind))
        np.save(os.path.join(out, f"logits_{kind}.npy"),
                forward(cfg_k, p_k, ids, torch.float64).numpy())
    print(f"wrote {out}")


def check(dirname):
    cfg, p = load(dirname)
    print(f"{dirname}: loaded {len(p)} tensors (V {cfg['vocab_size']}, D {cfg['n_embd']}, "
          f"L {cfg['n_layer']}, activation {cfg.get('activation_function')}, tied "
          f"{cfg.get('tie_word_embeddings', True)})")
    ids_path = os.path.join(dirname, "aib_ids.npy")
    if os.path.exists(ids_path):
        ids = torch.from_numpy(np.load(ids_path)).to(torch.int64).reshape(-1)
        ours = torch.from_numpy(np.load(os.path.join(dirname, "aib_logits.npy"))).to(torch.float64)
        theirs = forward(cfg, p, ids, torch.float32).to(torch.float64)
        diff = (ours - theirs).abs().max().item()
        print(f"max |logits aibasics - logits PyTorch| = {diff:.3g} over {tuple(ours.shape)}")
        if not diff <= 1e-5:
            raise SystemExit("FAIL: logits differ by more than 1e-5")
    print("OK")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        make(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
            os.path.dirname(__file__), "..", "..", "tests", "fixtures", "hf_gpt2"))
