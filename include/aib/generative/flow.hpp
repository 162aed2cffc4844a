// aib/generative/flow.hpp — RealNVP: an invertible map from data to Gaussian noise, trained by
// its exact likelihood (Dinh, Sohl-Dickstein & Bengio 2017, "Density estimation using Real NVP").
//
// Shapes: x (B, D) data, z (B, D) noise, log|det J| (B, 1) per row; D >= 2 (2-D is the course's).
// One affine coupling keeps the columns `keep` (those j with j % 2 == k % 2 for coupling k: the
// masks alternate, so every column is changed by every other coupling) and moves the rest:
//   (raw_s, t) = net(x_keep),   s = bound · tanh(raw_s),   y_keep = x_keep,
//   y_change = x_change ⊙ exp(s) + t,                   log|det ∂y/∂x| = Σ s over the row.
// The Jacobian is triangular (y_change's own column enters only through exp(s)), so its
// log-determinant is that sum, and the inverse is as cheap as the forward:
//   x_change = (y_change − t) ⊙ exp(−s), with (s, t) from y_keep = x_keep.
// The log-scale is bounded by tanh (|s| <= bound, default 1: one coupling scales a column by at
// most e and at least 1/e) so that one large network output cannot blow up exp(s).
// The flow stacks the couplings, z = f_K(…f_1(x)), log|det J| = Σ_k log|det J_k|, and with a
// standard-normal base the density of x is exact:
//   log p(x) = −½‖z‖² − (D/2)·log 2π + log|det ∂z/∂x|,
// NLL = mean over the batch of −log p(x); samples are x = f⁻¹(z), z ~ N(0, I).
// Each conditioner is a DenseNet (nn/dense.hpp): |keep| -> hidden... -> 2·|change|, the first
// |change| outputs raw_s, the rest t. The default recipe is the course's 2-D one (and that of
// shared/tools/peer-torch-generative realnvp): 8 couplings of 1 -> 256 -> 256 -> 2, ReLU.
// Parameters are named "couplings.0.net.0.weight", "couplings.0.net.0.bias", …,
// "couplings.7.net.4.bias". Leaves out: batch norm between couplings, multi-scale architecture,
// learned permutations (Glow's 1×1 convolutions), spline couplings, dequantisation of discrete
// data.
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/ops.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/dense.hpp"
#include "aib/nn/module.hpp"

namespace aib {

// ---- Options ------------------------------------------------------------------------------------

struct RealNVPOptions {
  Index dim = 2;                        // D, the data width (>= 2)
  Index couplings = 8;                  // K affine couplings, masks alternating
  std::vector<Index> hidden{256, 256};  // the conditioner's hidden widths
  double log_scale_bound = 1.0;         // s = bound · tanh(raw_s), so |s| <= bound
  Activation activation = Activation::relu;
};

// The output of the flow or of one coupling, either direction.
template <class S>
struct FlowResult {
  TensorT<S> out;      // (B, D) z for forward, x for inverse
  TensorT<S> log_det;  // (B, 1) log|det ∂out/∂in| per row
};

namespace detail {

// Columns `cols` of x, in that order: (B, D) -> (B, |cols|). Backward scatters them back.
template <class S>
TensorT<S> take_cols(const TensorT<S>& x, const std::vector<Index>& cols) {
  MatT<S> out(x.rows(), static_cast<Index>(cols.size()));  // (B, |cols|)
  for (std::size_t j = 0; j < cols.size(); ++j)
    out.col(static_cast<Index>(j)) = x.value().col(cols[j]);
  return record("take_cols", std::move(out), {x}, [x, cols](const MatT<S>& g) {
    MatT<S> full = MatT<S>::Zero(x.rows(), x.cols());  // (B, D) zero where nothing was read
    for (std::size_t j = 0; j < cols.size(); ++j) full.col(cols[j]) = g.col(static_cast<Index>(j));
    x.accumulate(std::move(full));
  });
}

// The (B, D) matrix whose columns cols_a are a's and cols_b are b's (they partition 0..D−1).
template <class S>
TensorT<S> merge_cols(const TensorT<S>& a, const std::vector<Index>& cols_a, const TensorT<S>& b,
                      const std::vector<Index>& cols_b) {
  const Index d = static_cast<Index>(cols_a.size() + cols_b.size());
  MatT<S> out(a.rows(), d);  // (B, D)
  for (std::size_t j = 0; j < cols_a.size(); ++j)
    out.col(cols_a[j]) = a.value().col(static_cast<Index>(j));
  for (std::size_t j = 0; j < cols_b.size(); ++j)
    out.col(cols_b[j]) = b.value().col(static_cast<Index>(j));
  return record("merge_cols", std::move(out), {a, b}, [a, cols_a, b, cols_b](const MatT<S>& g) {
    const auto part = [&g](const std::vector<Index>& cols) {
      MatT<S> p(g.rows(), static_cast<Index>(cols.size()));  // (B, |cols|)
      for (std::size_t j = 0; j < cols.size(); ++j) p.col(static_cast<Index>(j)) = g.col(cols[j]);
      return p;
    };
    if (a.requires_grad()) a.accumulate(part(cols_a));
    if (b.requires_grad()) b.accumulate(part(cols_b));
  });
}

}  // namespace detail

// ---- One affine coupling ------------------------------------------------------------------------

template <class S>
struct AffineCouplingT {
  std::vector<Index> keep;    // columns passed through unchanged (they condition the rest)
  std::vector<Index> change;  // columns scaled and shifted
  DenseNetT<S> net;           // (B, |keep|) -> (B, 2·|change|): raw_s, then t
  S bound = S(1);             // |s| <= bound

  AffineCouplingT() = default;
  // Coupling `index` of a flow on `dim` columns: it keeps the j with j % 2 == index % 2.
  AffineCouplingT(Index dim, Index index, const std::vector<Index>& hidden, double log_scale_bound,
                  Activation act, Rng& rng)
      : bound(static_cast<S>(log_scale_bound)) {
    for (Index j = 0; j < dim; ++j) (j % 2 == index % 2 ? keep : change).push_back(j);
    std::vector<Index> widths{static_cast<Index>(keep.size())};
    widths.insert(widths.end(), hidden.begin(), hidden.end());
    widths.push_back(2 * static_cast<Index>(change.size()));
    net = DenseNetT<S>(widths, rng, act);
  }

  Index dim() const { return static_cast<Index>(keep.size() + change.size()); }

  // (B, |change|) s and t from the kept columns (B, |keep|)
  std::pair<TensorT<S>, TensorT<S>> scale_shift(const TensorT<S>& kept) const {
    const Index c = static_cast<Index>(change.size());
    const TensorT<S> st = net.forward(kept);  // (B, 2c)
    const TensorT<S> s =
        mul_scalar(tanh(slice_cols(st, 0, c)), bound);  // (B, c) in [−bound, bound]
    return {s, slice_cols(st, c, c)};                   // t: (B, c)
  }

  // x (B, D) -> y (B, D), log|det ∂y/∂x| (B, 1)
  FlowResult<S> forward(const TensorT<S>& x) const {
    const TensorT<S> xa = detail::take_cols(x, keep);    // (B, |keep|)
    const TensorT<S> xb = detail::take_cols(x, change);  // (B, c)
    const auto [s, t] = scale_shift(xa);                 // (B, c) each
    const TensorT<S> yb = add(mul(xb, exp(s)), t);       // (B, c)
    return {detail::merge_cols(xa, keep, yb, change), sum_rows(s)};
  }

  // y (B, D) -> x (B, D), log|det ∂x/∂y| (B, 1) = −(the forward's)
  FlowResult<S> inverse(const TensorT<S>& y) const {
    const TensorT<S> ya = detail::take_cols(y, keep);    // (B, |keep|) = x_keep
    const TensorT<S> yb = detail::take_cols(y, change);  // (B, c)
    const auto [s, t] = scale_shift(ya);                 // (B, c) each
    const TensorT<S> xb = mul(sub(yb, t), exp(neg(s)));  // (B, c)
    return {detail::merge_cols(ya, keep, xb, change), neg(sum_rows(s))};
  }

 private:
  static TensorT<S> neg(const TensorT<S>& a) { return mul_scalar(a, S(-1)); }
};

// ---- The flow -----------------------------------------------------------------------------------

template <class S>
struct RealNVPT {
  std::vector<AffineCouplingT<S>> couplings;  // applied in order by forward (data -> noise)

  RealNVPT() = default;
  RealNVPT(const RealNVPOptions& opt, Rng& rng) {
    if (opt.dim < 2)
      fail(
          "RealNVP: dim must be >= 2 (a coupling needs a column to keep and one to change), "
          "got {}",
          opt.dim);
    if (opt.couplings < 1) fail("RealNVP: couplings must be >= 1, got {}", opt.couplings);
    if (!(opt.log_scale_bound > 0) || !std::isfinite(opt.log_scale_bound))
      fail("RealNVP: log_scale_bound must be positive and finite, got {}", opt.log_scale_bound);
    for (std::size_t i = 0; i < opt.hidden.size(); ++i)
      if (opt.hidden[i] < 1)
        fail("RealNVP: hidden width {} (position {}) must be >= 1", opt.hidden[i], i);
    couplings.reserve(static_cast<std::size_t>(opt.couplings));
    for (Index k = 0; k < opt.couplings; ++k)
      couplings.emplace_back(opt.dim, k, opt.hidden, opt.log_scale_bound, opt.activation, rng);
  }

  Index dim() const { return couplings.empty() ? 0 : couplings.front().dim(); }

  // x (B, D) -> z (B, D), log|det ∂z/∂x| (B, 1)
  FlowResult<S> forward(const TensorT<S>& x) const {
    check_input("forward", x);
    FlowResult<S> r = couplings.front().forward(x);
    for (std::size_t k = 1; k < couplings.size(); ++k) {
      FlowResult<S> next = couplings[k].forward(r.out);
      r = {next.out, add(r.log_det, next.log_det)};
    }
    return r;
  }

  // z (B, D) -> x (B, D), log|det ∂x/∂z| (B, 1): the couplings undone in reverse order
  FlowResult<S> inverse(const TensorT<S>& z) const {
    check_input("inverse", z);
    FlowResult<S> r = couplings.back().inverse(z);
    for (std::size_t k = couplings.size() - 1; k-- > 0;) {
      FlowResult<S> next = couplings[k].inverse(r.out);
      r = {next.out, add(r.log_det, next.log_det)};
    }
    return r;
  }

  // x (B, D) -> log p(x) (B, 1), exact
  TensorT<S> log_prob(const TensorT<S>& x) const {
    const FlowResult<S> f = forward(x);
    const S log_norm = static_cast<S>(-0.5 * static_cast<double>(dim()) * std::log(2 * pi));
    const TensorT<S> base = add_scalar(mul_scalar(sum_rows(mul(f.out, f.out)), S(-0.5)), log_norm);
    return add(base, f.log_det);  // (B, 1)
  }
  // The same without recording a graph: (N, D) -> (N, 1)
  MatT<S> log_prob(const MatT<S>& x) const {
    NoGrad no_graph;
    return log_prob(TensorT<S>(x)).value();
  }

  // Mean negative log-likelihood over the batch, in nats: (B, D) -> (1, 1)
  TensorT<S> nll(const TensorT<S>& x) const { return mul_scalar(mean(log_prob(x)), S(-1)); }

  // n samples (n, D): z ~ N(0, I) pushed through the inverse
  MatT<S> sample(Index n, Rng& rng) const {
    if (n < 1) fail("RealNVP::sample: n must be >= 1, got {}", n);
    NoGrad no_graph;
    const MatT<S> z = rng.normal_mat(n, dim()).template cast<S>();  // (n, D)
    return inverse(TensorT<S>(z)).out.value();
  }

  ParametersT<S> parameters() const {
    ParametersT<S> out;
    for (std::size_t k = 0; k < couplings.size(); ++k)
      append(out, couplings[k].net.parameters("couplings." + std::to_string(k) + ".net"));
    return out;
  }

 private:
  void check_input(const char* where, const TensorT<S>& x) const {
    if (couplings.empty())
      fail("RealNVP::{}: the flow has no couplings (default-constructed)", where);
    if (x.cols() != dim())
      throw ShapeError(fmt::format("RealNVP::{}: input has shape {}, expected (B, {})", where,
                                   x.shape(), dim()));
    if (x.rows() < 1) fail("RealNVP::{}: input has no rows, shape {}", where, x.shape());
  }
};
using RealNVP = RealNVPT<float>;
using RealNVPD = RealNVPT<double>;

// ---- Training -----------------------------------------------------------------------------------

struct FlowTrainOptions {
  Index steps = 2000;  // Adam steps
  Index batch = 512;   // rows per minibatch, drawn with replacement (random_rows)
  double lr = 1e-3;    // Adam's learning rate (betas 0.9, 0.999, as PyTorch's default)
};

struct FlowTrainLog {
  std::vector<double> losses;  // the minibatch NLL (nats) of every step, before its update
};

// Adam on the NLL of random minibatches of `data` (N, D). Every step's loss goes through
// check_finite_loss: a NaN or infinite loss stops training with a DivergenceError naming the step
// (counted from 1) before the bad gradient touches the weights.
template <class S>
FlowTrainLog train_flow(RealNVPT<S>& flow, const MatT<S>& data, Rng& rng,
                        const FlowTrainOptions& opt = {}) {
  if (data.cols() != flow.dim())
    throw ShapeError(fmt::format("train_flow: data has shape {}, expected (N, {})", shape_str(data),
                                 flow.dim()));
  if (data.rows() < 1) fail("train_flow: the data has no rows");
  if (opt.steps < 0) fail("train_flow: steps must be >= 0, got {}", opt.steps);
  if (opt.batch < 1) fail("train_flow: batch must be >= 1, got {}", opt.batch);
  for (Index i = 0; i < data.rows(); ++i)
    if (!data.row(i).allFinite()) fail("train_flow: data row {} is not finite", i);
  AdamT<S> adam(tensors_of(flow.parameters()), opt.lr);
  FlowTrainLog log;
  log.losses.reserve(static_cast<std::size_t>(opt.steps));
  for (Index step = 1; step <= opt.steps; ++step) {
    const TensorT<S> x(random_rows(data, opt.batch, rng));  // (batch, D)
    const TensorT<S> loss = flow.nll(x);                    // (1, 1)
    check_finite_loss("train_flow", static_cast<double>(loss.item()), static_cast<long>(step));
    log.losses.push_back(static_cast<double>(loss.item()));
    adam.zero_grad();
    loss.backward();
    adam.step();
  }
  return log;
}

}  // namespace aib
