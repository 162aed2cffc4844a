// aib/autograd/norms.hpp — per-token normalisation: LayerNorm and RMSNorm, as single ops.
//
// Shapes: x (T, D), gain γ (1, D), bias β (1, D); each row (token) is normalised on its own.
//   LayerNorm (Ba et al. 2016):  x̂ = (x − μ)/σ, σ = √(var + ε) (biased variance), y = γ⊙x̂ + β
//   RMSNorm (Zhang & Sennrich 2019): r = √(mean(x²) + ε), x̂ = x/r,            y = γ⊙x̂
// Backward is written in closed form (one pass per row) rather than composed from other ops.
// Defaults: ε = 1e-5 for LayerNorm (PyTorch), ε = 1e-6 for RMSNorm (LLaMA).
// Leaves out: batch norm, group norm, normalising over anything but the last dimension.
#pragma once

#include <cmath>

#include "aib/autograd/tensor.hpp"

namespace aib {

namespace detail {
template <class S>
void check_norm_shapes(const char* where, const TensorT<S>& x, const TensorT<S>& gain) {
  if (x.cols() < 1) throw ShapeError(fmt::format("{}: x has shape {}; need D >= 1", where, x.shape()));
  if (gain.rows() != 1 || gain.cols() != x.cols())
    throw ShapeError(fmt::format("{}: gain has shape {}, expected (1, {}) for x of shape {}", where,
                                 gain.shape(), x.cols(), x.shape()));
}
}  // namespace detail

// LayerNorm: (T, D), γ (1, D), β (1, D) -> (T, D)
template <class S>
TensorT<S> layernorm(const TensorT<S>& x, const TensorT<S>& gamma, const TensorT<S>& beta,
                     S eps = S(1e-5)) {
  detail::check_norm_shapes("layernorm", x, gamma);
  detail::check_norm_shapes("layernorm", x, beta);
  const Index T = x.rows(), D = x.cols();
  MatT<S> xhat(T, D);  // (T, D)
  VecT<S> inv_sigma(T);  // (T) 1/σ per row
  for (Index t = 0; t < T; ++t) {
    const S mu = x.value().row(t).mean();
    const S var = (x.value().row(t).array() - mu).square().mean();
    inv_sigma(t) = S(1) / std::sqrt(var + eps);
    xhat.row(t) = (x.value().row(t).array() - mu) * inv_sigma(t);
  }
  MatT<S> y = xhat;
  y.array().rowwise() *= gamma.value().row(0).array();
  y.rowwise() += beta.value().row(0);
  return record("layernorm", std::move(y), {x, gamma, beta},
                [x, gamma, beta, xhat, inv_sigma](const MatT<S>& g) {
    if (gamma.requires_grad())  // ∂L/∂γ = Σ_t G ⊙ x̂
      gamma.accumulate(g.cwiseProduct(xhat).colwise().sum());
    if (beta.requires_grad()) beta.accumulate(g.colwise().sum());  // ∂L/∂β = Σ_t G
    if (!x.requires_grad()) return;
    // With ĝ = G ⊙ γ:  ∂L/∂x = (1/σ)·(ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂))   (row by row)
    MatT<S> gh = g;
    gh.array().rowwise() *= gamma.value().row(0).array();
    MatT<S> dx(gh.rows(), gh.cols());
    for (Index t = 0; t < gh.rows(); ++t) {
      const S m1 = gh.row(t).mean(), m2 = gh.row(t).cwiseProduct(xhat.row(t)).mean();
      dx.row(t) = inv_sigma(t) * (gh.row(t).array() - m1 - xhat.row(t).array() * m2);
    }
    x.accumulate(dx);
  });
}

// RMSNorm: (T, D), γ (1, D) -> (T, D)
template <class S>
TensorT<S> rmsnorm(const TensorT<S>& x, const TensorT<S>& gamma, S eps = S(1e-6)) {
  detail::check_norm_shapes("rmsnorm", x, gamma);
  const Index T = x.rows(), D = x.cols();
  MatT<S> xhat(T, D);    // (T, D)
  VecT<S> inv_rms(T);    // (T) 1/r per row
  for (Index t = 0; t < T; ++t) {
    inv_rms(t) = S(1) / std::sqrt(x.value().row(t).squaredNorm() / S(D) + eps);
    xhat.row(t) = x.value().row(t) * inv_rms(t);
  }
  MatT<S> y = xhat;
  y.array().rowwise() *= gamma.value().row(0).array();
  return record("rmsnorm", std::move(y), {x, gamma}, [x, gamma, xhat, inv_rms](const MatT<S>& g) {
    if (gamma.requires_grad()) gamma.accumulate(g.cwiseProduct(xhat).colwise().sum());  // Σ G ⊙ x̂
    if (!x.requires_grad()) return;
    // With ĝ = G ⊙ γ:  ∂L/∂x = (1/r)·(ĝ − x̂ ⊙ mean(ĝ ⊙ x̂))   (row by row)
    MatT<S> gh = g;
    gh.array().rowwise() *= gamma.value().row(0).array();
    MatT<S> dx(gh.rows(), gh.cols());
    for (Index t = 0; t < gh.rows(); ++t) {
      const S m = gh.row(t).cwiseProduct(xhat.row(t)).mean();
      dx.row(t) = inv_rms(t) * (gh.row(t).array() - xhat.row(t).array() * m);
    }
    x.accumulate(dx);
  });
}

}  // namespace aib
