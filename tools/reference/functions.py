#!/usr/bin/python3
"""Reference values for aib/autograd activations, norms and losses from PyTorch.

Run with Debian's python3-torch: /usr/bin/python3 tools/reference/functions.py [OUT_DIR]
Writes tests/fixtures/torch/functions/<case>_<name>.npy, float64. For every case: the inputs
(in0, in1, ...), the output y, the weights R of the objective L = sum(R * y) (R = 1 for the
scalar losses) and the gradients d_in0, d_in1, ... of L. Integer targets are saved as int64.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(7)
torch.set_default_dtype(torch.float64)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "torch", "functions")
os.makedirs(out, exist_ok=True)


def save(name, t):
    np.save(os.path.join(out, name + ".npy"), t.detach().numpy())


def case(name, inputs, f, extra=None):
    ins = [t.clone().requires_grad_(True) for t in inputs]
    y = f(*ins)
    R = torch.randn_like(y) if y.numel() > 1 else torch.ones_like(y)
    (R * y).sum().backward()
    for i, t in enumerate(ins):
        save(f"{name}_in{i}", t)
        save(f"{name}_d_in{i}", t.grad)
    save(f"{name}_y", y.reshape(y.shape[0] if y.dim() else 1, -1))
    save(f"{name}_R", R.reshape(R.shape[0] if R.dim() else 1, -1))
    for k, v in (extra or {}).items():
        save(f"{name}_{k}", v)


x = torch.randn(4, 6) * 2
case("gelu", [x], lambda a: F.gelu(a))
case("gelu_tanh", [x], lambda a: F.gelu(a, approximate="tanh"))
case("silu", [x], F.silu)
case("sigmoid", [x], torch.sigmoid)
case("relu", [x], F.relu)  # no entry of x is within 0.1 of the kink (checked below)
assert x.abs().min() > 0.01
case("softmax", [x], lambda a: F.softmax(a, dim=1))
case("log_softmax", [x], lambda a: F.log_softmax(a, dim=1))
g, b = torch.randn(1, 6), torch.randn(1, 6)
case("layernorm", [x, g, b], lambda a, w, c: F.layer_norm(a, (6,), w.reshape(-1), c.reshape(-1), 1e-5))
# torch 1.13 has no rms_norm: written with torch ops, differentiated by torch's autograd.
case("rmsnorm", [x, g], lambda a, w: a * torch.rsqrt(a.pow(2).mean(-1, keepdim=True) + 1e-6) * w)

targets = torch.tensor([2, 0, 5, 3])
case("cross_entropy", [x], lambda a: F.cross_entropy(a, targets).reshape(1, 1), {"targets": targets})
ignored = torch.tensor([2, -100, 5, -100])
case("cross_entropy_ignore", [x], lambda a: F.cross_entropy(a, ignored, ignore_index=-100).reshape(1, 1),
     {"targets": ignored})
case("mse", [x, torch.randn(4, 6)], lambda a, t: F.mse_loss(a, t).reshape(1, 1))
case("bce", [x, torch.rand(4, 6)], lambda a, t: F.binary_cross_entropy_with_logits(a, t).reshape(1, 1))
mu, logvar = torch.randn(3, 5), torch.randn(3, 5) * 0.5
N01 = torch.distributions.Normal(0.0, 1.0)
case("kl", [mu, logvar], lambda m, lv: torch.distributions.kl_divergence(
    torch.distributions.Normal(m, torch.exp(0.5 * lv)), N01).sum(1).mean().reshape(1, 1))
print(f"wrote {out} with torch {torch.__version__}, numpy {np.__version__}")
