// aib/autograd/activations.hpp — nonlinearities, row-wise softmax and dropout, as Tensor ops.
//
// Elementwise on any (r, c): sigmoid, relu, gelu = x·Φ(x) and its tanh approximation gelu_tanh
// (Hendrycks & Gimpel 2016; PyTorch approximate='none' / 'tanh'), silu = x·σ(x) (Ramachandran et
// al. 2017). Row-wise on (T, V): softmax, log_softmax (stable forwards from core/numeric.hpp).
// dropout: inverted dropout (Srivastava et al. 2014), mask from aib::Rng. G = ∂L/∂output.
// Leaves out: leaky/parametric ReLU, softmax over columns, in-place variants, and dropout masks
// equal to PyTorch's (its generator is not ours).
#pragma once

#include <cmath>

#include <unsupported/Eigen/SpecialFunctions>

#include "aib/autograd/tensor.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"

namespace aib {

// ---- Elementwise: (r, c) -> (r, c) --------------------------------------------------------------

// σ(x) = 1 / (1 + e^−x)
template <class S>
TensorT<S> sigmoid(const TensorT<S>& x) {
  MatT<S> y = sigmoid(x.value());  // (r, c)
  return record("sigmoid", MatT<S>(y), {x}, [x, y](const MatT<S>& g) {
    x.accumulate((g.array() * y.array() * (S(1) - y.array())).matrix());  // σ' = σ(1 − σ)
  });
}

// relu(x) = max(x, 0)
template <class S>
TensorT<S> relu(const TensorT<S>& x) {
  MatT<S> y = x.value().cwiseMax(S(0));  // (r, c)
  return record("relu", std::move(y), {x}, [x](const MatT<S>& g) {
    // relu'(x) = 1 where x > 0, else 0 (at the kink x = 0 we take 0, as PyTorch does)
    x.accumulate((x.value().array() > S(0)).select(g.array(), S(0)).matrix());
  });
}

// gelu(x) = x·Φ(x) = ½x(1 + erf(x/√2)), Φ the standard normal CDF (PyTorch approximate='none').
// erf is Eigen's vectorised one (within 4e-7 of std::erf in float; std::erf itself in double),
// and Φ(x) is kept from the forward for the backward.
template <class S>
TensorT<S> gelu(const TensorT<S>& x) {
  const S inv_sqrt2 = S(0.70710678118654752440), inv_sqrt_2pi = S(0.39894228040143267794);
  MatT<S> cdf = (S(0.5) * (S(1) + (x.value().array() * inv_sqrt2).erf())).matrix();  // (r, c) Φ(x)
  MatT<S> y = x.value().cwiseProduct(cdf);                                           // (r, c)
  return record("gelu", std::move(y), {x}, [x, cdf, inv_sqrt_2pi](const MatT<S>& g) {
    // gelu'(x) = Φ(x) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π)
    const auto v = x.value().array();
    x.accumulate((g.array() * (cdf.array() + v * inv_sqrt_2pi * (S(-0.5) * v.square()).exp())).matrix());
  });
}

// gelu_tanh(x) = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³) (PyTorch approximate='tanh', the
// form in the original GPT-2 and BERT code); it differs from gelu by at most 4.8e-4.
template <class S>
TensorT<S> gelu_tanh(const TensorT<S>& x) {
  const S k = S(0.79788456080286535588), c = S(0.044715);  // k = √(2/π)
  MatT<S> y = x.value().unaryExpr(  // (r, c)
      [&](S v) { return S(0.5) * v * (S(1) + std::tanh(k * (v + c * v * v * v))); });
  return record("gelu_tanh", std::move(y), {x}, [x, k, c](const MatT<S>& g) {
    // d/dx = ½(1 + tanh u) + ½x·(1 − tanh² u)·du/dx,  du/dx = √(2/π)(1 + 3·0.044715x²)
    const MatT<S> d = x.value().unaryExpr([&](S v) {  // (r, c)
      const S t = std::tanh(k * (v + c * v * v * v));
      return S(0.5) * (S(1) + t) + S(0.5) * v * (S(1) - t * t) * k * (S(1) + S(3) * c * v * v);
    });
    x.accumulate(g.cwiseProduct(d));
  });
}

// silu(x) = x·σ(x)  (SiLU, a.k.a. swish; the gate of SwiGLU)
template <class S>
TensorT<S> silu(const TensorT<S>& x) {
  const MatT<S> s = sigmoid(x.value());  // (r, c) σ(x)
  MatT<S> y = x.value().cwiseProduct(s);  // (r, c)
  return record("silu", std::move(y), {x}, [x, s](const MatT<S>& g) {
    // silu'(x) = σ(x) + x·σ(x)(1 − σ(x)) = σ(x)·(1 + x·(1 − σ(x)))
    x.accumulate(
        (g.array() * s.array() * (S(1) + x.value().array() * (S(1) - s.array()))).matrix());
  });
}

// ---- Row-wise: (T, V) -> (T, V) -----------------------------------------------------------------

// softmax: P_ij = e^x_ij / Σ_k e^x_ik, each row a distribution
template <class S>
TensorT<S> softmax(const TensorT<S>& x) {
  MatT<S> p = softmax(x.value());  // (T, V)
  return record("softmax", MatT<S>(p), {x}, [x, p](const MatT<S>& g) {
    // ∂P_ij/∂x_ik = P_ij(δ_jk − P_ik), so  ∂L/∂x = P ⊙ (G − rowsum(G ⊙ P))
    const VecT<S> dot = g.cwiseProduct(p).rowwise().sum();  // (T) rowsum(G ⊙ P)
    MatT<S> dx = g;                                         // (T, V)
    dx.colwise() -= dot;
    x.accumulate(dx.cwiseProduct(p));
  });
}

// log_softmax: x_ij − logsumexp_k(x_ik), exact even where softmax underflows to 0
template <class S>
TensorT<S> log_softmax(const TensorT<S>& x) {
  MatT<S> y = log_softmax(x.value());  // (T, V)
  return record("log_softmax", MatT<S>(y), {x}, [x, y](const MatT<S>& g) {
    // ∂y_ij/∂x_ik = δ_jk − P_ik, so  ∂L/∂x = G − P ⊙ rowsum(G),  P = e^y = softmax(x)
    const VecT<S> total = g.rowwise().sum();  // (T) rowsum(G)
    MatT<S> p = y.array().exp().matrix();     // (T, V)
    p.array().colwise() *= total.array();
    x.accumulate(g - p);
  });
}

// ---- Dropout: (r, c) -> (r, c) ------------------------------------------------------------------

// Inverted dropout: each entry is kept with probability 1 − p and scaled by 1/(1 − p), zeroed
// otherwise, so E[y] = x and nothing needs rescaling at inference. The mask draws one
// rng.uniform_double() per entry, in row-major order (entry kept iff u >= p): the same seed gives
// the same mask. p must be in [0, 1). When !training or p == 0, returns x itself (same node,
// no draw from rng).
template <class S>
TensorT<S> dropout(const TensorT<S>& x, double p, Rng& rng, bool training = true) {
  if (!(p >= 0.0 && p < 1.0)) fail("dropout: p must be in [0, 1), got {}", p);
  if (!training || p == 0.0) return x;
  const S scale = S(1.0 / (1.0 - p));
  MatT<S> mask(x.rows(), x.cols());  // (r, c): 0 or 1/(1 − p)
  for (Index i = 0; i < mask.size(); ++i)
    mask.data()[i] = rng.uniform_double() >= p ? scale : S(0);
  MatT<S> y = x.value().cwiseProduct(mask);  // (r, c)
  return record("dropout", std::move(y), {x}, [x, mask](const MatT<S>& g) {
    x.accumulate(g.cwiseProduct(mask));  // ∂y/∂x = mask: the same entries drop, the same scale
  });
}

}  // namespace aib
