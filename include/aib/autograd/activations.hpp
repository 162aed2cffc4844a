// aib/autograd/activations.hpp — nonlinearities, row-wise softmax and dropout, as Tensor ops.
//
// Elementwise (any shape): sigmoid, relu, gelu (erf form, PyTorch approximate='none'),
// gelu_tanh (approximate='tanh', Hendrycks & Gimpel 2016), silu = x·σ(x) (a.k.a. swish).
// Row-wise on (T, V): softmax and log_softmax (forwards from core/numeric.hpp, stable).
// dropout: inverted dropout (Srivastava et al. 2014) — keep with probability 1 − p, scale by
// 1/(1 − p), so nothing changes at inference. Notation: G = ∂L/∂output.
// Leaves out: leaky/parametric ReLU, in-place variants.
#pragma once

#include <cmath>

#include "aib/autograd/tensor.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"

namespace aib {

// σ(x) = 1 / (1 + e^−x)
template <class S>
TensorT<S> sigmoid(const TensorT<S>& x) {
  MatT<S> y = sigmoid(x.value());
  return record("sigmoid", MatT<S>(y), {x}, [x, y](const MatT<S>& g) {
    x.accumulate((g.array() * y.array() * (S(1) - y.array())).matrix());  // σ' = σ(1 − σ)
  });
}

// relu(x) = max(x, 0)
template <class S>
TensorT<S> relu(const TensorT<S>& x) {
  MatT<S> y = x.value().cwiseMax(S(0));
  return record("relu", std::move(y), {x}, [x](const MatT<S>& g) {
    x.accumulate((x.value().array() > S(0)).select(g, S(0)).matrix());  // 1 where x > 0, else 0
  });
}

// gelu(x) = x·Φ(x) = ½x(1 + erf(x/√2))
template <class S>
TensorT<S> gelu(const TensorT<S>& x) {
  const S inv_sqrt2 = S(0.70710678118654752440), inv_sqrt_2pi = S(0.39894228040143267794);
  MatT<S> y = x.value().unaryExpr([&](S v) { return S(0.5) * v * (S(1) + std::erf(v * inv_sqrt2)); });
  return record("gelu", std::move(y), {x}, [x, inv_sqrt2, inv_sqrt_2pi](const MatT<S>& g) {
    // gelu'(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)
    const MatT<S> d = x.value().unaryExpr([&](S v) {
      return S(0.5) * (S(1) + std::erf(v * inv_sqrt2)) + v * inv_sqrt_2pi * std::exp(S(-0.5) * v * v);
    });
    x.accumulate(g.cwiseProduct(d));
  });
}

// gelu_tanh(x) = ½x(1 + tanh(u)),  u = √(2/π)(x + 0.044715x³)
template <class S>
TensorT<S> gelu_tanh(const TensorT<S>& x) {
  const S k = S(0.79788456080286535588), c = S(0.044715);
  MatT<S> y = x.value().unaryExpr(
      [&](S v) { return S(0.5) * v * (S(1) + std::tanh(k * (v + c * v * v * v))); });
  return record("gelu_tanh", std::move(y), {x}, [x, k, c](const MatT<S>& g) {
    // d/dx = ½(1 + tanh u) + ½x(1 − tanh² u)·√(2/π)(1 + 3·0.044715x²)
    const MatT<S> d = x.value().unaryExpr([&](S v) {
      const S t = std::tanh(k * (v + c * v * v * v));
      return S(0.5) * (S(1) + t) + S(0.5) * v * (S(1) - t * t) * k * (S(1) + S(3) * c * v * v);
    });
    x.accumulate(g.cwiseProduct(d));
  });
}

// silu(x) = x·σ(x)
template <class S>
TensorT<S> silu(const TensorT<S>& x) {
  const MatT<S> s = sigmoid(x.value());
  MatT<S> y = x.value().cwiseProduct(s);
  return record("silu", std::move(y), {x}, [x, s](const MatT<S>& g) {
    // silu'(x) = σ(x)·(1 + x·(1 − σ(x)))
    x.accumulate((g.array() * s.array() * (S(1) + x.value().array() * (S(1) - s.array()))).matrix());
  });
}

// Row-wise softmax: (T, V) -> (T, V), P_ij = e^x_ij / Σ_k e^x_ik
template <class S>
TensorT<S> softmax(const TensorT<S>& x) {
  MatT<S> p = softmax(x.value());
  return record("softmax", MatT<S>(p), {x}, [x, p](const MatT<S>& g) {
    // ∂L/∂x = P ⊙ (G − rowsum(G ⊙ P))
    const VecT<S> dot = g.cwiseProduct(p).rowwise().sum();  // (T)
    MatT<S> dx = g;
    dx.colwise() -= dot;
    x.accumulate(dx.cwiseProduct(p));
  });
}

// Row-wise log-softmax: (T, V) -> (T, V), x − logsumexp(x)
template <class S>
TensorT<S> log_softmax(const TensorT<S>& x) {
  MatT<S> y = log_softmax(x.value());
  return record("log_softmax", MatT<S>(y), {x}, [x, y](const MatT<S>& g) {
    // ∂L/∂x = G − softmax(x) ⊙ rowsum(G)
    const VecT<S> total = g.rowwise().sum();  // (T)
    MatT<S> p = y.array().exp().matrix();
    for (Index i = 0; i < p.rows(); ++i) p.row(i) *= total(i);
    x.accumulate(g - p);
  });
}

// Inverted dropout: each entry kept with probability 1 − p and scaled by 1/(1 − p); zeroed
// otherwise. Identity when !training or p == 0. The mask comes from `rng`.
template <class S>
TensorT<S> dropout(const TensorT<S>& x, double p, Rng& rng, bool training = true) {
  if (!(p >= 0.0 && p < 1.0)) fail("dropout: p must be in [0, 1), got {}", p);
  if (!training || p == 0.0) return x;
  const S scale = S(1.0 / (1.0 - p));
  MatT<S> mask(x.rows(), x.cols());  // (r, c): 0 or 1/(1 − p)
  for (Index i = 0; i < mask.size(); ++i) mask.data()[i] = rng.uniform_double() >= p ? scale : S(0);
  MatT<S> y = x.value().cwiseProduct(mask);
  return record("dropout", std::move(y), {x}, [x, mask](const MatT<S>& g) {
    x.accumulate(g.cwiseProduct(mask));  // the same mask routes the gradient
  });
}

}  // namespace aib
