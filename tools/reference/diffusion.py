#!/usr/bin/python3
"""Reference values for aib/generative/diffusion.hpp from PyTorch (run with Debian's /usr/bin/python3).

Provenance: written for aibasics by tools/reference/diffusion.py with Debian's python3-torch 1.13
and numpy 1.24, float64, seed torch.manual_seed(20261203); rerunning rewrites the same values.

The model is tiny-diffusion's (tanelp/tiny-diffusion, ddpm.py) at a small size: each of the D = 2
coordinates of x_t (scaled by 25) and the timestep t get a sinusoidal embedding of width E = 8,
[sin(v f_k) | cos(v f_k)], f_k = exp(-log(10000) k / (E/2 - 1)); concatenated (3E = 24) ->
Linear(24, H) -> GELU (exact, erf) -> 2 residual blocks x + GELU(Linear(H, H)(x)) -> Linear(H, D),
H = 6, B = 5. The schedule is linear, T = 50, betas linspace(1e-4, 0.02) rescaled by 1000/T
(0.002 ... 0.4), alpha_bar = cumprod(1 - beta). With GIVEN x0 (B, D), timesteps t in 1 ... T (B)
(the paper's numbering: alpha_bar[t] is the product of the first t factors; the network reads t
as a float) and eps (B, D): x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps,
loss = F.mse_loss(net(x_t, t), eps) (the mean over B*D).
Files: x0 (B, D), t (1, B), eps (B, D), xt (B, D), out (B, D), loss (1, 1), the parameters in
aibasics' layout (W is (in, out), the transpose of nn.Linear.weight; biases (1, out)) named as the
PyTorch module: mlp.0.weight, mlp.0.bias, mlp.2.ff.*, mlp.3.ff.*, mlp.4.*, and the gradient of the
loss with respect to each, grad_<name>.

Usage: /usr/bin/python3 tools/reference/diffusion.py [OUT_DIR]
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(20261203)
torch.set_default_dtype(torch.float64)
out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "torch", "diffusion")
os.makedirs(out_dir, exist_ok=True)

D, E, H, B, T = 2, 8, 6, 5, 50


def save(name, t):
    a = t.detach().numpy().astype(np.float64)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    np.save(os.path.join(out_dir, name + ".npy"), np.ascontiguousarray(a))


def sinusoidal(v, size, scale):
    v = v * scale
    half = size // 2
    f = torch.exp(-math.log(10000.0) * torch.arange(half) / (half - 1))
    e = v.unsqueeze(-1) * f.unsqueeze(0)
    return torch.cat((torch.sin(e), torch.cos(e)), dim=-1)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ff = nn.Linear(H, H)

    def forward(self, x):
        return x + F.gelu(self.ff(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(3 * E, H), nn.GELU(), Block(), Block(), nn.Linear(H, D))

    def forward(self, x, t):
        emb = torch.cat((sinusoidal(x[:, 0], E, 25.0), sinusoidal(x[:, 1], E, 25.0),
                         sinusoidal(t, E, 1.0)), dim=-1)
        return self.mlp(emb)


net = Net()
scale = 1000.0 / T
betas = torch.linspace(1e-4 * scale, 0.02 * scale, T)
abar = torch.cat((torch.ones(1), torch.cumprod(1 - betas, 0)))  # abar[0] = 1, abar[t] for t = 1 ... T
x0 = torch.randn(B, D) * 0.8
t = torch.tensor([1, 7, 25, 49, 50])
eps = torch.randn(B, D)
ab = abar[t].unsqueeze(1)
xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
out = net(xt, t.to(torch.float64))
loss = F.mse_loss(out, eps)
loss.backward()

save("x0", x0)
save("t", t.to(torch.float64))
save("eps", eps)
save("xt", xt)
save("out", out)
save("loss", loss)
for name, p in net.named_parameters():
    w = p.detach()
    g = p.grad
    if w.ndim == 2:
        w, g = w.t(), g.t()
    save(name, w)
    save("grad_" + name, g)
print("wrote", out_dir, "loss", loss.item())
