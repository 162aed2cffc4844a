#!/usr/bin/python3
"""Reference values for aib/generative/gan.hpp from PyTorch (run with Debian's /usr/bin/python3).

Provenance: written for aibasics by tools/reference/gan.py with Debian's python3-torch 1.13 and
numpy 1.24, float64, seed torch.manual_seed(20261203); rerunning rewrites the same values.

A small GAN: generator Linear(Z, H) -> ReLU -> Linear(H, D), discriminator Linear(m*D, H2) ->
ReLU -> Linear(H2, 1), Z = 3, H = 6, D = 2, H2 = 5, a batch of B = 6 real rows and 6 noise rows.
With pack size m the discriminator sees x.reshape(B // m, m * D): m consecutive samples side by
side (PacGAN). The losses, each from logits with F.binary_cross_entropy_with_logits (mean):
  d_loss      = BCE(D(pack(real)), 1) + BCE(D(pack(G(z).detach())), 0)      = -V(D, G)
  g_minimax   = -BCE(D(pack(G(z))), 0)   = mean log(1 - D(G(z)))
  g_nonsat    =  BCE(D(pack(G(z))), 1)   = -mean log D(G(z))
Files, per case <c> in {plain (m = 1), pack2 (m = 2)}: <c>_real (B, D), <c>_z (B, Z), the
parameters in aibasics' layout (W is (in, out), the transpose of nn.Linear.weight):
<c>_generator.0.weight, <c>_generator.0.bias (1, H), <c>_generator.2.*, <c>_discriminator.0.*,
<c>_discriminator.2.*; the values <c>_fake (B, D), <c>_real_logits, <c>_fake_logits (B/m, 1),
<c>_d_loss, <c>_g_minimax, <c>_g_nonsat (1, 1); the gradient of d_loss with respect to every
discriminator parameter, <c>_grad_d_<name>, and of each generator loss with respect to every
generator parameter, <c>_grad_minimax_<name> and <c>_grad_nonsat_<name>.

Usage: /usr/bin/python3 tools/reference/gan.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261203)
torch.set_default_dtype(torch.float64)
out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "torch", "gan")
os.makedirs(out_dir, exist_ok=True)

Z, H, D, H2, B = 3, 6, 2, 5, 6


def save(name, t):
    a = t.detach().numpy().astype(np.float64)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    np.save(os.path.join(out_dir, name + ".npy"), np.ascontiguousarray(a))


def case(name, m):
    g0, g2 = torch.nn.Linear(Z, H), torch.nn.Linear(H, D)
    d0, d2 = torch.nn.Linear(m * D, H2), torch.nn.Linear(H2, 1)
    with torch.no_grad():  # a discriminator that is sure of itself: logits of several units
        d2.weight.mul_(4.0)
    G = lambda z: g2(F.relu(g0(z)))
    Dn = lambda x: d2(F.relu(d0(x.reshape(B // m, m * D))))
    gen = {"generator.0": g0, "generator.2": g2}
    dis = {"discriminator.0": d0, "discriminator.2": d2}
    real = torch.randn(B, D) * 1.4
    z = torch.randn(B, Z)

    fake = G(z)
    real_logits, fake_logits = Dn(real), Dn(fake.detach())
    d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) +
              F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    dparams = [p for l in dis.values() for p in (l.weight, l.bias)]
    gparams = [p for l in gen.values() for p in (l.weight, l.bias)]
    grad_d = torch.autograd.grad(d_loss, dparams)
    logits = Dn(fake)
    g_minimax = -F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))
    g_nonsat = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    grad_mm = torch.autograd.grad(g_minimax, gparams, retain_graph=True)
    grad_ns = torch.autograd.grad(g_nonsat, gparams)

    save(f"{name}_real", real)
    save(f"{name}_z", z)
    for i, (lname, layer) in enumerate(dis.items()):
        save(f"{name}_{lname}.weight", layer.weight.t())
        save(f"{name}_{lname}.bias", layer.bias)
        save(f"{name}_grad_d_{lname}.weight", grad_d[2 * i].t())
        save(f"{name}_grad_d_{lname}.bias", grad_d[2 * i + 1])
    for i, (lname, layer) in enumerate(gen.items()):
        save(f"{name}_{lname}.weight", layer.weight.t())
        save(f"{name}_{lname}.bias", layer.bias)
        save(f"{name}_grad_minimax_{lname}.weight", grad_mm[2 * i].t())
        save(f"{name}_grad_minimax_{lname}.bias", grad_mm[2 * i + 1])
        save(f"{name}_grad_nonsat_{lname}.weight", grad_ns[2 * i].t())
        save(f"{name}_grad_nonsat_{lname}.bias", grad_ns[2 * i + 1])
    save(f"{name}_fake", fake)
    save(f"{name}_real_logits", real_logits)
    save(f"{name}_fake_logits", fake_logits)
    save(f"{name}_d_loss", d_loss)
    save(f"{name}_g_minimax", g_minimax)
    save(f"{name}_g_nonsat", g_nonsat)
    print(f"{name} (m = {m}): d_loss {d_loss.item():.6f}, g_minimax {g_minimax.item():.6f}, "
          f"g_nonsat {g_nonsat.item():.6f}, fake logits {fake_logits.flatten().tolist()}")


case("plain", 1)
case("pack2", 2)
print(f"wrote {out_dir} with torch {torch.__version__}, numpy {np.__version__}")
