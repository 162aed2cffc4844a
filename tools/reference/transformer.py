#!/usr/bin/python3
"""PyTorch reference values for aib/nn/transformer.hpp (EncoderBlock, DecoderBlock with cross).

Run with Debian's python3-torch:
    /usr/bin/python3 tools/reference/transformer.py [OUT_DIR]
Writes tests/fixtures/torch/transformer/*.npy, all float64, all 2-D, batch of one (dropped).
Layers (float64, batch_first=True, dropout=0.0, activation="gelu" = the erf GELU, norm_first=True,
d_model D = 16, nhead H = 4, dim_feedforward F = 32), every weight and bias redrawn at random
(torch zero-inits biases and sets LayerNorm to 1/0; random values test them too):
  enc   torch.nn.TransformerEncoderLayer,  src (T = 5), the last 2 keys padded
        (src_key_padding_mask)
  dec   torch.nn.TransformerDecoderLayer,  tgt (U = 4) under a causal tgt_mask, memory (S = 6)
        with the last 2 positions padded (memory_key_padding_mask)
Parameters are saved in aibasics' layout and (GPT-2) names, <layer>_<name>.npy, e.g.
enc_attn.c_attn.weight: attn.c_attn.weight = self_attn.in_proj_weight transposed (D, 3D),
  attn.c_attn.bias (1, 3D), attn.c_proj.weight = self_attn.out_proj.weight transposed,
  mlp.c_fc.weight = linear1.weight transposed (D, F), mlp.c_proj.weight = linear2.weight
  transposed (F, D), biases as (1, n); ln_1 = norm1, ln_2 = norm2 (encoder) or norm3 (decoder);
  decoder: crossattention = multihead_attn, ln_cross_attn = norm2.
Per layer: <layer>_x (rows, D) input, dec_memory (S, D), <layer>_valid (1, keys) 1 = real key,
<layer>_y the output, <layer>_R the weights of L = sum(R * y), <layer>_dx (and dec_dmemory),
<layer>_d<name> dL/d(parameter) in aibasics' layout.
Rerunning rewrites the same values (fixed seed, float64, CPU).
"""
import os
import sys

import numpy as np
import torch

torch.manual_seed(20261129)
torch.set_default_dtype(torch.float64)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "torch",
    "transformer")
os.makedirs(out, exist_ok=True)

D, H, F = 16, 4, 32


def save(name, t):
    a = np.ascontiguousarray(t.detach().numpy().astype(np.float64))
    if a.ndim == 1:
        a = a.reshape(1, -1)
    assert a.ndim == 2, name
    np.save(os.path.join(out, name + ".npy"), a)


def aib_params(mods):
    """(aibasics name, torch tensor, transpose?) for the layer's parameters."""
    out = []
    for prefix, mod, kind in mods:
        if kind == "norm":
            out += [(prefix + ".weight", mod.weight, False), (prefix + ".bias", mod.bias, False)]
        elif kind == "attn":
            out += [(prefix + ".c_attn.weight", mod.in_proj_weight, True),
                    (prefix + ".c_attn.bias", mod.in_proj_bias, False),
                    (prefix + ".c_proj.weight", mod.out_proj.weight, True),
                    (prefix + ".c_proj.bias", mod.out_proj.bias, False)]
        else:  # linear
            out += [(prefix + ".weight", mod.weight, True), (prefix + ".bias", mod.bias, False)]
    return out


def randomize(layer):
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(0.3 * torch.randn_like(p))


def dump(tag, layer, params, tensors, y):
    R = torch.randn_like(y)
    layer.zero_grad()
    (R * y).sum().backward()
    save(f"{tag}_y", y)
    save(f"{tag}_R", R)
    for name, t in tensors.items():
        save(f"{tag}_{name}", t)
        save(f"{tag}_d{name}", t.grad)
    for name, p, tr in params:
        save(f"{tag}_{name}", p.t() if tr else p)
        save(f"{tag}_d{name}", p.grad.t() if tr else p.grad)


# ---- Encoder layer ----
enc = torch.nn.TransformerEncoderLayer(D, H, dim_feedforward=F, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True)
randomize(enc)
with torch.no_grad():  # LayerNorm gains near 1
    enc.norm1.weight.add_(1.0)
    enc.norm2.weight.add_(1.0)
enc.train()  # the slow (reference) path; dropout is 0
T, valid = 5, 3
x = torch.randn(T, D).requires_grad_(True)
pad = (torch.arange(T) >= valid).reshape(1, T)
y = enc(x[None], src_key_padding_mask=pad)[0]
save("enc_valid", (~pad).to(torch.float64))
dump("enc", enc, aib_params([("ln_1", enc.norm1, "norm"), ("attn", enc.self_attn, "attn"),
                             ("ln_2", enc.norm2, "norm"), ("mlp.c_fc", enc.linear1, "linear"),
                             ("mlp.c_proj", enc.linear2, "linear")]), {"x": x}, y)

# ---- Decoder layer with cross-attention ----
dec = torch.nn.TransformerDecoderLayer(D, H, dim_feedforward=F, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True)
randomize(dec)
with torch.no_grad():
    for n in (dec.norm1, dec.norm2, dec.norm3):
        n.weight.add_(1.0)
dec.train()
U, S, mem_valid = 4, 6, 4
x = torch.randn(U, D).requires_grad_(True)
memory = torch.randn(S, D).requires_grad_(True)
causal = torch.triu(torch.ones(U, U, dtype=torch.bool), diagonal=1)  # True = masked in torch
mem_pad = (torch.arange(S) >= mem_valid).reshape(1, S)
y = dec(x[None], memory[None], tgt_mask=causal, memory_key_padding_mask=mem_pad)[0]
save("dec_valid", (~mem_pad).to(torch.float64))
dump("dec", dec, aib_params([("ln_1", dec.norm1, "norm"), ("attn", dec.self_attn, "attn"),
                             ("ln_cross_attn", dec.norm2, "norm"),
                             ("crossattention", dec.multihead_attn, "attn"),
                             ("ln_2", dec.norm3, "norm"), ("mlp.c_fc", dec.linear1, "linear"),
                             ("mlp.c_proj", dec.linear2, "linear")]), {"x": x, "memory": memory}, y)

print(f"wrote {out} with torch {torch.__version__}, numpy {np.__version__}")
