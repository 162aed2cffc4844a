#!/usr/bin/python3
"""PyTorch reference values for aib/nn/attention.hpp (MultiHeadAttention).

Run with Debian's python3-torch (the python3 on PATH has no torch):
    /usr/bin/python3 tools/reference/attention.py [OUT_DIR]
Writes tests/fixtures/torch/attention/*.npy, all float64, all 2-D. One torch.nn.MultiheadAttention
(embed_dim D = 16, num_heads H = 4, bias=True, batch_first=True, float64) with fixed weights:
  Wqkv (D, 3D), bqkv (1, 3D)   in_proj_weight transposed (torch applies x·Wᵀ, aibasics x·W) and
                               in_proj_bias; columns [0, D) are W_q, [D, 2D) W_k, [2D, 3D) W_v
  Wo (D, D), bo (1, D)         out_proj.weight transposed and out_proj.bias
Per case <c> (batch of one, the batch dimension dropped):
  <c>_xq (Tq, D), <c>_xkv (Tk, D)  query input and key/value input (the same tensor for self-attention)
  <c>_allowed (Tq, Tk)             1 where query i may attend to key j (aibasics' mask convention)
  <c>_y (Tq, D)                    the output
  <c>_w (Tq, Tk)                   attention weights averaged over heads (average_attn_weights=True)
  <c>_w<h> (Tq, Tk), h = 0..H-1    the weights of head h (average_attn_weights=False)
  <c>_R (Tq, D)                    the weights of the objective L = sum(R * y)
  <c>_dxq, <c>_dxkv                dL/d(inputs) (self-attention: only dxq, the total dL/dx)
  <c>_dWqkv, <c>_dbqkv, <c>_dWo, <c>_dbo  dL/d(parameters), in aibasics' layout
Cases: self (T = 5, no mask), self_causal (causal mask), self_causal_pad (causal and the last two
keys padded), cross (Tq = 4, Tk = 6, no mask), cross_pad (keys 4 and 5 padded).
Rerunning rewrites the same values (fixed seed, float64, CPU).
"""
import os
import sys

import numpy as np
import torch

torch.manual_seed(20261201)
torch.set_default_dtype(torch.float64)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "torch",
    "attention")
os.makedirs(out, exist_ok=True)

D, H = 16, 4


def save(name, t):
    a = np.ascontiguousarray(t.detach().numpy().astype(np.float64))
    assert a.ndim == 2, name
    np.save(os.path.join(out, name + ".npy"), a)


mha = torch.nn.MultiheadAttention(D, H, bias=True, batch_first=True, dtype=torch.float64)
with torch.no_grad():  # torch zeroes the biases by default; random ones test them too
    mha.in_proj_bias.copy_(0.1 * torch.randn(3 * D))
    mha.out_proj.bias.copy_(0.1 * torch.randn(D))
save("Wqkv", mha.in_proj_weight.t())
save("bqkv", mha.in_proj_bias.reshape(1, -1))
save("Wo", mha.out_proj.weight.t())
save("bo", mha.out_proj.bias.reshape(1, -1))


def case(name, Tq, Tk, self_attention, causal=False, valid_keys=None):
    xq = torch.randn(Tq, D)
    xkv = xq if self_attention else torch.randn(Tk, D)
    xq = xq.clone().requires_grad_(True)
    xkv = xq if self_attention else xkv.clone().requires_grad_(True)
    # torch's bool masks are True where attention is NOT allowed.
    attn_mask = torch.triu(torch.ones(Tq, Tk, dtype=torch.bool), diagonal=1) if causal else None
    key_padding = None
    if valid_keys is not None:
        key_padding = torch.arange(Tk).reshape(1, Tk) >= valid_keys  # (1, Tk)
    blocked = torch.zeros(Tq, Tk, dtype=torch.bool)
    if attn_mask is not None:
        blocked |= attn_mask
    if key_padding is not None:
        blocked |= key_padding
    assert not blocked.all(dim=1).any(), "a fully masked row would be NaN in torch 1.13"

    mha.zero_grad()
    y, w = mha(xq[None], xkv[None], xkv[None], attn_mask=attn_mask, key_padding_mask=key_padding,
               need_weights=True, average_attn_weights=True)
    with torch.no_grad():
        _, w_heads = mha(xq[None], xkv[None], xkv[None], attn_mask=attn_mask,
                         key_padding_mask=key_padding, need_weights=True,
                         average_attn_weights=False)
    y = y[0]
    R = torch.randn_like(y)
    (R * y).sum().backward()

    save(f"{name}_xq", xq)
    save(f"{name}_xkv", xkv)
    save(f"{name}_allowed", (~blocked).to(torch.float64))
    save(f"{name}_y", y)
    save(f"{name}_w", w[0])
    for h in range(H):
        save(f"{name}_w{h}", w_heads[0, h])
    save(f"{name}_R", R)
    save(f"{name}_dxq", xq.grad)
    if not self_attention:
        save(f"{name}_dxkv", xkv.grad)
    save(f"{name}_dWqkv", mha.in_proj_weight.grad.t())
    save(f"{name}_dbqkv", mha.in_proj_bias.grad.reshape(1, -1))
    save(f"{name}_dWo", mha.out_proj.weight.grad.t())
    save(f"{name}_dbo", mha.out_proj.bias.grad.reshape(1, -1))


case("self", 5, 5, True)
case("self_causal", 5, 5, True, causal=True)
case("self_causal_pad", 5, 5, True, causal=True, valid_keys=3)
case("cross", 4, 6, False)
case("cross_pad", 4, 6, False, valid_keys=4)

print(f"wrote {out} with torch {torch.__version__}, numpy {np.__version__}")
