// aib/nn/tiled_attention.hpp — attention in tiles with an online softmax: no T×T matrix.
//
// Plain attention (attention.hpp, fused_attention.hpp) builds the whole score matrix
// S = Q·Kᵀ/√Dh, (T, T), softmaxes it into P and multiplies P·V: memory grows as T². Here the same
// output is computed a tile at a time: block_q query rows against block_k key rows. Each query
// row keeps a running maximum m and a running sum l of exp(s − m); when a new tile raises the
// maximum to m', the sum and the output accumulator are rescaled by exp(m − m') before the
// tile's exp(s − m') terms are added, so the result is exactly softmax(S)·V up to rounding
// (the online softmax of Milakov & Gimelshein 2018, used tile-wise by FlashAttention,
// Dao et al. 2022). Extra memory: one (block_q, block_k) tile and (T) row statistics, O(T·Dh).
// Backward (FlashAttention-2, Dao 2023) keeps only O and the row logsumexp L = m + log l, and
// recomputes each tile's P = exp(S − L); with D_i = rowsum(dO ⊙ O)_i it uses
// dS = P ⊙ (dP − D_i), which equals fused_attention.hpp's P ⊙ (dP − rowsum(dP ⊙ P)).
// Causal: tiles wholly above the diagonal are skipped, only tiles crossing it are masked.
// Legend: T tokens, Dh head width, B sequences, H heads, D = H·Dh.
// Leaves out: threads, dropout, padding masks, cross-attention (Tq ≠ Tk), a KV cache.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include <fmt/core.h>

#include "aib/autograd/tensor.hpp"
#include "aib/core/check.hpp"
#include "aib/core/numeric.hpp"

namespace aib {

// Tile sizes: block_q query rows are processed against block_k key rows at a time.
struct TileOptions {
  Index block_q = 64;
  Index block_k = 256;
};

namespace detail {

inline void check_tiles(const char* where, const TileOptions& tiles) {
  if (tiles.block_q < 1 || tiles.block_k < 1)
    fail("{}: tile sizes block_q = {}, block_k = {}; both must be >= 1", where, tiles.block_q,
         tiles.block_k);
}

// Keys a query tile starting at row i0 with bi rows looks at: all T, or with causal masking
// only keys 0 … i0 + bi − 1 (the tiles above the diagonal are never computed).
inline Index key_end(Index i0, Index bi, Index T, bool causal) {
  return causal ? std::min(T, i0 + bi) : T;
}

// In a tile s (bi, bj) for queries i0 … and keys j0 …, set s(r, c) = fill where key j0 + c is
// after query i0 + r. Only tiles crossing the diagonal have such entries. Scores are masked with
// −∞ (so the row max ignores them) and their exp is then set to exactly 0: a vectorised exp
// clamps −∞ to about −88 and returns a subnormal float there, which slows the next matmul on
// most CPUs by an order of magnitude.
template <class S>
void mask_future(MatT<S>& s, Index i0, Index j0, S fill) {
  const Index bi = s.rows(), bj = s.cols();
  if (j0 + bj - 1 <= i0) return;  // the whole tile is on or below the diagonal
  for (Index r = 0; r < bi; ++r) {
    const Index masked = std::min(bj, j0 + bj - 1 - (i0 + r));  // keys j > i in this row
    if (masked > 0) s.row(r).tail(masked).setConstant(fill);
  }
}

// One head's forward. q, k, v (T, Dh) → out (T, Dh) and lse (T), lse_i = log Σ_j exp(s_ij).
template <class S>
void tiled_forward_head(const Eigen::Ref<const MatT<S>>& q, const Eigen::Ref<const MatT<S>>& k,
                        const Eigen::Ref<const MatT<S>>& v, bool causal, const TileOptions& tiles,
                        Eigen::Ref<MatT<S>> out, Eigen::Ref<VecT<S>> lse) {
  const Index T = q.rows(), Dh = q.cols();
  const S scale = S(1) / std::sqrt(S(Dh));
  const S inf = std::numeric_limits<S>::infinity();
  MatT<S> qs, s, acc;          // (bi, Dh) scaled queries, (bi, bj) one tile of scores, (bi, Dh)
  VecT<S> m, l, m_new, alpha;  // (bi) running max, running sum, new max, rescale factor
  for (Index i0 = 0; i0 < T; i0 += tiles.block_q) {
    const Index bi = std::min(tiles.block_q, T - i0);
    qs = q.middleRows(i0, bi) * scale;
    acc.setZero(bi, Dh);
    m.setConstant(bi, -std::numeric_limits<S>::infinity());
    l.setZero(bi);
    const Index end = key_end(i0, bi, T, causal);
    for (Index j0 = 0; j0 < end; j0 += tiles.block_k) {
      const Index bj = std::min(tiles.block_k, end - j0);
      s.resize(bi, bj);
      s.noalias() = qs * k.middleRows(j0, bj).transpose();  // s_ij = q_i·k_j/√Dh
      const bool diagonal = causal && j0 + bj - 1 > i0;
      if (diagonal) mask_future(s, i0, j0, -inf);
      // The first tile holds key 0, which every row may see, so m is finite from then on.
      m_new = m.cwiseMax(s.rowwise().maxCoeff());
      if (j0 == 0)
        alpha.setZero(bi);  // nothing accumulated yet
      else
        alpha = (m - m_new).array().exp();  // exp(m − m') rescales the old sum and output
      s.array().colwise() -= m_new.array();
      s.array() = s.array().exp();  // p_ij = exp(s_ij − m'_i)
      if (diagonal) mask_future(s, i0, j0, S(0));
      l = l.cwiseProduct(alpha) + s.rowwise().sum();
      acc.array().colwise() *= alpha.array();
      acc.noalias() += s * v.middleRows(j0, bj);
      m.swap(m_new);
    }
    out.middleRows(i0, bi) = acc.array().colwise() / l.array();
    lse.segment(i0, bi) = m.array() + l.array().log();
  }
}

// One head's backward, accumulating (+=) into dq, dk, dv (T, Dh). o (T, Dh) and lse (T) are the
// forward's outputs, g (T, Dh) = dO. For each tile, recomputed from q, k and lse:
//   P = exp(S − L),  dV += Pᵀ·dO,  dP = dO·Vᵀ,  dS = P ⊙ (dP − D),  D_i = rowsum(dO ⊙ O)_i,
//   dQ += dS·K/√Dh,  dK += dSᵀ·Q/√Dh.
// (Σ_j p_ij dp_ij = Σ_j p_ij (dO_i·v_j) = dO_i·o_i, so D is the rowsum(dP ⊙ P) of the plain
// backward, read off O instead of the T×T matrices.)
template <class S>
void tiled_backward_head(const Eigen::Ref<const MatT<S>>& q, const Eigen::Ref<const MatT<S>>& k,
                         const Eigen::Ref<const MatT<S>>& v, const Eigen::Ref<const MatT<S>>& o,
                         const Eigen::Ref<const VecT<S>>& lse, const Eigen::Ref<const MatT<S>>& g,
                         bool causal, const TileOptions& tiles, Eigen::Ref<MatT<S>> dq,
                         Eigen::Ref<MatT<S>> dk, Eigen::Ref<MatT<S>> dv) {
  const Index T = q.rows(), Dh = q.cols();
  const S scale = S(1) / std::sqrt(S(Dh));
  const VecT<S> d = g.cwiseProduct(o).rowwise().sum();  // (T) D_i = dO_i·o_i
  MatT<S> qs, p, dp;  // (bi, Dh) scaled queries, (bi, bj) P tile, (bi, bj) dP then dS tile
  for (Index i0 = 0; i0 < T; i0 += tiles.block_q) {
    const Index bi = std::min(tiles.block_q, T - i0);
    qs = q.middleRows(i0, bi) * scale;
    const auto gi = g.middleRows(i0, bi);  // (bi, Dh)
    const Index end = key_end(i0, bi, T, causal);
    for (Index j0 = 0; j0 < end; j0 += tiles.block_k) {
      const Index bj = std::min(tiles.block_k, end - j0);
      const auto kj = k.middleRows(j0, bj);  // (bj, Dh)
      const auto vj = v.middleRows(j0, bj);  // (bj, Dh)
      p.resize(bi, bj);
      p.noalias() = qs * kj.transpose();
      p.array().colwise() -= lse.segment(i0, bi).array();
      p.array() = p.array().exp();  // P = exp(S − L)
      if (causal) mask_future(p, i0, j0, S(0));
      dv.middleRows(j0, bj).noalias() += p.transpose() * gi;  // dV = Pᵀ·dO
      dp.resize(bi, bj);
      dp.noalias() = gi * vj.transpose();  // dP = dO·Vᵀ
      dp.array().colwise() -= d.segment(i0, bi).array();
      dp.array() *= p.array() * scale;             // dS/√Dh = P ⊙ (dP − D)/√Dh
      dq.middleRows(i0, bi).noalias() += dp * kj;  // dQ = dS·K/√Dh
      dk.middleRows(j0, bj).noalias() += dp.transpose() * q.middleRows(i0, bi);  // dK = dSᵀ·Q/√Dh
    }
  }
}

template <class S>
void check_head_shapes(const char* where, const MatT<S>& q, const MatT<S>& k, const MatT<S>& v) {
  if (q.rows() < 1 || q.cols() < 1 || k.rows() != q.rows() || k.cols() != q.cols() ||
      v.rows() != q.rows() || v.cols() != q.cols())
    throw ShapeError(
        fmt::format("{}: q {}, k {}, v {}; need three (T, Dh) matrices of one shape "
                    "with T, Dh >= 1",
                    where, shape_str(q), shape_str(k), shape_str(v)));
}

}  // namespace detail

// ---- One head, raw matrices ---------------------------------------------------------------------

// The plain way, for comparison: S = q·kᵀ/√Dh (T, T), masked above the diagonal if causal,
// P = softmax(S) row by row, out = P·v (T, Dh). Extra memory: the T² scores.
template <class S>
MatT<S> plain_attention(const MatT<S>& q, const MatT<S>& k, const MatT<S>& v, bool causal) {
  detail::check_head_shapes("plain_attention", q, k, v);
  const Index T = q.rows();
  MatT<S> s(T, T);  // (T, T)
  s.noalias() = q * k.transpose();
  s *= S(1) / std::sqrt(S(q.cols()));
  if (causal)  // −∞ above the diagonal for the row max, then exactly 0 after exp (see above)
    for (Index i = 0; i + 1 < T; ++i)
      s.row(i).tail(T - 1 - i).setConstant(-std::numeric_limits<S>::infinity());
  const VecT<S> mx = s.rowwise().maxCoeff();  // (T)
  s.array().colwise() -= mx.array();
  s.array() = s.array().exp();
  if (causal)
    for (Index i = 0; i + 1 < T; ++i) s.row(i).tail(T - 1 - i).setZero();
  const VecT<S> sum = s.rowwise().sum();  // (T)
  s.array().colwise() /= sum.array();     // now P
  MatT<S> out(T, q.cols());               // (T, Dh)
  out.noalias() = s * v;
  return out;
}

// The same result in tiles: q, k, v (T, Dh) → (T, Dh). If lse != nullptr it receives the row
// logsumexp of the scores, (T). Extra memory: one (block_q, block_k) tile + O(block_q·Dh + T).
template <class S>
MatT<S> tiled_attention(const MatT<S>& q, const MatT<S>& k, const MatT<S>& v, bool causal,
                        const TileOptions& tiles = {}, VecT<S>* lse = nullptr) {
  detail::check_head_shapes("tiled_attention", q, k, v);
  detail::check_tiles("tiled_attention", tiles);
  MatT<S> out(q.rows(), q.cols());  // (T, Dh)
  VecT<S> row_lse(q.rows());        // (T)
  detail::tiled_forward_head<S>(q, k, v, causal, tiles, out, row_lse);
  if (lse != nullptr) *lse = std::move(row_lse);
  return out;
}

// Multiply-adds counted as 2 FLOPs, of the tiles tiled_attention actually computes for one head
// (masked entries of diagonal tiles included): Q·Kᵀ and P·V, 2·Dh each per score, so
// 4·Dh·(scores computed). Softmax arithmetic is not counted.
inline double tiled_attention_flops(Index T, Index Dh, bool causal, const TileOptions& tiles = {}) {
  detail::check_tiles("tiled_attention_flops", tiles);
  double scores = 0;
  for (Index i0 = 0; i0 < T; i0 += tiles.block_q) {
    const Index bi = std::min(tiles.block_q, T - i0);
    scores += double(bi) * double(detail::key_end(i0, bi, T, causal));
  }
  return 4.0 * double(Dh) * scores;
}

// ---- Multi-head self-attention over a batch, as one autograd op ---------------------------------

// Same contract as fused_self_attention (fused_attention.hpp): qkv (B·T, 3D) holds [Q | K | V],
// head h at columns h·Dh … of each part; returns (B·T, D). Saves O (B·T, D) and the row
// logsumexp (B·H·T) for backward instead of P (B·H·T, T).
template <class S>
TensorT<S> tiled_self_attention(const TensorT<S>& qkv, Index batch, Index heads, bool causal,
                                const TileOptions& tiles = {}) {
  const Index rows = qkv.rows(), D = qkv.cols() / 3;
  if (batch < 1 || heads < 1 || qkv.cols() % 3 != 0 || D < 1 || rows < 1 || rows % batch != 0 ||
      D % heads != 0)
    throw ShapeError(fmt::format(
        "tiled_self_attention: qkv is {}; need (B·T, 3D) with B = {} dividing the rows and H = {} "
        "dividing D",
        qkv.shape(), batch, heads));
  detail::check_tiles("tiled_self_attention", tiles);
  const Index T = rows / batch, Dh = D / heads;
  const MatT<S>& x = qkv.value();
  auto out = std::make_shared<MatT<S>>(rows, D);            // (B·T, D) O, kept for backward
  auto lse = std::make_shared<VecT<S>>(batch * heads * T);  // (B·H·T) row logsumexp
  for (Index b = 0; b < batch; ++b)
    for (Index h = 0; h < heads; ++h)
      detail::tiled_forward_head<S>(x.block(b * T, h * Dh, T, Dh),          // Q (T, Dh)
                                    x.block(b * T, D + h * Dh, T, Dh),      // K (T, Dh)
                                    x.block(b * T, 2 * D + h * Dh, T, Dh),  // V (T, Dh)
                                    causal, tiles, out->block(b * T, h * Dh, T, Dh),
                                    lse->segment((b * heads + h) * T, T));
  return record("tiled_self_attention", MatT<S>(*out), {qkv},
                [qkv, out, lse, batch, heads, causal, tiles, T, D, Dh](const MatT<S>& g) {
                  const MatT<S>& x = qkv.value();
                  MatT<S> dx = MatT<S>::Zero(x.rows(), x.cols());  // (B·T, 3D)
                  for (Index b = 0; b < batch; ++b)
                    for (Index h = 0; h < heads; ++h)
                      detail::tiled_backward_head<S>(
                          x.block(b * T, h * Dh, T, Dh), x.block(b * T, D + h * Dh, T, Dh),
                          x.block(b * T, 2 * D + h * Dh, T, Dh), out->block(b * T, h * Dh, T, Dh),
                          lse->segment((b * heads + h) * T, T), g.block(b * T, h * Dh, T, Dh),
                          causal, tiles, dx.block(b * T, h * Dh, T, Dh),
                          dx.block(b * T, D + h * Dh, T, Dh),
                          dx.block(b * T, 2 * D + h * Dh, T, Dh));
                  qkv.accumulate(dx);
                });
}

}  // namespace aib
