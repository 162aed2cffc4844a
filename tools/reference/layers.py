#!/usr/bin/python3
"""Reference values for aib/nn layers from PyTorch (run with Debian's /usr/bin/python3).

Writes tests/fixtures/torch/layers/*.npy (float64): for Linear, a two-layer GELU MLP and a
SwiGLU feed-forward block, the input x, the parameters in aibasics' layout (W is (D_in, D_out),
the transpose of torch's nn.Linear.weight), the output y, the weight R of the objective
L = sum(R * y), and dL/dx and dL/dparameter for every parameter.

Usage: /usr/bin/python3 tools/reference/layers.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261128)
torch.set_default_dtype(torch.float64)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "torch", "layers")
os.makedirs(out, exist_ok=True)


def save(name, t):
    np.save(os.path.join(out, name + ".npy"), t.detach().numpy().astype(np.float64))


def case(prefix, x, params, forward):
    """params: dict name -> tensor in aibasics layout (requires_grad set here)."""
    x = x.clone().requires_grad_(True)
    ps = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    y = forward(x, ps)
    R = torch.randn_like(y)
    (R * y).sum().backward()
    save(f"{prefix}_x", x)
    save(f"{prefix}_y", y)
    save(f"{prefix}_R", R)
    save(f"{prefix}_dx", x.grad)
    for k, v in ps.items():
        save(f"{prefix}_{k}", v)
        save(f"{prefix}_d{k}", v.grad)


# Linear: torch.nn.functional.linear(x, weight (out, in), bias) with weight = W^T.
T, D_in, D_out = 5, 4, 3
case("linear", torch.randn(T, D_in),
     {"W": torch.randn(D_in, D_out) * 0.5, "b": torch.randn(1, D_out) * 0.1},
     lambda x, p: F.linear(x, p["W"].t(), p["b"].reshape(-1)))

# MLP: Linear(D, 4D) -> GELU (erf form) -> Linear(4D, D), as in GPT-2's block.
D = 6
case("mlp", torch.randn(T, D),
     {"W1": torch.randn(D, 4 * D) * 0.3, "b1": torch.randn(1, 4 * D) * 0.1,
      "W2": torch.randn(4 * D, D) * 0.3, "b2": torch.randn(1, D) * 0.1},
     lambda x, p: F.linear(F.gelu(F.linear(x, p["W1"].t(), p["b1"].reshape(-1))),
                           p["W2"].t(), p["b2"].reshape(-1)))

# SwiGLU feed-forward (Shazeer 2020; LLaMA's layout, no biases):
#   y = (silu(x Wg) * (x Wu)) Wd, hidden width F = 16 here.
F_ = 16
case("swiglu", torch.randn(T, D),
     {"Wg": torch.randn(D, F_) * 0.3, "Wu": torch.randn(D, F_) * 0.3, "Wd": torch.randn(F_, D) * 0.3},
     lambda x, p: (F.silu(x @ p["Wg"]) * (x @ p["Wu"])) @ p["Wd"])

print(f"wrote {out} with torch {torch.__version__}, numpy {np.__version__}")
