#!/usr/bin/python3
"""Reference values for aib/generative/vae.hpp from PyTorch (run with Debian's /usr/bin/python3).

Provenance: written for aibasics by tools/reference/vae.py with Debian's python3-torch 1.13 and
numpy 1.24, float64, seed torch.manual_seed(20261203); rerunning rewrites the same values.

The model is pytorch/examples' vae/main.py at a small size: encoder Linear(D, H) -> ReLU ->
Linear(H, 2Z) whose first Z outputs are mu and last Z are logvar (pytorch/examples has two
heads fc21, fc22: the same thing as one layer of 2Z outputs), z = mu + eps * exp(0.5 * logvar)
with a GIVEN eps, decoder Linear(Z, H) -> ReLU -> Linear(H, D). D = 12, H = 8, Z = 3, B = 5.
Loss = reconstruction + beta * KL, both summed over dimensions and divided by the batch size:
  bernoulli (beta 1.5): reconstruction = F.binary_cross_entropy_with_logits(out, x, 'sum') / B,
                        x grey values in [0, 1] (some exactly 0 or 1)
  gaussian (beta 1.0, sigma_x 0.5): reconstruction = -Normal(out, 0.5).log_prob(x).sum() / B
  KL = -0.5 * sum(1 + logvar - mu^2 - exp(logvar)) / B   (pytorch/examples' formula)
Files, per case <c> in {bernoulli, gaussian}: <c>_x (B, D), <c>_eps (B, Z), the parameters in
aibasics' layout (W is (in, out), the transpose of nn.Linear.weight): <c>_encoder.0.weight,
<c>_encoder.0.bias (1, H), <c>_encoder.2.*, <c>_decoder.0.*, <c>_decoder.2.*; the values
<c>_loss, <c>_reconstruction, <c>_kl (1, 1), <c>_z (B, Z), <c>_out (B, D), <c>_kl_per_dim (1, Z)
(the KL of each latent dimension averaged over the batch), and the gradient of the loss with
respect to every parameter, <c>_grad_<name>.

Usage: /usr/bin/python3 tools/reference/vae.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261203)
torch.set_default_dtype(torch.float64)
out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "torch", "vae")
os.makedirs(out_dir, exist_ok=True)

D, H, Z, B = 12, 8, 3, 5


def save(name, t):
    a = t.detach().numpy().astype(np.float64)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    np.save(os.path.join(out_dir, name + ".npy"), np.ascontiguousarray(a))


def case(name, likelihood, beta, sigma_x=1.0):
    enc0, enc2 = torch.nn.Linear(D, H), torch.nn.Linear(H, 2 * Z)
    dec0, dec2 = torch.nn.Linear(Z, H), torch.nn.Linear(H, D)
    layers = {"encoder.0": enc0, "encoder.2": enc2, "decoder.0": dec0, "decoder.2": dec2}
    if likelihood == "bernoulli":
        x = torch.rand(B, D)
        x[0, :4] = torch.tensor([0.0, 1.0, 1.0, 0.0])  # exact binary pixels too
    else:
        x = torch.randn(B, D) * 0.8 + 0.3
    eps = torch.randn(B, Z)

    h = enc2(F.relu(enc0(x)))
    mu, logvar = h[:, :Z], h[:, Z:]
    z = mu + eps * torch.exp(0.5 * logvar)
    out = dec2(F.relu(dec0(z)))
    if likelihood == "bernoulli":
        rec = F.binary_cross_entropy_with_logits(out, x, reduction="sum") / B
    else:
        rec = -torch.distributions.Normal(out, sigma_x).log_prob(x).sum() / B
    kl_terms = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())  # (B, Z)
    kl = kl_terms.sum() / B
    loss = rec + beta * kl
    loss.backward()

    save(f"{name}_x", x)
    save(f"{name}_eps", eps)
    for lname, layer in layers.items():
        save(f"{name}_{lname}.weight", layer.weight.t())
        save(f"{name}_{lname}.bias", layer.bias)
        save(f"{name}_grad_{lname}.weight", layer.weight.grad.t())
        save(f"{name}_grad_{lname}.bias", layer.bias.grad)
    save(f"{name}_loss", loss)
    save(f"{name}_reconstruction", rec)
    save(f"{name}_kl", kl)
    save(f"{name}_z", z)
    save(f"{name}_out", out)
    save(f"{name}_kl_per_dim", kl_terms.mean(0))
    print(f"{name}: loss {loss.item():.6f} = reconstruction {rec.item():.6f} + {beta} * KL {kl.item():.6f}")


case("bernoulli", "bernoulli", 1.5)
case("gaussian", "gaussian", 1.0, sigma_x=0.5)
print(f"wrote {out_dir} with torch {torch.__version__}, numpy {np.__version__}")
