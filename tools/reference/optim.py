#!/usr/bin/python3
"""Reference trajectories for aib/autograd/optim.hpp from PyTorch (run with Debian's /usr/bin/python3).

A fixed problem: parameters W (3, 4) and b (1, 4), data X (5, 3) and Y (5, 4), loss
    L(W, b) = 1/2 * sum((X W + b - Y)^2) + 1/4 * sum(W^4)
(quadratic plus quartic, so the gradient is not linear in the parameters). Each configuration
below runs 10 steps of a torch.optim optimizer in float64 and records the parameters after every
step. A third parameter, `frozen` (2, 2), sits in every optimizer's list but never enters the
loss: PyTorch skips it (its .grad stays None), so it must never change.

Writes tests/fixtures/torch/optim/*.npy (float64):
  W0 (3, 4), b0 (1, 4), X (5, 3), Y (5, 4)      initial parameters and the loss's constants
  <config>_W (10, 12)   row k = W after step k+1, flattened in C (row-major) order
  <config>_b (10, 4)    row k = b after step k+1
  <config>_loss (10,)   the loss before step k+1
  sgd_clip_norm (10,)   clip_grad_norm_'s return value (total norm before clipping) at each step
  adam_schedule_lr (10,) the learning rate used at each step
Configurations: see CONFIGS. `adam_partial` leaves b out of the loss at steps 1, 4, 7 (0-based)
and clears gradients with zero_grad(set_to_none=True), so b has no gradient there: Adam skips
it, and b's own step count (used in the bias correction) falls behind W's.

Usage: /usr/bin/python3 tools/reference/optim.py [OUT_DIR]
"""
import math
import os
import sys

import numpy as np
import torch

torch.manual_seed(20261129)
torch.set_default_dtype(torch.float64)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "torch", "optim")
os.makedirs(out, exist_ok=True)

STEPS = 10


def save(name, a):
    a = a.detach().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    np.save(os.path.join(out, name + ".npy"), a.astype(np.float64))


X = torch.randn(5, 3)
Y = torch.randn(5, 4)
W0 = torch.randn(3, 4) * 0.5
b0 = torch.randn(1, 4) * 0.1
save("X", X)
save("Y", Y)
save("W0", W0)
save("b0", b0)


def loss_fn(W, b, use_b=True):
    r = X @ W - Y
    if use_b:
        r = r + b
    return 0.5 * (r ** 2).sum() + 0.25 * (W ** 4).sum()


def linear_warmup_cosine(step, warmup_steps, total_steps, lr_max, lr_min=0.0):
    """Linear 0 -> lr_max over warmup_steps, then cosine from lr_max down to lr_min at
    total_steps (Hugging Face's get_cosine_schedule_with_warmup, with a floor lr_min)."""
    if step < warmup_steps:
        return lr_max * step / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress))


# The schedule's cosine part must be torch's CosineAnnealingLR (checked here, not assumed).
_p = torch.zeros(1, requires_grad=True)
_o = torch.optim.SGD([_p], lr=0.1)
_s = torch.optim.lr_scheduler.CosineAnnealingLR(_o, T_max=7, eta_min=0.01)
for k in range(8):
    assert abs(_o.param_groups[0]["lr"] - linear_warmup_cosine(3 + k, 3, 10, 0.1, 0.01)) < 1e-15
    _o.step()
    _s.step()

SCHEDULE = dict(warmup_steps=3, total_steps=10, lr_max=0.1, lr_min=0.01)

# name -> (optimizer factory, options). The C++ test (tests/test_optim.cpp) repeats this table.
CONFIGS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    "sgd_dampening": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.5),
    "sgd_nesterov_wd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True,
                                                 weight_decay=0.1),
    "sgd_clip": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5),
    "adam": lambda p: torch.optim.Adam(p, lr=0.05),
    "adam_wd": lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6,
                                          weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1),
    "adam_schedule": lambda p: torch.optim.Adam(p, lr=0.0),
    "adam_partial": lambda p: torch.optim.Adam(p, lr=0.05),
}
CLIP_MAX_NORM = 4.0
PARTIAL_SKIP = {1, 4, 7}  # steps at which b is not in the loss (adam_partial)

for name, make in CONFIGS.items():
    W = W0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    frozen = torch.ones(2, 2, requires_grad=True)
    opt = make([W, b, frozen])
    Ws, bs, losses, norms, lrs = [], [], [], [], []
    for k in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(W, b, use_b=not (name == "adam_partial" and k in PARTIAL_SKIP))
        loss.backward()
        losses.append(loss.item())
        if name == "sgd_clip":
            norms.append(torch.nn.utils.clip_grad_norm_([W, b, frozen], CLIP_MAX_NORM).item())
        if name == "adam_schedule":
            lr = linear_warmup_cosine(k, **SCHEDULE)
            for g in opt.param_groups:
                g["lr"] = lr
            lrs.append(lr)
        opt.step()
        Ws.append(W.detach().clone().reshape(-1))
        bs.append(b.detach().clone().reshape(-1))
    assert frozen.grad is None and torch.equal(frozen, torch.ones(2, 2)), name
    save(f"{name}_W", torch.stack(Ws))
    save(f"{name}_b", torch.stack(bs))
    save(f"{name}_loss", losses)
    if norms:
        assert min(norms) < CLIP_MAX_NORM < max(norms), norms  # both branches of the clip
        save(f"{name}_norm", norms)
    if lrs:
        save(f"{name}_lr", lrs)
    print(f"{name:16s} loss {losses[0]:.6f} -> {losses[-1]:.6f}")

print(f"wrote {out} with torch {torch.__version__}, numpy {np.__version__}")
