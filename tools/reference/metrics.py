#!/usr/bin/python3
"""Reference values for aib/generative/metrics.hpp from scipy, scikit-learn and numpy.

Run with Debian's /usr/bin/python3 (python3-scipy, python3-numpy, python3-sklearn). Writes
tests/fixtures/metrics/*.npy: float32 inputs (the C++ test reads exactly these floats) and float64
expected values computed in float64 from those floats, each metric by an independent route:
  - distances: scipy.spatial.distance.pdist / cdist;
  - MMD² (unbiased, RBF exp(-d²/(2h²)), h = np.median(pdist(pooled))): kernel matrices from cdist;
  - energy distance D² (biased V- and unbiased U-statistic) from cdist; for 1-D samples D is also
    checked against scipy.stats.energy_distance;
  - sliced Wasserstein with the stored directions: p = 1 slices from scipy.stats.wasserstein_distance;
    p = 2 slices from numpy sorting (equal sizes) or the exact integral of the two empirical quantile
    functions on the merged grid of breakpoints (unequal sizes), itself checked at p = 1 against scipy;
  - k-NN precision/recall (k = 3): radii from sklearn.neighbors.NearestNeighbors (k + 1 neighbours,
    the first being the point itself), membership from cdist <= radius;
  - mode coverage: nearest centre by cdist + argmin, 3σ ball, histogram, KL(q || uniform).

Usage: /usr/bin/python3 tools/reference/metrics.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import scipy
import scipy.stats
import sklearn
from scipy.spatial.distance import cdist, pdist
from sklearn.neighbors import NearestNeighbors

SEED = 20261203
K_NN = 3
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "metrics")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(SEED)


def save(name, a):
    np.save(os.path.join(out, name + ".npy"), a)


def scalar(name, v):
    save(name, np.float64(v))


def mmd2_unbiased(x, y):
    h = np.median(pdist(np.vstack([x, y])))
    kxx = np.exp(-cdist(x, x, "sqeuclidean") / (2 * h * h))
    kyy = np.exp(-cdist(y, y, "sqeuclidean") / (2 * h * h))
    kxy = np.exp(-cdist(x, y, "sqeuclidean") / (2 * h * h))
    n, m = len(x), len(y)
    return h, ((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
               - 2 * kxy.mean())


def energy2(x, y, unbiased):
    n, m = len(x), len(y)
    dxx, dyy = cdist(x, x).sum(), cdist(y, y).sum()  # diagonals are 0
    if unbiased:
        return 2 * cdist(x, y).mean() - dxx / (n * (n - 1)) - dyy / (m * (m - 1))
    return 2 * cdist(x, y).mean() - dxx / (n * n) - dyy / (m * m)


def w_pow_quantile_grid(u, v, p):
    """∫0^1 |F^-1(t) - G^-1(t)|^p dt for the empirical quantile functions (step functions)."""
    u, v = np.sort(u), np.sort(v)
    m, n = len(u), len(v)
    t = np.union1d(np.arange(1, m + 1) / m, np.arange(1, n + 1) / n)
    widths = np.diff(np.concatenate([[0.0], t]))
    mid = t - widths / 2  # strictly inside each piece, where F^-1(t) = u[floor(t m)]
    qu = u[np.minimum(np.floor(mid * m).astype(int), m - 1)]
    qv = v[np.minimum(np.floor(mid * n).astype(int), n - 1)]
    return float(np.sum(widths * np.abs(qu - qv) ** p))


def sliced(x, y, dirs, p):
    total = 0.0
    for theta in dirs:
        u, v = x @ theta, y @ theta
        if p == 1:
            w = scipy.stats.wasserstein_distance(u, v)
            assert abs(w - w_pow_quantile_grid(u, v, 1)) <= 1e-12 * max(1.0, w)
            total += w
        else:
            w2 = w_pow_quantile_grid(u, v, p)
            if len(u) == len(v):
                assert abs(w2 - np.mean(np.abs(np.sort(u) - np.sort(v)) ** p)) <= 1e-12 * max(1.0, w2)
            total += w2
    return (total / len(dirs)) ** (1.0 / p)


def knn_radii(x, k):
    dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    return dist[:, k]


def coverage(a, b, radii):
    return float(np.mean((cdist(a, b) <= radii[None, :]).any(axis=1)))


def unit_rows(a):
    return (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)


def pair_case(name, x32, y32, dirs32):
    save(f"{name}_x", x32)
    save(f"{name}_y", y32)
    save(f"{name}_dirs", dirs32)
    x, y, dirs = x32.astype(np.float64), y32.astype(np.float64), dirs32.astype(np.float64)
    h, mmd2 = mmd2_unbiased(x, y)
    scalar(f"{name}_median", h)
    scalar(f"{name}_mmd2", mmd2)
    e2 = energy2(x, y, False)
    scalar(f"{name}_energy2", e2)
    scalar(f"{name}_energy2_unbiased", energy2(x, y, True))
    scalar(f"{name}_energy", np.sqrt(e2))
    if x.shape[1] == 1:
        assert abs(scipy.stats.energy_distance(x[:, 0], y[:, 0]) - np.sqrt(e2)) <= 1e-12
    scalar(f"{name}_sw2", sliced(x, y, dirs, 2))
    scalar(f"{name}_sw1", sliced(x, y, dirs, 1))
    scalar(f"{name}_precision", coverage(y, x, knn_radii(x, K_NN)))
    scalar(f"{name}_recall", coverage(x, y, knn_radii(y, K_NN)))


# a: 2-D, equal sizes (40, 40), y shifted by (0.5, 0) and scaled by 1.2; 50 directions.
pair_case("a", rng.standard_normal((40, 2)).astype(np.float32),
          (rng.standard_normal((40, 2)) * 1.2 + [0.5, 0.0]).astype(np.float32),
          unit_rows(rng.standard_normal((50, 2))))
# b: 3-D, unequal sizes (30, 45), y a correlated Gaussian; 20 directions.
pair_case("b", rng.standard_normal((30, 3)).astype(np.float32),
          (rng.standard_normal((45, 3)) @ np.array([[1.0, 0.3, 0.0], [0.0, 0.8, 0.2],
                                                    [0.0, 0.0, 1.5]]) + 0.2).astype(np.float32),
          unit_rows(rng.standard_normal((20, 3))))
# c: 1-D, unequal sizes (25, 35), exponential vs normal; the one direction (1): sw1 is scipy's W1.
pair_case("c", rng.exponential(1.0, (25, 1)).astype(np.float32),
          rng.normal(1.0, 1.0, (35, 1)).astype(np.float32), np.ones((1, 1), np.float32))

# modes: 8 centres on a circle of radius 2, σ = 0.05; 180 samples from 6 of the modes with
# standard deviation 0.08 (so some fall outside 3σ) and 20 uniform points in [-3, 3]².
sigma = 0.05
angles = np.arange(8) * 2 * np.pi / 8
centres = np.stack([2 * np.cos(angles), 2 * np.sin(angles)], axis=1).astype(np.float32)
which = rng.choice([0, 1, 2, 4, 5, 6], size=180, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.1])
samples = np.vstack([centres[which] + rng.normal(0.0, 0.08, (180, 2)),
                     rng.uniform(-3.0, 3.0, (20, 2))]).astype(np.float32)
save("modes_samples", samples)
save("modes_centres", centres)
scalar("modes_sigma", sigma)
d = cdist(samples.astype(np.float64), centres.astype(np.float64))
nearest = d.argmin(axis=1)
hq = d[np.arange(len(samples)), nearest] <= 3 * sigma
hist = np.bincount(nearest[hq], minlength=len(centres))
q = hist / hist.sum()
kl = float(np.sum(q[q > 0] * np.log(len(centres) * q[q > 0])))
assert abs(kl - scipy.stats.entropy(q, np.full(len(centres), 1 / len(centres)))) <= 1e-12
save("modes_nearest", nearest.astype(np.int64))
save("modes_histogram", hist.astype(np.int64))
scalar("modes_hq_fraction", hq.mean())
scalar("modes_captured", np.count_nonzero(hist))
scalar("modes_reverse_kl", kl)

print(f"wrote {out} (numpy {np.__version__}, scipy {scipy.__version__}, "
      f"scikit-learn {sklearn.__version__}, seed {SEED})")
