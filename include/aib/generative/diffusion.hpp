// aib/generative/diffusion.hpp — DDPM: learn to remove noise, then generate by removing it from
// pure noise, one small step at a time (Ho, Jain & Abbeel 2020), and DDIM's shortcut through a
// few of those steps (Song, Meng & Ermon 2021).
//
// Shapes: x (B, D) data or noisy data, one sample per row; t a timestep in 1 … T (per row (B)).
// Notation is the paper's: x_0 is the data, x_t the data after t noising steps, x_T ≈ N(0, I).
//   schedule      β_t in (0, 1), α_t = 1 − β_t, ᾱ_t = α_1·…·α_t (ᾱ_0 = 1), SNR_t = ᾱ_t/(1 − ᾱ_t)
//   forward       q(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t I)                         (one step)
//                 q(x_t | x_0)     = N(√ᾱ_t x_0, (1 − ᾱ_t) I)                        (closed form)
//   posterior     q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t I),  β̃_t = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t),
//                 μ̃_t = √ᾱ_{t−1} β_t/(1 − ᾱ_t) · x_0 + √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) · x_t
//   network       ε̂ = ε_θ(x_t, t): which noise was added?   loss = mean over B·D of (ε̂ − ε)²
//                 (or, predicts_x0, x̂_0 = f_θ(x_t, t) with loss (x̂_0 − x_0)²: glyph_eps_config)
//   DDPM sampling x_T ~ N(0, I); x̂_0 = (x_t − √(1 − ᾱ_t) ε̂)/√ᾱ_t; x_{t−1} = μ̃_t(x_t, x̂_0) + √β̃_t z
//                 T network evaluations per sample.
//   DDIM sampling S ≤ T timesteps τ_S = T > … > τ_1 > τ_0 = 0; from t to s (the next one down):
//                 σ = η √((1 − ᾱ_s)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_s),
//                 x_s = √ᾱ_s x̂_0 + √(1 − ᾱ_s − σ²) ε̂ + σ z.
//                 η = 0: deterministic; η = 1 with S = T: DDPM's update exactly.
//                 S network evaluations per sample.
// The network is tiny-diffusion's (tanelp/tiny-diffusion, ddpm.py) by default: each coordinate of
// x (scaled by 25) and t get a 128-wide sinusoidal embedding, concatenated (384) -> Linear 128 +
// GELU -> 3 residual blocks h + GELU(Linear(h)) -> Linear D. Its forward and backward are written
// out by hand, layer by layer, into buffers kept between steps: at batch 32 a training step is a
// few small matrix products, and a graph of tensors per step would cost more than the products.
// Parameters are named as tiny-diffusion's PyTorch module: "mlp.0.weight" … "mlp.5.bias" (our W is
// PyTorch's weight transposed). Timesteps use the "trailing" spacing: DDIM's τ_S is T (never the
// 980-of-1000 "leading" start). Leaves out: learned variances, v-prediction, U-Nets,
// classifier-free guidance, EMA of the weights.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <unsupported/Eigen/SpecialFunctions>

#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/module.hpp"

namespace aib {

// ---- The noise schedule ---------------------------------------------------------------------

// A schedule whose ᾱ_T is above this is refused unless allowed: its x_T keeps more than
// √0.01 = 10 % of the data's amplitude, so sampling from pure noise starts where the model never
// trained (tiny-diffusion's T = 50 with β 1e-4 … 0.02 not rescaled ends at ᾱ_T = 0.60).
constexpr double max_terminal_alpha_bar = 0.01;

// Everything in double, index t = 0 … T (entry 0 is "no noise": β_0 = 0, ᾱ_0 = 1).
struct DiffusionSchedule {
  std::string name;           // "linear", "linear (not rescaled)", "cosine", "custom"
  Index T = 0;                // number of noising steps
  std::vector<double> beta;   // (T + 1) β_t
  std::vector<double> alpha;  // (T + 1) α_t = 1 − β_t
  std::vector<double> abar;   // (T + 1) ᾱ_t = Π_{s ≤ t} α_s
  std::vector<double> var;    // (T + 1) β̃_t, the posterior variance (0 at t = 1)

  double terminal_alpha_bar() const { return abar.at(static_cast<std::size_t>(T)); }
  double snr(Index t) const {  // ᾱ_t/(1 − ᾱ_t): signal power over noise power in x_t
    check_t("DiffusionSchedule::snr", t, 1);
    const double a = abar[static_cast<std::size_t>(t)];
    return a / (1.0 - a);
  }
  double terminal_snr() const { return snr(T); }

  // t must lie in lo … T.
  void check_t(const char* where, Index t, Index lo = 1) const {
    if (T < 1) fail("{}: the schedule is empty (default-constructed)", where);
    if (t < lo || t > T) fail("{}: timestep t = {}; it must be in {} … T = {}", where, t, lo, T);
  }
};

// From β_1 … β_T (each in (0, 1)). Refused when ᾱ_T > max_terminal_alpha_bar unless
// allow_signal_at_T, with a message that says why.
inline DiffusionSchedule schedule_from_betas(const std::vector<double>& betas,
                                             std::string name = "custom",
                                             bool allow_signal_at_T = false) {
  if (betas.empty()) fail("diffusion schedule: T = 0; it must be >= 1");
  DiffusionSchedule s;
  s.name = std::move(name);
  s.T = static_cast<Index>(betas.size());
  s.beta.assign(1, 0.0);
  s.alpha.assign(1, 1.0);
  s.abar.assign(1, 1.0);
  s.var.assign(1, 0.0);
  for (std::size_t i = 0; i < betas.size(); ++i) {
    const double b = betas[i];
    if (!(b > 0.0 && b < 1.0))
      fail("diffusion schedule ({}): beta_{} = {}; every beta must lie in (0, 1)", s.name, i + 1,
           b);
    s.beta.push_back(b);
    s.alpha.push_back(1.0 - b);
    s.abar.push_back(s.abar.back() * (1.0 - b));
    s.var.push_back(b * (1.0 - s.abar[i]) / (1.0 - s.abar.back()));  // β̃_t
  }
  const double last = s.terminal_alpha_bar();
  if (last > max_terminal_alpha_bar && !allow_signal_at_T)
    fail(
        "diffusion schedule ({}, T = {}): alpha-bar_T = {:.3g} (SNR {:.3g}), so x_T still holds "
        "{:.0f} % of the data's amplitude and sampling from pure noise would start where the "
        "model never trained; use more steps or the rescaled linear or cosine schedule, or allow "
        "it explicitly (allow_signal_at_T)",
        s.name, s.T, last, last / (1.0 - last), 100.0 * std::sqrt(last));
  return s;
}

// Linear β from 1e-4 to 0.02 (DDPM's T = 1000 schedule). rescale (improved DDPM, Nichol &
// Dhariwal 2021): both ends times 1000/T, so that a short schedule still ends in noise.
inline DiffusionSchedule linear_schedule(Index T, bool rescale = true,
                                         bool allow_signal_at_T = false) {
  if (T <= 0) fail("linear_schedule: T = {}; it must be >= 1", T);
  const double scale = rescale ? 1000.0 / static_cast<double>(T) : 1.0;
  const double lo = 1e-4 * scale, hi = 0.02 * scale;
  std::vector<double> betas(static_cast<std::size_t>(T));  // (T)
  for (Index i = 0; i < T; ++i)
    betas[static_cast<std::size_t>(i)] =
        T == 1 ? lo : lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(T - 1);
  return schedule_from_betas(betas, rescale ? "linear" : "linear (not rescaled)",
                             allow_signal_at_T);
}

// Cosine (improved DDPM): ᾱ(t) = f(t)/f(0), f(t) = cos²(π/2 · (t/T + s)/(1 + s)), then
// β_t = min(1 − ᾱ(t)/ᾱ(t − 1), 0.999) (the clip keeps the last steps from β = 1).
inline DiffusionSchedule cosine_schedule(Index T, double s = 0.008,
                                         bool allow_signal_at_T = false) {
  if (T <= 0) fail("cosine_schedule: T = {}; it must be >= 1", T);
  if (!(s >= 0.0) || !std::isfinite(s)) fail("cosine_schedule: s = {}; it must be >= 0", s);
  const auto f = [&](double t) {
    const double c = std::cos(0.5 * pi * (t / static_cast<double>(T) + s) / (1.0 + s));
    return c * c;
  };
  std::vector<double> betas(static_cast<std::size_t>(T));  // (T)
  for (Index t = 1; t <= T; ++t)
    betas[static_cast<std::size_t>(t - 1)] =
        std::min(1.0 - f(static_cast<double>(t)) / f(static_cast<double>(t - 1)), 0.999);
  return schedule_from_betas(betas, "cosine", allow_signal_at_T);
}

// ---- The forward process: adding noise --------------------------------------------------------

namespace detail {

// (r, c) standard normals from aib::Rng, the same numbers for float and double models.
template <class S>
MatT<S> diffusion_normal(Index rows, Index cols, Rng& rng) {
  MatT<S> z(rows, cols);  // (r, c)
  for (Index i = 0; i < z.size(); ++i) z.data()[i] = static_cast<S>(rng.normal_double());
  return z;
}

}  // namespace detail

// x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, row b at its own timestep t[b]: x0 (B, D), t (B), eps (B, D).
template <class S>
MatT<S> q_sample(const DiffusionSchedule& sch, const MatT<S>& x0, const std::vector<Index>& t,
                 const MatT<S>& eps) {
  check_same_shape("q_sample", "x0", x0, "eps", eps);
  if (static_cast<Index>(t.size()) != x0.rows())
    fail("q_sample: {} timesteps for {} rows", t.size(), x0.rows());
  MatT<S> xt(x0.rows(), x0.cols());  // (B, D)
  for (Index b = 0; b < x0.rows(); ++b) {
    const Index tb = t[static_cast<std::size_t>(b)];
    sch.check_t("q_sample", tb, 0);
    const double a = sch.abar[static_cast<std::size_t>(tb)];
    xt.row(b) =
        static_cast<S>(std::sqrt(a)) * x0.row(b) + static_cast<S>(std::sqrt(1 - a)) * eps.row(b);
  }
  return xt;
}

// One noising step x_{t−1} -> x_t = √α_t x_{t−1} + √β_t z: x_prev (B, D), z (B, D).
template <class S>
MatT<S> q_step(const DiffusionSchedule& sch, const MatT<S>& x_prev, Index t, const MatT<S>& z) {
  check_same_shape("q_step", "x_prev", x_prev, "z", z);
  sch.check_t("q_step", t);
  const std::size_t i = static_cast<std::size_t>(t);
  return static_cast<S>(std::sqrt(sch.alpha[i])) * x_prev +
         static_cast<S>(std::sqrt(sch.beta[i])) * z;
}

// q(x_{t−1} | x_t, x_0): its mean μ̃_t (B, D) and variance β̃_t (the same for every entry).
template <class S>
struct PosteriorT {
  MatT<S> mean;         // (B, D) μ̃_t
  double variance = 0;  // β̃_t
};

template <class S>
PosteriorT<S> q_posterior(const DiffusionSchedule& sch, const MatT<S>& xt, const MatT<S>& x0,
                          Index t) {
  check_same_shape("q_posterior", "xt", xt, "x0", x0);
  sch.check_t("q_posterior", t);
  const std::size_t i = static_cast<std::size_t>(t);
  const double ab = sch.abar[i], ab_prev = sch.abar[i - 1];
  const S c0 = static_cast<S>(std::sqrt(ab_prev) * sch.beta[i] / (1 - ab));         // x_0's weight
  const S ct = static_cast<S>(std::sqrt(sch.alpha[i]) * (1 - ab_prev) / (1 - ab));  // x_t's weight
  return {c0 * x0 + ct * xt, sch.var[i]};
}

// ---- The ε-network ----------------------------------------------------------------------------

// The shape of ε_θ. Defaults: tiny-diffusion's 2-D model.
struct EpsNetConfig {
  Index data_dim = 2;           // D
  Index input_embedding = 128;  // sinusoidal width per coordinate of x (even); 0: x fed as is
  double input_scale = 25.0;    // x is multiplied by this before its embedding
  Index time_embedding = 128;   // sinusoidal width of t (even, >= 4)
  Index hidden = 128;           // H
  Index blocks = 3;             // residual blocks h + GELU(Linear(h))
  // false: the output is ε̂ and the loss MSE on ε (DDPM's, the default). true: the output is
  // x̂_0 and the loss MSE on x_0; the samplers turn it into ε̂ = (x_t − √ᾱ_t x̂_0)/√(1 − ᾱ_t).
  bool predicts_x0 = false;

  Index input_width() const {  // I: the embedded input's width
    return (input_embedding > 0 ? data_dim * input_embedding : data_dim) + time_embedding;
  }
};

// A 16×16-glyph model (D = 256): x fed as is beside a 64-wide time embedding, 256 -> one block
// of 256, and the output read as x̂_0. Why x̂_0: an MLP asked for ε must copy x_t through its
// GELUs almost exactly at high noise (ε ≈ x_t) and amplify x_t − x_0 by 1/√(1 − ᾱ_t) (22× at
// t = 1) at low noise. At episode 05's budget (1,500 steps, cosine T = 100) ancestral sampling
// from an ε-network leaves speckled glyphs, 34 % read as a digit against 69 % for x̂_0 (DDIM's
// deterministic steps suffer less: 45–52 % against 38–54 %).
inline EpsNetConfig glyph_eps_config() {
  EpsNetConfig c;
  c.data_dim = 256;
  c.input_embedding = 0;
  c.input_scale = 1.0;
  c.time_embedding = 64;
  c.hidden = 256;
  c.blocks = 1;
  c.predicts_x0 = true;
  return c;
}

// What one forward pass keeps for its backward, reused from step to step (no allocation once the
// batch size is steady).
template <class S>
struct EpsNetCacheT {
  MatT<S> in;                // (B, I) [emb(x_1) | … | emb(x_D) | emb(t)], or [x | emb(t)]
  MatT<S> arg;               // (B, half) one embedding's angles
  std::vector<MatT<S>> pre;  // blocks + 1 of (B, H): u_k, the pre-activations
  std::vector<MatT<S>> cdf;  // blocks + 1 of (B, H): Φ(u_k), shared by GELU and its derivative
  std::vector<MatT<S>> h;    // blocks + 1 of (B, H): h_0 = GELU(u_0), h_k = h_{k−1} + GELU(u_k)
  MatT<S> out;               // (B, D) ε̂
  MatT<S> dh, du;            // (B, H) the backward's running gradients
  MatT<S> xt, diff;          // (B, D) diffusion_loss's x_t and ε̂ − ε
  std::vector<S> time;       // (B) diffusion_loss's timesteps as numbers
};

template <class S>
struct EpsNetT {
  EpsNetConfig config;
  std::vector<LinearT<S>> layers;  // [0]: (I, H), [1 … blocks]: (H, H), last: (H, D)
  std::vector<S> freq_x, freq_t;   // (half) the sinusoidal frequencies 10000^(−k/(half − 1))

  EpsNetT() = default;
  EpsNetT(const EpsNetConfig& c, Rng& rng) : config(c) {
    const auto even = [](const char* what, Index v, Index lo) {
      if (v < lo || v % 2 != 0) fail("EpsNet: {} = {}; it must be even and >= {}", what, v, lo);
    };
    if (c.data_dim < 1) fail("EpsNet: data_dim = {}; it must be >= 1", c.data_dim);
    if (c.input_embedding != 0) even("input_embedding", c.input_embedding, 4);
    even("time_embedding", c.time_embedding, 4);
    if (c.hidden < 1) fail("EpsNet: hidden = {}; it must be >= 1", c.hidden);
    if (c.blocks < 0) fail("EpsNet: blocks = {}; it must be >= 0", c.blocks);
    if (!(c.input_scale > 0.0) || !std::isfinite(c.input_scale))
      fail("EpsNet: input_scale = {}; it must be finite and > 0", c.input_scale);
    layers.emplace_back(c.input_width(), c.hidden, rng);
    for (Index k = 0; k < c.blocks; ++k) layers.emplace_back(c.hidden, c.hidden, rng);
    layers.emplace_back(c.hidden, c.data_dim, rng);
    freq_x = frequencies(c.input_embedding);
    freq_t = frequencies(c.time_embedding);
  }

  // 10000^(−k/(half − 1)), k = 0 … half − 1, as tiny-diffusion's SinusoidalEmbedding.
  static std::vector<S> frequencies(Index width) {
    std::vector<S> f;
    const Index half = width / 2;
    for (Index k = 0; k < half; ++k)
      f.push_back(static_cast<S>(
          std::exp(-std::log(10000.0) * static_cast<double>(k) / static_cast<double>(half - 1))));
    return f;
  }

  Index data_dim() const { return config.data_dim; }

  // ---- Forward: x (B, D), t (B) -> ε̂ (B, D), everything kept in `c` ----------------------------

  const MatT<S>& forward(const MatT<S>& x, const std::vector<S>& t, EpsNetCacheT<S>& c) const {
    if (layers.empty()) fail("EpsNet: forward on an empty (default-constructed) network");
    if (x.cols() != data_dim() || x.rows() < 1)
      throw ShapeError(fmt::format("EpsNet: x has shape {}, expected (B, {}) with B >= 1",
                                   shape_str(x), data_dim()));
    if (static_cast<Index>(t.size()) != x.rows())
      fail("EpsNet: {} timesteps for {} rows", t.size(), x.rows());
    const Index B = x.rows(), L = config.blocks;
    c.pre.resize(static_cast<std::size_t>(L + 1));
    c.cdf.resize(static_cast<std::size_t>(L + 1));
    c.h.resize(static_cast<std::size_t>(L + 1));
    // The embedded input: sin and cos of each coordinate times each frequency.
    c.in.resize(B, config.input_width());
    Index col = 0;
    const Eigen::Map<const VecT<S>> tv(t.data(), B);  // (B)
    if (config.input_embedding > 0) {
      for (Index j = 0; j < data_dim(); ++j, col += config.input_embedding)
        embed(x.col(j) * static_cast<S>(config.input_scale), freq_x, col, c);
    } else {
      c.in.leftCols(data_dim()) = x;
      col = data_dim();
    }
    embed(tv, freq_t, col, c);
    // h_0 = GELU(in·W_0 + b_0), h_k = h_{k−1} + GELU(h_{k−1}·W_k + b_k), ε̂ = h_L·W_out + b_out
    for (Index k = 0; k <= L; ++k) {
      const std::size_t i = static_cast<std::size_t>(k);
      const MatT<S>& below = k == 0 ? c.in : c.h[i - 1];  // (B, I) or (B, H)
      MatT<S>& u = c.pre[i];                              // (B, H)
      u.noalias() = below * layers[i].weight.value();
      u.rowwise() += layers[i].bias.value().row(0);
      c.cdf[i] =
          (S(0.5) * (S(1) + (u.array() * static_cast<S>(1 / std::sqrt(2.0))).erf())).matrix();
      if (k == 0)
        c.h[i] = (u.array() * c.cdf[i].array()).matrix();  // GELU(u) = u·Φ(u)
      else
        c.h[i] = (c.h[i - 1].array() + u.array() * c.cdf[i].array()).matrix();
    }
    const LinearT<S>& last = layers.back();
    c.out.noalias() = c.h.back() * last.weight.value();
    c.out.rowwise() += last.bias.value().row(0);
    return c.out;
  }

  // ε̂ for a batch, without keeping anything.
  MatT<S> predict(const MatT<S>& x, const std::vector<S>& t) const {
    EpsNetCacheT<S> c;
    return forward(x, t, c);
  }

  // ---- Backward: ∂L/∂ε̂ (B, D) -> every parameter's gradient (overwritten, not added) ----------

  void backward(const MatT<S>& d_out, EpsNetCacheT<S>& c) const {
    check_same_shape("EpsNet::backward", "d_out", d_out, "the last output", c.out);
    const Index L = config.blocks;
    const S inv_sqrt_2pi = static_cast<S>(1 / std::sqrt(2 * pi));
    const LinearT<S>& last = layers.back();
    set_grad(last.weight, c.h.back().transpose() * d_out);     // (H, D)
    set_grad(last.bias, d_out.colwise().sum());                // (1, D)
    c.dh.noalias() = d_out * last.weight.value().transpose();  // (B, H) ∂L/∂h_L
    for (Index k = L; k >= 0; --k) {
      const std::size_t i = static_cast<std::size_t>(k);
      const auto u = c.pre[i].array();  // (B, H)
      // ∂L/∂u = ∂L/∂h ⊙ GELU'(u),  GELU'(u) = Φ(u) + u·φ(u),  φ(u) = e^(−u²/2)/√(2π)
      c.du = (c.dh.array() * (c.cdf[i].array() + u * (S(-0.5) * u.square()).exp() * inv_sqrt_2pi))
                 .matrix();
      const MatT<S>& below = k == 0 ? c.in : c.h[i - 1];                         // (B, I) or (B, H)
      set_grad(layers[i].weight, below.transpose() * c.du);                      // (I or H, H)
      set_grad(layers[i].bias, c.du.colwise().sum());                            // (1, H)
      if (k > 0) c.dh.noalias() += c.du * layers[i].weight.value().transpose();  // residual path
    }
  }

  ParametersT<S> parameters() const {
    ParametersT<S> out;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const bool block = i > 0 && i + 1 < layers.size();
      // nn.Sequential(Linear, GELU, Block, …, Block, Linear): the GELU takes position 1
      append(out,
             layers[i].parameters(fmt::format("mlp.{}{}", i == 0 ? 0 : i + 1, block ? ".ff" : "")));
    }
    return out;
  }

 private:
  // Columns [col, col + 2·half) of c.in = [sin(v·f) | cos(v·f)] for v (B) and frequencies f.
  template <class V>
  void embed(const V& v, const std::vector<S>& f, Index col, EpsNetCacheT<S>& c) const {
    const Index half = static_cast<Index>(f.size());
    const Eigen::Map<const RowVecT<S>> fr(f.data(), half);  // (1, half)
    c.arg.noalias() = v * fr;                               // (B, half) outer product
    c.in.middleCols(col, half) = c.arg.array().sin().matrix();
    c.in.middleCols(col + half, half) = c.arg.array().cos().matrix();
  }

  template <class Expr>
  static void set_grad(const TensorT<S>& p, const Expr& g) {
    MatT<S>& dst = p.node().grad;
    dst.resize(p.rows(), p.cols());
    dst.noalias() = g;
  }
};
using EpsNet = EpsNetT<float>;
using EpsNetD = EpsNetT<double>;

// ---- The training loss --------------------------------------------------------------------------

// mean over B·D of (ε_θ(x_t, t) − ε)², x_t = q_sample(x0, t, eps): x0 (B, D), t (B), eps (B, D)
// (a network that predicts_x0: the mean of (x̂_0 − x_0)² instead).
// With `with_grad`, every parameter's gradient is set to ∂loss/∂θ. x_t, the network's time input
// and ε̂ − ε are written into `c` too, so a training loop allocates nothing once B is steady.
template <class S>
S diffusion_loss(const EpsNetT<S>& net, const DiffusionSchedule& sch, const MatT<S>& x0,
                 const std::vector<Index>& t, const MatT<S>& eps, EpsNetCacheT<S>& c,
                 bool with_grad) {
  check_same_shape("diffusion_loss", "x0", x0, "eps", eps);
  if (static_cast<Index>(t.size()) != x0.rows())
    fail("diffusion_loss: {} timesteps for {} rows", t.size(), x0.rows());
  c.xt.resize(x0.rows(), x0.cols());  // (B, D) x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, row by row
  c.time.resize(t.size());            // (B) the network reads t as a number
  for (Index b = 0; b < x0.rows(); ++b) {
    const Index tb = t[static_cast<std::size_t>(b)];
    sch.check_t("diffusion_loss", tb);
    const double a = sch.abar[static_cast<std::size_t>(tb)];
    c.xt.row(b) =
        static_cast<S>(std::sqrt(a)) * x0.row(b) + static_cast<S>(std::sqrt(1 - a)) * eps.row(b);
    c.time[static_cast<std::size_t>(b)] = static_cast<S>(tb);
  }
  net.forward(c.xt, c.time, c);                          // c.out (B, D) ε̂
  c.diff = c.out - (net.config.predicts_x0 ? x0 : eps);  // (B, D) ε̂ − ε  (or x̂_0 − x_0)
  const S n = static_cast<S>(c.diff.size());
  const S loss = c.diff.squaredNorm() / n;
  if (with_grad) {
    c.diff *= S(2) / n;  // ∂loss/∂ε̂ = 2(ε̂ − ε)/(B·D)
    net.backward(c.diff, c);
  }
  return loss;
}

// ---- Training -----------------------------------------------------------------------------------

struct DiffusionTrainOptions {
  Index steps = 3000;          // AdamW updates
  Index batch = 32;            // rows per minibatch, drawn with replacement
  double lr = 1e-3;            // AdamW's learning rate (β 0.9, 0.999)
  double weight_decay = 0.01;  // AdamW's default, as tiny-diffusion
  double clip = 1.0;           // gradient-norm clip (tiny-diffusion's 1.0); 0: none
};

// One AdamW step at a time on minibatches of `data` (N, D): a fresh t and ε for every row.
template <class S>
class DiffusionTrainerT {
 public:
  DiffusionTrainerT(EpsNetT<S>& net, const DiffusionSchedule& sch,
                    const DiffusionTrainOptions& opt = {})
      : net_(net),
        sch_(sch),
        opt_(opt),
        adam_(tensors_of(net.parameters()), opt.lr, 0.9, 0.999, 1e-8, opt.weight_decay) {
    if (opt.batch < 1) fail("train_diffusion: batch = {}; it must be >= 1", opt.batch);
    if (!(opt.clip >= 0.0) || !std::isfinite(opt.clip))
      fail("train_diffusion: clip = {}; it must be finite and >= 0 (0: no clipping)", opt.clip);
    sch.check_t("train_diffusion", sch.T);
  }

  // One step; `step` (counted from 1) names it if the loss is not finite. Returns the loss.
  S step(const MatT<S>& data, Rng& rng, long step) {
    const Index B = opt_.batch, D = net_.data_dim();
    if (data.cols() != D || data.rows() < 1)
      throw ShapeError(
          fmt::format("train_diffusion: data has shape {}, expected (N, {})", shape_str(data), D));
    x0_.resize(B, D);
    eps_.resize(B, D);
    t_.resize(static_cast<std::size_t>(B));
    for (Index b = 0; b < B; ++b) {
      x0_.row(b) = data.row(rng.uniform_index(data.rows()));
      t_[static_cast<std::size_t>(b)] = 1 + rng.uniform_index(sch_.T);
    }
    for (Index i = 0; i < eps_.size(); ++i) eps_.data()[i] = static_cast<S>(rng.normal_double());
    const S loss = diffusion_loss(net_, sch_, x0_, t_, eps_, cache_, true);
    check_finite_loss("train_diffusion", static_cast<double>(loss), step);
    if (opt_.clip > 0) clip_grad_norm(adam_.parameters(), opt_.clip);
    adam_.step();
    return loss;
  }

 private:
  EpsNetT<S>& net_;
  DiffusionSchedule sch_;  // a copy: a temporary schedule may be passed
  DiffusionTrainOptions opt_;
  AdamWT<S> adam_;
  EpsNetCacheT<S> cache_;
  MatT<S> x0_, eps_;      // (B, D)
  std::vector<Index> t_;  // (B)
};

// The loss of every step. Throws aib::DivergenceError naming the step (from 1) when it is not
// finite.
template <class S>
std::vector<double> train_diffusion(EpsNetT<S>& net, const DiffusionSchedule& sch,
                                    const MatT<S>& data, Rng& rng,
                                    const DiffusionTrainOptions& opt = {}) {
  if (opt.steps < 0) fail("train_diffusion: steps = {}; it must be >= 0", opt.steps);
  DiffusionTrainerT<S> trainer(net, sch, opt);
  std::vector<double> losses;  // (steps)
  for (Index s = 1; s <= opt.steps; ++s)
    losses.push_back(static_cast<double>(trainer.step(data, rng, static_cast<long>(s))));
  return losses;
}

// ---- Sampling: one update, given ε̂ -----------------------------------------------------------

// x̂_0 = (x_t − √(1 − ᾱ_t) ε̂)/√ᾱ_t, clipped to [−clip, clip] when clip > 0.
template <class S>
MatT<S> predict_x0(const DiffusionSchedule& sch, const MatT<S>& xt, const MatT<S>& eps_hat, Index t,
                   double clip = 0) {
  sch.check_t("predict_x0", t);
  const double a = sch.abar[static_cast<std::size_t>(t)];
  MatT<S> x0 =  // (B, D)
      (xt - static_cast<S>(std::sqrt(1 - a)) * eps_hat) / static_cast<S>(std::sqrt(a));
  if (clip > 0) x0 = x0.cwiseMax(static_cast<S>(-clip)).cwiseMin(static_cast<S>(clip));
  return x0;  // (B, D)
}

// ε̂ = (x_t − √ᾱ_t x̂_0)/√(1 − ᾱ_t): the noise a prediction of x_0 implies.
template <class S>
MatT<S> eps_from_x0(const DiffusionSchedule& sch, const MatT<S>& xt, const MatT<S>& x0_hat,
                    Index t) {
  sch.check_t("eps_from_x0", t);
  const double a = sch.abar[static_cast<std::size_t>(t)];
  return (xt - static_cast<S>(std::sqrt(a)) * x0_hat) / static_cast<S>(std::sqrt(1 - a));
}

// DDPM: x_{t−1} = μ̃_t(x_t, x̂_0) + √β̃_t z (z unused at t = 1, where β̃_1 = 0).
template <class S>
MatT<S> ddpm_update(const DiffusionSchedule& sch, const MatT<S>& xt, const MatT<S>& eps_hat,
                    Index t, const MatT<S>& z, double clip = 0) {
  const PosteriorT<S> q = q_posterior(sch, xt, predict_x0(sch, xt, eps_hat, t, clip), t);
  return q.mean + static_cast<S>(std::sqrt(q.variance)) * z;
}

// DDIM from t down to s < t:  x_s = √ᾱ_s x̂_0 + √(1 − ᾱ_s − σ²) ε̂ + σ z.
template <class S>
MatT<S> ddim_update(const DiffusionSchedule& sch, const MatT<S>& xt, const MatT<S>& eps_hat,
                    Index t, Index s, double eta, const MatT<S>& z, double clip = 0) {
  if (!(eta >= 0.0) || !std::isfinite(eta)) fail("ddim: eta = {}; it must be >= 0", eta);
  sch.check_t("ddim_update", t);
  if (s < 0 || s >= t) fail("ddim_update: s = {}; it must be in 0 … t − 1 = {}", s, t - 1);
  const double at = sch.abar[static_cast<std::size_t>(t)],
               as = sch.abar[static_cast<std::size_t>(s)];
  const double sigma = eta * std::sqrt((1 - as) / (1 - at)) * std::sqrt(1 - at / as);
  const double dir = std::sqrt(std::max(0.0, 1 - as - sigma * sigma));  // ε̂'s weight
  const MatT<S> x0 = predict_x0(sch, xt, eps_hat, t, clip);             // (B, D)
  if (clip > 0) {      // ε̂ made consistent with the clipped x̂_0
    const MatT<S> e =  // (B, D)
        (xt - static_cast<S>(std::sqrt(at)) * x0) / static_cast<S>(std::sqrt(1 - at));
    return static_cast<S>(std::sqrt(as)) * x0 + static_cast<S>(dir) * e + static_cast<S>(sigma) * z;
  }
  return static_cast<S>(std::sqrt(as)) * x0 + static_cast<S>(dir) * eps_hat +
         static_cast<S>(sigma) * z;
}

// The DDIM timesteps τ_1 < … < τ_S = T, evenly spread ("trailing": τ_i = round(i·T/S)).
inline std::vector<Index> ddim_timesteps(Index T, Index S) {
  if (T <= 0) fail("ddim: T = {}; it must be >= 1", T);
  if (S < 1 || S > T) fail("ddim: S = {} steps; it must be in 1 … T = {}", S, T);
  std::vector<Index> tau;  // (S)
  for (Index i = 1; i <= S; ++i)
    tau.push_back(static_cast<Index>(std::llround(static_cast<double>(i) * T / S)));
  return tau;
}

// ---- Sampling: the whole chain ------------------------------------------------------------------

struct DiffusionSampleOptions {
  Index steps = 0;               // 0: DDPM, all T steps; S in 1 … T: DDIM with S steps
  double eta = 0.0;              // DDIM's noise (0: deterministic, 1: DDPM's amount)
  double clip = 0.0;             // > 0: x̂_0 clipped to [−clip, clip] (data in [−1, 1]: 1)
  std::vector<Index> snapshots;  // timesteps whose x_t is kept (T: the noise, 0: the result)
};

template <class S>
struct DiffusionSamplesT {
  MatT<S> x;                       // (n, D) x_0
  std::vector<Index> snapshot_t;   // the timesteps kept, in the order visited (T first)
  std::vector<MatT<S>> snapshots;  // (n, D) each
  Index evaluations = 0;           // network evaluations (each on the whole batch)
};

// n samples: x_T ~ N(0, I), then DDPM's T steps or DDIM's S (opt.steps).
template <class S>
DiffusionSamplesT<S> diffusion_sample(const EpsNetT<S>& net, const DiffusionSchedule& sch, Index n,
                                      Rng& rng, const DiffusionSampleOptions& opt = {}) {
  if (n < 1) fail("diffusion_sample: n = {}; it must be >= 1", n);
  if (!(opt.eta >= 0.0) || !std::isfinite(opt.eta))
    fail("diffusion_sample: eta = {}; it must be >= 0", opt.eta);
  if (opt.steps < 0 || opt.steps > sch.T)
    fail("diffusion_sample: S = {} steps; it must be in 1 … T = {} (0: DDPM)", opt.steps, sch.T);
  for (const Index s : opt.snapshots) sch.check_t("diffusion_sample: snapshot", s, 0);
  const bool ddim = opt.steps > 0;
  std::vector<Index> tau;  // visited timesteps, high to low, ending at 0
  if (ddim) {
    tau = ddim_timesteps(sch.T, opt.steps);
    std::reverse(tau.begin(), tau.end());
  } else {
    for (Index t = sch.T; t >= 1; --t) tau.push_back(t);
  }
  tau.push_back(0);
  DiffusionSamplesT<S> r;
  const auto keep = [&](Index t, const MatT<S>& x) {
    if (std::find(opt.snapshots.begin(), opt.snapshots.end(), t) != opt.snapshots.end()) {
      r.snapshot_t.push_back(t);
      r.snapshots.push_back(x);
    }
  };
  MatT<S> x = detail::diffusion_normal<S>(n, net.data_dim(), rng);  // (n, D) x_T
  EpsNetCacheT<S> cache;
  keep(tau.front(), x);
  for (std::size_t i = 0; i + 1 < tau.size(); ++i) {
    const Index t = tau[i], s = tau[i + 1];
    const std::vector<S> tf(static_cast<std::size_t>(n), static_cast<S>(t));  // (n)
    const MatT<S>& out = net.forward(x, tf, cache);  // (n, D) ε̂, or x̂_0
    const MatT<S> eps_hat = net.config.predicts_x0 ? eps_from_x0(sch, x, out, t) : out;  // (n, D)
    ++r.evaluations;
    const MatT<S> z = (ddim && opt.eta == 0) || s == 0
                          ? MatT<S>::Zero(n, net.data_dim())
                          : detail::diffusion_normal<S>(n, net.data_dim(), rng);  // (n, D)
    x = ddim ? ddim_update(sch, x, eps_hat, t, s, opt.eta, z, opt.clip)
             : ddpm_update(sch, x, eps_hat, t, z, opt.clip);
    keep(s, x);
  }
  r.x = std::move(x);
  return r;
}

}  // namespace aib
