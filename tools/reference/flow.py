#!/usr/bin/python3
"""PyTorch reference values for aib/generative/flow.hpp (RealNVP).

Run with Debian's python3-torch (the python3 on PATH has no torch):
    /usr/bin/python3 tools/reference/flow.py [OUT_DIR]
Writes tests/fixtures/torch/flow/*.npy, all float64, all 2-D. The model is the coupling of
shared/tools/peer-torch-generative's realnvp, smaller: 3 affine couplings on D = 2 with masks
alternating (coupling k keeps column k % 2), each net nn.Sequential(Linear(1, 8), ReLU,
Linear(8, 8), ReLU, Linear(8, 2)); s = tanh(raw_s) (bound 1), y_change = x_change * exp(s) + t,
standard-normal base, NLL = mean of -log p(x). The last layer's weights are scaled by 3 so that
the tanh bound is exercised (at init s would be nearly 0).
  couplings.<k>.net.<i>.weight (in, out), .bias (1, out)   the weights, in aibasics' layout
                                                           (torch's weight transposed)
  x (6, 2)                       the inputs
  c0_y (6, 2), c0_logdet (6, 1)  coupling 0 alone: its output and log|det J|
  z (6, 2), logdet (6, 1)        the whole flow
  log_prob (6, 1), nll (1, 1)    log p(x) per row and the mean negative log-likelihood
  grad.<parameter name>          dNLL/d(parameter), in aibasics' layout
  grad.x (6, 2)                  dNLL/dx
Rerunning rewrites the same values (fixed seed, float64, CPU).
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(20261203)
torch.set_default_dtype(torch.float64)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "torch", "flow")
os.makedirs(out, exist_ok=True)
H, K = 8, 3


def save(name, t):
    a = np.ascontiguousarray(t.detach().numpy().astype(np.float64))
    assert a.ndim == 2, name
    np.save(os.path.join(out, name + ".npy"), a)


class Coupling(nn.Module):  # as peer-torch-generative's realnvp
    def __init__(s, keep):
        super().__init__(); s.keep = keep
        s.net = nn.Sequential(nn.Linear(1, H), nn.ReLU(), nn.Linear(H, H), nn.ReLU(), nn.Linear(H, 2))

    def forward(s, x):
        xa, xb = x[:, s.keep:s.keep + 1], x[:, 1 - s.keep:2 - s.keep]
        st = s.net(xa); ls = torch.tanh(st[:, :1]); yb = xb * torch.exp(ls) + st[:, 1:]
        y = torch.cat((xa, yb), 1) if s.keep == 0 else torch.cat((yb, xa), 1)
        return y, ls.sum(1, keepdim=True)


layers = nn.ModuleList([Coupling(k % 2) for k in range(K)])
with torch.no_grad():
    for l in layers:
        l.net[4].weight.mul_(3.0)
for k, l in enumerate(layers):
    for i in (0, 2, 4):
        save(f"couplings.{k}.net.{i}.weight", l.net[i].weight.t())
        save(f"couplings.{k}.net.{i}.bias", l.net[i].bias.reshape(1, -1))

x = (torch.randn(6, 2) * 1.5).requires_grad_(True)
y0, ld0 = layers[0](x)
save("c0_y", y0); save("c0_logdet", ld0)
z, logdet = x, torch.zeros(6, 1)
for l in layers:
    z, ld = l(z); logdet = logdet + ld
log_prob = -0.5 * (z ** 2).sum(1, keepdim=True) - math.log(2 * math.pi) + logdet
nll = -log_prob.mean()
nll.backward()
save("x", x); save("z", z); save("logdet", logdet); save("log_prob", log_prob)
save("nll", nll.reshape(1, 1)); save("grad.x", x.grad)
for k, l in enumerate(layers):
    for i in (0, 2, 4):
        save(f"grad.couplings.{k}.net.{i}.weight", l.net[i].weight.grad.t())
        save(f"grad.couplings.{k}.net.{i}.bias", l.net[i].bias.grad.reshape(1, -1))
print(f"flow: nll {nll.item():.6f}, {len(os.listdir(out))} files in {out}")
