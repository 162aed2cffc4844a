// aib/autograd/init.hpp — starting weights, scaled so signals neither fade nor blow up.
//
// Xavier/Glorot (Glorot & Bengio 2010): Var(w) = gain²·2/(fan_in + fan_out). Kaiming/He (He et al.
// 2015, fan_in mode): Var(w) = gain²/fan_in, gain √2 for ReLU. GPT-2 (Radford et al. 2019):
// N(0, 0.02²). The formulas and gains are torch.nn.init's. Fan convention for our (D_in, D_out)
// layout (Y = X·W): fan_in = rows = D_in, fan_out = cols = D_out. PyTorch stores nn.Linear.weight
// as (out, in) and reads fan_in from dim 1, so the fans are swapped relative to its storage: the
// same draw here is the transpose of torch's. Draws come from aib::Rng only, in double, rounded.
// Leaves out: orthogonal and sparse init, fan_out mode, conv fans (receptive field), biases.
#pragma once

#include <cmath>
#include <string_view>

#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/core/types.hpp"

namespace aib {

// The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): "linear" and
// "sigmoid" 1, "tanh" 5/3, "relu" √2, "leaky_relu" √(2/(1 + slope²)), "selu" 3/4.
inline double init_gain(std::string_view nonlinearity, double negative_slope = 0.01) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid") return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + negative_slope * negative_slope));
  if (nonlinearity == "selu") return 0.75;
  fail(
      "init_gain: unknown nonlinearity '{}'; expected linear, sigmoid, tanh, relu, leaky_relu "
      "or selu",
      nonlinearity);
}

namespace detail {

inline void check_init(const char* where, Index rows, Index cols, const char* what, double value) {
  if (rows < 1 || cols < 1)
    fail("{}: shape ({}, {}) needs rows >= 1 and cols >= 1", where, rows, cols);
  if (!(value > 0.0) || !std::isfinite(value))
    fail("{}: {} = {}; it must be finite and > 0", where, what, value);
}

// (rows, cols) filled row by row with U(−a, a): −a + 2a·u, u uniform in [0, 1) from 53 bits.
template <class S>
MatT<S> uniform_fill(Index rows, Index cols, Rng& rng, double a) {
  MatT<S> w(rows, cols);  // (rows, cols)
  for (Index i = 0; i < w.size(); ++i)
    w.data()[i] = static_cast<S>(-a + 2.0 * a * rng.uniform_double());
  return w;
}

// (rows, cols) filled row by row with N(0, std²).
template <class S>
MatT<S> normal_fill(Index rows, Index cols, Rng& rng, double sigma) {
  MatT<S> w(rows, cols);  // (rows, cols)
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<S>(sigma * rng.normal_double());
  return w;
}

}  // namespace detail

// W (D_in, D_out) ~ U(−a, a), a = gain·√(6/(fan_in + fan_out)), fan_in = rows, fan_out = cols.
template <class S = float>
MatT<S> xavier_uniform(Index rows, Index cols, Rng& rng, double gain = 1.0) {
  detail::check_init("xavier_uniform", rows, cols, "gain", gain);
  const double a = gain * std::sqrt(6.0 / static_cast<double>(rows + cols));
  return detail::uniform_fill<S>(rows, cols, rng, a);
}

// W (D_in, D_out) ~ N(0, σ²), σ = gain·√(2/(fan_in + fan_out)), fan_in = rows, fan_out = cols.
template <class S = float>
MatT<S> xavier_normal(Index rows, Index cols, Rng& rng, double gain = 1.0) {
  detail::check_init("xavier_normal", rows, cols, "gain", gain);
  const double sigma = gain * std::sqrt(2.0 / static_cast<double>(rows + cols));
  return detail::normal_fill<S>(rows, cols, rng, sigma);
}

// W (D_in, D_out) ~ U(−a, a), a = gain·√(3/fan_in), fan_in = rows (He init, fan_in mode; the
// default gain √2 is ReLU's: Var(w) = 2/fan_in keeps E[y²] constant through ReLU layers).
template <class S = float>
MatT<S> kaiming_uniform(Index rows, Index cols, Rng& rng, double gain = std::sqrt(2.0)) {
  detail::check_init("kaiming_uniform", rows, cols, "gain", gain);
  const double a = gain * std::sqrt(3.0 / static_cast<double>(rows));
  return detail::uniform_fill<S>(rows, cols, rng, a);
}

// W (D_in, D_out) ~ N(0, σ²), σ = gain/√fan_in, fan_in = rows.
template <class S = float>
MatT<S> kaiming_normal(Index rows, Index cols, Rng& rng, double gain = std::sqrt(2.0)) {
  detail::check_init("kaiming_normal", rows, cols, "gain", gain);
  const double sigma = gain / std::sqrt(static_cast<double>(rows));
  return detail::normal_fill<S>(rows, cols, rng, sigma);
}

// W ~ N(0, stddev²) with GPT-2's stddev = 0.02 whatever the shape. GPT-2 also scales the
// residual projections by 1/√(2·n_layer): pass stddev = 0.02/√(2·n_layer) for those.
template <class S = float>
MatT<S> gpt2_normal(Index rows, Index cols, Rng& rng, double stddev = 0.02) {
  detail::check_init("gpt2_normal", rows, cols, "stddev", stddev);
  return detail::normal_fill<S>(rows, cols, rng, stddev);
}

}  // namespace aib
