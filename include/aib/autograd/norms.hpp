// aib/autograd/norms.hpp — per-token normalisation, LayerNorm and RMSNorm, each a single op.
//
// Shapes: x (T, D), gain γ (1, D), bias β (1, D); each row (token) is normalised on its own.
//   LayerNorm (Ba et al. 2016):      x̂ = (x − μ)/σ,  σ = √(var + ε) (biased var),  y = γ ⊙ x̂ + β
//   RMSNorm (Zhang & Sennrich 2019): x̂ = x/r,        r = √(mean(x²) + ε),          y = γ ⊙ x̂
// Backwards are closed-form (one pass per row), not composed from other ops. ε defaults: 1e-5 for
// LayerNorm (torch.nn.LayerNorm), 1e-6 for RMSNorm (LLaMA, T5); see rmsnorm for why not PyTorch's.
// Leaves out: batch/group norm, normalising over anything but the last dimension, no-gain variants.
#pragma once

#include <cmath>

#include "aib/autograd/tensor.hpp"
#include "aib/core/check.hpp"

namespace aib {

namespace detail {

// x must have D >= 1 columns; `param` (γ or β) must be (1, D); ε must be finite and >= 0.
template <class S>
void check_norm_args(const char* where, const TensorT<S>& x, const char* name,
                     const TensorT<S>& param, S eps) {
  if (x.cols() < 1)
    throw ShapeError(
        fmt::format("{}: x has shape {}; expected at least 1 column", where, x.shape()));
  if (param.rows() != 1 || param.cols() != x.cols())
    throw ShapeError(fmt::format("{}: {} has shape {}, expected (1, {}) for x of shape {}", where,
                                 name, param.shape(), x.cols(), x.shape()));
  if (!(eps >= S(0) && std::isfinite(eps)))
    fail("{}: eps must be finite and >= 0, got {}", where, eps);
}

}  // namespace detail

// ---- LayerNorm: (T, D), γ (1, D), β (1, D) -> (T, D) --------------------------------------------

// y = γ ⊙ (x − μ)/√(var + ε) + β per row, var the biased variance (divide by D, as PyTorch).
template <class S>
TensorT<S> layernorm(const TensorT<S>& x, const TensorT<S>& gamma, const TensorT<S>& beta,
                     S eps = S(1e-5)) {
  detail::check_norm_args("layernorm", x, "gamma", gamma, eps);
  detail::check_norm_args("layernorm", x, "beta", beta, eps);
  const Index T = x.rows(), D = x.cols();
  MatT<S> xhat(T, D);    // (T, D) x̂
  VecT<S> inv_sigma(T);  // (T) 1/σ per row
  for (Index t = 0; t < T; ++t) {
    const S mu = x.value().row(t).mean();
    const S var = (x.value().row(t).array() - mu).square().mean();
    inv_sigma(t) = S(1) / std::sqrt(var + eps);
    xhat.row(t) = (x.value().row(t).array() - mu) * inv_sigma(t);
  }
  MatT<S> y = xhat;  // (T, D)
  y.array().rowwise() *= gamma.value().row(0).array();
  y.rowwise() += beta.value().row(0);
  return record("layernorm", std::move(y), {x, gamma, beta},
                [x, gamma, beta, xhat, inv_sigma](const MatT<S>& g) {
    if (gamma.requires_grad())  // ∂L/∂γ = Σ_rows G ⊙ x̂
      gamma.accumulate(g.cwiseProduct(xhat).colwise().sum());
    if (beta.requires_grad()) beta.accumulate(g.colwise().sum());  // ∂L/∂β = Σ_rows G
    if (!x.requires_grad()) return;
    // Per row, with ĝ = G ⊙ γ = ∂L/∂x̂:  ∂x̂_i/∂x_j = (δ_ij − 1/D)/σ − x̂_i x̂_j/(Dσ)
    // (∂μ/∂x_j = 1/D, ∂σ/∂x_j = x̂_j/D), so summing ĝ_i ∂x̂_i/∂x_j over i:
    //   ∂L/∂x = (1/σ)·(ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂))   — exact for any ε.
    MatT<S> gh = g;  // (T, D) ĝ
    gh.array().rowwise() *= gamma.value().row(0).array();
    MatT<S> dx(gh.rows(), gh.cols());  // (T, D)
    for (Index t = 0; t < gh.rows(); ++t) {
      const S mean_g = gh.row(t).mean(), mean_gx = gh.row(t).cwiseProduct(xhat.row(t)).mean();
      dx.row(t) = inv_sigma(t) * (gh.row(t).array() - mean_g - xhat.row(t).array() * mean_gx);
    }
    x.accumulate(dx);
  });
}

// ---- RMSNorm: (T, D), γ (1, D) -> (T, D) --------------------------------------------------------

// y = γ ⊙ x/√(mean(x²) + ε) per row: LayerNorm without centring and without bias.
// Default ε = 1e-6, as in the original LLaMA and T5 (Llama 2 uses 1e-5). torch.nn.RMSNorm
// (PyTorch >= 2.4) defaults to eps=None, meaning the dtype's machine epsilon (1.2e-7 in float,
// 2.2e-16 in double): a Tensor and a TensorD would then normalise differently. One explicit
// value, the same for float and double, is easier to reason about; pass eps to match a model.
template <class S>
TensorT<S> rmsnorm(const TensorT<S>& x, const TensorT<S>& gamma, S eps = S(1e-6)) {
  detail::check_norm_args("rmsnorm", x, "gamma", gamma, eps);
  const Index T = x.rows(), D = x.cols();
  MatT<S> xhat(T, D);  // (T, D) x̂
  VecT<S> inv_rms(T);  // (T) 1/r per row
  for (Index t = 0; t < T; ++t) {
    inv_rms(t) = S(1) / std::sqrt(x.value().row(t).squaredNorm() / S(D) + eps);
    xhat.row(t) = x.value().row(t) * inv_rms(t);
  }
  MatT<S> y = xhat;  // (T, D)
  y.array().rowwise() *= gamma.value().row(0).array();
  return record("rmsnorm", std::move(y), {x, gamma}, [x, gamma, xhat, inv_rms](const MatT<S>& g) {
    if (gamma.requires_grad())  // ∂L/∂γ = Σ_rows G ⊙ x̂
      gamma.accumulate(g.cwiseProduct(xhat).colwise().sum());
    if (!x.requires_grad()) return;
    // Per row, with ĝ = G ⊙ γ = ∂L/∂x̂:  ∂r/∂x_j = x_j/(D·r) = x̂_j/D, so
    //   ∂x̂_i/∂x_j = δ_ij/r − x_i·x̂_j/(D·r²) = (δ_ij − x̂_i x̂_j/D)/r, and summing ĝ_i ∂x̂_i/∂x_j:
    //   ∂L/∂x = (1/r)·(ĝ − x̂ ⊙ mean(ĝ ⊙ x̂))   — exact for any ε.
    MatT<S> gh = g;  // (T, D) ĝ
    gh.array().rowwise() *= gamma.value().row(0).array();
    MatT<S> dx(gh.rows(), gh.cols());  // (T, D)
    for (Index t = 0; t < gh.rows(); ++t) {
      const S mean_gx = gh.row(t).cwiseProduct(xhat.row(t)).mean();
      dx.row(t) = inv_rms(t) * (gh.row(t).array() - xhat.row(t).array() * mean_gx);
    }
    x.accumulate(dx);
  });
}

}  // namespace aib
