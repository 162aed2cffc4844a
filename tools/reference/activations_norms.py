#!/usr/bin/python3
"""PyTorch reference values for aib/autograd/activations.hpp and norms.hpp.

Run with Debian's python3-torch (the python3 on PATH has no torch):
    /usr/bin/python3 tools/reference/activations_norms.py [OUT_DIR]
Writes tests/fixtures/torch/activations_norms/<case>_<name>.npy, all float64, all 2-D:
  <case>_x, <case>_gamma, <case>_beta   inputs (gamma/beta only for the norms), (4, 6) / (1, 6)
  <case>_y                              the output f(x), (4, 6)
  <case>_R                              the weights of the objective L = sum(R * y), (4, 6)
  <case>_dx, <case>_dgamma, <case>_dbeta  dL/d(input), from torch.autograd
Rerunning rewrites the same values (fixed seed, float64, CPU).
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261130)
torch.set_default_dtype(torch.float64)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "torch",
    "activations_norms")
os.makedirs(out, exist_ok=True)


def save(name, t):
    a = t.detach().numpy().astype(np.float64)
    assert a.ndim == 2, name
    np.save(os.path.join(out, name + ".npy"), a)


def case(name, inputs, f):
    """inputs: dict name -> tensor, in f's argument order. Saves inputs, y, R and gradients."""
    ins = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    y = f(*ins.values())
    R = torch.randn_like(y)
    (R * y).sum().backward()
    for k, v in ins.items():
        save(f"{name}_{k}", v)
        save(f"{name}_d{k}", v.grad)
    save(f"{name}_y", y)
    save(f"{name}_R", R)


# x (4, 6): standard normal times 2, pushed away from 0 so that every |x| >= 0.1 (ReLU's kink);
# row 3 is scaled by 8 more (entries up to ±18) to exercise saturated tails and a peaked softmax.
x = torch.randn(4, 6) * 2
x = torch.sign(x) * (x.abs() + 0.1)
x[3] *= 8
assert x.abs().min() >= 0.1
gamma = 1 + 0.5 * torch.randn(1, 6)  # (1, 6), around 1 as a trained gain would be
beta = 0.5 * torch.randn(1, 6)       # (1, 6)


def layer_norm(x, gamma, beta, eps):
    return F.layer_norm(x, (x.shape[1],), gamma.reshape(-1), beta.reshape(-1), eps)


def rms_norm(x, gamma, eps):
    # torch 1.13 has no rms_norm: written with torch ops and differentiated by torch's autograd.
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * gamma


case("sigmoid", {"x": x}, torch.sigmoid)
case("relu", {"x": x}, F.relu)
case("gelu", {"x": x}, lambda x: F.gelu(x, approximate="none"))
case("gelu_tanh", {"x": x}, lambda x: F.gelu(x, approximate="tanh"))
case("silu", {"x": x}, F.silu)
case("softmax", {"x": x}, lambda x: F.softmax(x, dim=1))
case("log_softmax", {"x": x}, lambda x: F.log_softmax(x, dim=1))
case("layernorm", {"x": x, "gamma": gamma, "beta": beta},
     lambda x, gamma, beta: layer_norm(x, gamma, beta, 1e-5))
case("rmsnorm", {"x": x, "gamma": gamma}, lambda x, gamma: rms_norm(x, gamma, 1e-6))
# A large eps (0.5) tells apart "eps inside the square root" from any other placement.
case("layernorm_eps", {"x": x, "gamma": gamma, "beta": beta},
     lambda x, gamma, beta: layer_norm(x, gamma, beta, 0.5))
case("rmsnorm_eps", {"x": x, "gamma": gamma}, lambda x, gamma: rms_norm(x, gamma, 0.5))

print(f"wrote {os.path.normpath(out)} with torch {torch.__version__}, numpy {np.__version__}, "
      f"python {sys.version.split()[0]}")
