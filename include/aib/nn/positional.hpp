// aib/nn/positional.hpp — telling attention where each token sits: sinusoidal, learned, rotary.
//
// Shapes: T tokens, D model width, Dh width of one head, Tmax the positions a learned table holds.
// Attention alone ignores order (shuffle the tokens and the outputs shuffle the same way), so
// position enters in one of three ways:
//   sinusoidal_table(T, D)     fixed sin/cos rows added to the embeddings (Vaswani et al. 2017)
//   LearnedPositions(Tmax, D)  a learned (Tmax, D) table, rows added likewise (GPT-2's wpe)
//   rope(x, offset)            turns queries and keys by their position (Su et al. 2021, RoFormer),
//                              so q·k depends on the distance m − n only
// The sinusoidal table and RoPE share one set of frequencies, θ_i = base^(−2i/D), base = 10000.
// Leaves out: ALiBi, T5's relative-position biases, RoPE scaling (linear/NTK/YaRN), partial rotary
// (GPT-NeoX rotary_pct), a precomputed cos/sin cache (angles are computed per call, in double).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "aib/autograd/init.hpp"
#include "aib/autograd/ops.hpp"
#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/module.hpp"

namespace aib {

// ---- Frequencies --------------------------------------------------------------------------------

// θ_i = base^(−2i/D), i = 0 … D/2 − 1: one angular frequency per pair of columns, from 1 radian
// per position (i = 0) down to almost 1/base (wavelengths 2π … 2π·base, a geometric progression).
// D must be even and >= 2, base finite and > 0. Computed in double.
inline VecD position_frequencies(Index D, double base = 10000.0) {
  if (D < 2 || D % 2 != 0)
    fail("position_frequencies: D = {} must be even and >= 2 (columns come in (sin, cos) pairs)",
         D);
  if (!(base > 0.0) || !std::isfinite(base))
    fail("position_frequencies: base = {}; it must be finite and > 0", base);
  VecD theta(D / 2);  // (D/2)
  for (Index i = 0; i < D / 2; ++i)
    theta(i) = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(D));
  return theta;
}

// ---- Sinusoidal (Vaswani et al. 2017) -----------------------------------------------------------

// The fixed table added to the token embeddings, rows for positions offset … offset + T − 1:
//   PE[p, 2i]     = sin(p·θ_i)      θ_i = 1/base^(2i/D)
//   PE[p, 2i + 1] = cos(p·θ_i)
// Layout: interleaved, as the paper's formula (column 2i is a sine, column 2i + 1 its cosine);
// tensor2tensor and some tutorials concatenate [all sines | all cosines] instead — same numbers,
// columns permuted. Row 0 is [0, 1, 0, 1, …]; every entry is in [−1, 1].
// Why it works: for a fixed shift k, PE[p + k] = PE[p]·M_k for every p, where M_k is
// block-diagonal with 2×2 blocks [[cos kθ_i, −sin kθ_i], [sin kθ_i, cos kθ_i]] — a shift in
// position is a rotation of each pair, a linear map attention can learn.
// An odd D is refused with aib::Error: its last column would be a sine with no cosine partner.
// Angles are computed in double and rounded to S.
template <class S = float>
MatT<S> sinusoidal_table(Index T, Index D, Index offset = 0, double base = 10000.0) {
  if (T < 0 || offset < 0) fail("sinusoidal_table: T = {} and offset = {} must be >= 0", T, offset);
  if (D < 2 || D % 2 != 0)
    fail(
        "sinusoidal_table: D = {} must be even and >= 2; each frequency fills a (sin, cos) pair "
        "of columns",
        D);
  const VecD theta = position_frequencies(D, base);  // (D/2)
  MatT<S> pe(T, D);                                  // (T, D)
  for (Index t = 0; t < T; ++t) {
    const double p = static_cast<double>(offset + t);
    for (Index i = 0; i < D / 2; ++i) {
      pe(t, 2 * i) = static_cast<S>(std::sin(p * theta(i)));
      pe(t, 2 * i + 1) = static_cast<S>(std::cos(p * theta(i)));
    }
  }
  return pe;
}

// ---- Learned (GPT-2's wpe) ---------------------------------------------------------------------

// A learned vector per position: row p of a (Tmax, D) table, added to the token embedding of the
// token at position p. Init N(0, 0.02²) from aib::Rng, as GPT-2 in Hugging Face and nanoGPT
// (OpenAI's original TensorFlow code drew wpe with stddev 0.01: pass it to match). A model
// registers it under "wpe": parameters("wpe") gives "wpe.weight", the name in param_count.hpp.
// It cannot go past Tmax: a sequence longer than the table has no row to read.
template <class S>
struct LearnedPositionsT {
  TensorT<S> weight;  // (Tmax, D)

  LearnedPositionsT() = default;
  LearnedPositionsT(Index max_positions, Index dim, Rng& rng, double stddev = 0.02) {
    if (max_positions < 1 || dim < 1)
      fail("LearnedPositions: sizes must be >= 1, got Tmax = {}, D = {}", max_positions, dim);
    if (!(stddev > 0.0) || !std::isfinite(stddev))
      fail("LearnedPositions: stddev = {}; it must be finite and > 0", stddev);
    weight = TensorT<S>::parameter(gpt2_normal<S>(max_positions, dim, rng, stddev));
  }

  Index max_positions() const { return weight.rows(); }  // Tmax
  Index dim() const { return weight.cols(); }            // D

  // (T, D): rows offset … offset + T − 1 of the table. offset > 0 serves incremental decoding
  // (a KV cache): the new token at position p reads forward(1, p). The backward (slice_rows')
  // adds G into exactly those rows; the rest of the table gets zero gradient.
  TensorT<S> forward(Index T, Index offset = 0) const {
    if (T < 0 || offset < 0)
      fail("LearnedPositions::forward: T = {} and offset = {} must be >= 0", T, offset);
    if (offset + T > max_positions())
      fail(
          "LearnedPositions::forward: T = {} tokens from offset {} need positions up to {}, but "
          "the table holds Tmax = {} (positions 0 … {})",
          T, offset, offset + T - 1, max_positions(), max_positions() - 1);
    return slice_rows(weight, offset, T);
  }

  // (n, D): row i is the table's row positions[i] — a batch of B sequences of T tokens stacked as
  // B·T rows reads positions 0 … T − 1 B times. The backward (gather_rows') adds each row's
  // gradient into its position's row, so a position used B times gets B contributions.
  TensorT<S> gather(const std::vector<Index>& positions) const {
    for (std::size_t i = 0; i < positions.size(); ++i)
      if (positions[i] < 0 || positions[i] >= max_positions())
        fail("LearnedPositions::gather: position {} (entry {}) is outside the table's 0 … {}",
             positions[i], i, max_positions() - 1);
    return gather_rows(weight, positions);
  }

  ParametersT<S> parameters(const std::string& prefix = "") const {
    return {{join_name(prefix, "weight"), weight}};
  }
};
using LearnedPositions = LearnedPositionsT<float>;

// ---- Rotary (RoPE, Su et al. 2021) -------------------------------------------------------------

// Row t of x (T, Dh), a query or key of one head at position p_t, is cut into Dh/2 pairs; pair i
// turns by the angle p_t·θ_i (θ_i = base^(−2i/Dh)):
//   y[2i]     = x[2i]·cos(p·θ_i) − x[2i+1]·sin(p·θ_i)
//   y[2i + 1] = x[2i]·sin(p·θ_i) + x[2i+1]·cos(p·θ_i)
// i.e. the complex number x[2i] + i·x[2i+1] times e^{i·p·θ_i}; as a row vector y = x·R(p), R(p)
// block-diagonal with blocks [[cos, sin], [−sin, cos]]. Since R(m)·R(n)ᵀ = R(m − n),
//   rope(q, m)·rope(k, n) = q·R(m − n)·kᵀ   depends on m − n only,
// rotations keep norms, position 0 is the identity, and a negative position turns backwards:
// a row turned by p and then by −p is back where it was. (Careful: an offset −p gives rows the
// positions −p + t, which undoes an offset p only for T = 1; pass the positions for that.)
//
// Pairing convention: INTERLEAVED, (2i, 2i + 1) — the paper's block-diagonal R_Θ,m, Meta's LLaMA
// code (view_as_complex on consecutive pairs) and GPT-J. Chosen because it is the formula as
// written, and because it is the sinusoidal table's own layout: PE[p] = rope(PE[0], −p), the same
// 2×2 rotations. GPT-NeoX and Hugging Face's LLaMA use HALF-SPLIT pairs (i, i + Dh/2)
// ("rotate_half"); HF's conversion script permutes the columns of W_q and W_k so both give the same
// scores. To run half-split weights here, permute each head's q/k columns [0 … Dh/2−1 | Dh/2 …
// Dh−1] into (0, Dh/2, 1, Dh/2 + 1, …) first.
// Angles p·θ_i are computed in double, so large positions stay accurate (code that forms them in
// float32 is off by up to ~2e-4 rad near p = 4000). Multi-head: call once per head's (T, Dh).

namespace detail {

// Throws unless x (T, Dh) has an even Dh >= 2 and one position per row.
template <class M>
void check_rope(const M& x, std::size_t n_positions, double base) {
  if (x.cols() < 2 || x.cols() % 2 != 0)
    throw ShapeError(
        fmt::format("rope: x has shape {}; the head width Dh = {} must be even and "
                    ">= 2 (columns rotate in pairs)",
                    shape_str(x), x.cols()));
  if (static_cast<Index>(n_positions) != x.rows())
    throw ShapeError(fmt::format("rope: {} positions given for x of shape {}; expected one per row",
                                 n_positions, shape_str(x)));
  if (!(base > 0.0) || !std::isfinite(base))
    fail("rope: base = {}; it must be finite and > 0", base);
}

// Positions offset, offset + 1, …, offset + T − 1.
inline std::vector<Index> consecutive_positions(Index T, Index offset) {
  std::vector<Index> p(static_cast<std::size_t>(T));
  for (Index t = 0; t < T; ++t) p[static_cast<std::size_t>(t)] = offset + t;
  return p;
}

// Each pair (2i, 2i + 1) of row t turned by direction·p_t·θ_i: direction +1 is y = x·R(p),
// direction −1 is x·R(p)ᵀ = x·R(−p) (the backward). Arithmetic in double, rounded to S.
template <class S>
MatT<S> rope_rotate(const Eigen::Ref<const MatT<S>>& x, const std::vector<Index>& positions,
                    double base, int direction) {
  const VecD theta = position_frequencies(x.cols(), base);  // (Dh/2)
  MatT<S> y(x.rows(), x.cols());                            // (T, Dh)
  for (Index t = 0; t < x.rows(); ++t) {
    const double p = direction * static_cast<double>(positions[static_cast<std::size_t>(t)]);
    for (Index i = 0; i < theta.size(); ++i) {
      const double c = std::cos(p * theta(i)), s = std::sin(p * theta(i));
      const double a = static_cast<double>(x(t, 2 * i)), b = static_cast<double>(x(t, 2 * i + 1));
      y(t, 2 * i) = static_cast<S>(a * c - b * s);      // Re[(a + ib)·e^{iφ}]
      y(t, 2 * i + 1) = static_cast<S>(a * s + b * c);  // Im[(a + ib)·e^{iφ}]
    }
  }
  return y;
}

}  // namespace detail

// Plain matrices (inference, a KV cache, the episodes): x (T, Dh) -> (T, Dh), row t at
// positions[t]. An even Dh >= 2 and one position per row, else aib::ShapeError. x may be a block,
// e.g. one head's columns Q.middleCols(h·Dh, Dh) of a (T, D) matrix.
inline Mat rope(const Eigen::Ref<const Mat>& x, const std::vector<Index>& positions,
                double base = 10000.0) {
  detail::check_rope(x, positions.size(), base);
  return detail::rope_rotate<float>(x, positions, base, +1);
}
inline MatD rope(const Eigen::Ref<const MatD>& x, const std::vector<Index>& positions,
                 double base = 10000.0) {
  detail::check_rope(x, positions.size(), base);
  return detail::rope_rotate<double>(x, positions, base, +1);
}

// Row t at position offset + t. With a KV cache the new token at position p is rope(x_p, p):
// its (1, Dh) row alone gets exactly the rotation it has in the full sequence.
inline Mat rope(const Eigen::Ref<const Mat>& x, Index offset = 0, double base = 10000.0) {
  return rope(x, detail::consecutive_positions(x.rows(), offset), base);
}
inline MatD rope(const Eigen::Ref<const MatD>& x, Index offset = 0, double base = 10000.0) {
  return rope(x, detail::consecutive_positions(x.rows(), offset), base);
}

// Autograd: y = x·R(p) per row, recorded.
template <class S>
TensorT<S> rope(const TensorT<S>& x, const std::vector<Index>& positions, double base = 10000.0) {
  detail::check_rope(x.value(), positions.size(), base);
  MatT<S> out = detail::rope_rotate<S>(x.value(), positions, base, +1);  // (T, Dh)
  return record("rope", std::move(out), {x}, [x, positions, base](const MatT<S>& g) {
    // y_t = x_t·R(p_t), so ∂L/∂x_t = G_t·R(p_t)ᵀ = G_t·R(−p_t): the gradient turns back by the
    // same angles. Per pair: ∂x[2i] = G[2i]·cos + G[2i+1]·sin, ∂x[2i+1] = −G[2i]·sin + G[2i+1]·cos.
    x.accumulate(detail::rope_rotate<S>(g, positions, base, -1));
  });
}

// Autograd, row t at position offset + t.
template <class S>
TensorT<S> rope(const TensorT<S>& x, Index offset = 0, double base = 10000.0) {
  return rope(x, detail::consecutive_positions(x.rows(), offset), base);
}

}  // namespace aib
