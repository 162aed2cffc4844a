#!/usr/bin/python3
"""The PyTorch side of bench_mlp: one training step of a 784-256-256-10 ReLU MLP, batch 64,
cross-entropy, plain SGD (lr 0.01), float32, on ONE thread. Prints the mean milliseconds per
step over --steps steps after 20 warm-up steps. Run by build/bin/bench_mlp; usable alone:
    /usr/bin/python3 bench/peer_torch_mlp.py --steps 200
One thread means one for OpenBLAS too: it keeps its own thread pool, which torch.set_num_threads()
does not limit, so the variables below are set before torch (and OpenBLAS with it) is loaded.
"""
import argparse
import os
import time

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import torch  # noqa: E402 (after the thread variables, on purpose)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=200)
a = p.parse_args()
torch.set_num_threads(1)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(64, 784)
y = torch.randint(0, 10, (64,))


def step():
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


for _ in range(20):
    step()
t0 = time.perf_counter()
for _ in range(a.steps):
    step()
print(f"{(time.perf_counter() - t0) / a.steps * 1e3:.4f}")
