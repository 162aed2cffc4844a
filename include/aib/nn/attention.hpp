// aib/nn/attention.hpp — scaled dot-product attention and multi-head attention.
//
// Shapes: Tq queries, Tk keys (= values), Dh width of a query and a key, Dv width of a value,
// D model width, H heads; inside multi-head attention Dh = Dv = D / H.
//   Attention(Q, K, V) = softmax(Q·Kᵀ/√Dh + M)·V        (Vaswani et al. 2017, eq. 1)
//   MultiHead(Xq, Xkv) = [head_1 … head_H]·W_o + b_o,  head_h = Attention(Q_h, K_h, V_h)   (§3.2.2)
// M is 0 where query i may look at key j and −∞ where a mask forbids it. A mask is a bool
// (Tq, Tk) matrix, true = may attend (PyTorch 2's scaled_dot_product_attention convention; the
// opposite of nn.MultiheadAttention's bool attn_mask). A query row with no allowed key gets
// weights 0 and output 0, with zero gradient (PyTorch 1.13 returns NaN there).
// Leaves out: batches (call once per sequence), dropout on the weights, grouped-query attention,
// a KV cache, fused kernels, different key and value inputs in cross-attention.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/autograd/activations.hpp"
#include "aib/autograd/ops.hpp"
#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/module.hpp"

namespace aib {

// ---- Masks --------------------------------------------------------------------------------------

// (Tq, Tk), true where query i may attend to key j. An empty (0, 0) mask means "no mask".
using AttentionMask = MatT<bool>;

// Causal (decoder) mask, (T, T): token i sees tokens 0 … i, never the future — the lower triangle
// with its diagonal.
inline AttentionMask causal_mask(Index T) {
  if (T < 1) fail("causal_mask: T = {}; need at least 1 token", T);
  AttentionMask m(T, T);  // (T, T)
  for (Index i = 0; i < T; ++i)
    for (Index j = 0; j < T; ++j) m(i, j) = j <= i;
  return m;
}

// Padding mask, (Tq, Tk) with Tk = key_valid.size(): every query may attend to key j iff
// key_valid[j] (false for padding tokens). Padded queries still get an output; ignore it.
inline AttentionMask padding_mask(const std::vector<bool>& key_valid, Index Tq) {
  const Index Tk = static_cast<Index>(key_valid.size());
  if (Tq < 1 || Tk < 1)
    fail("padding_mask: shape ({}, {}); need at least 1 query and 1 key", Tq, Tk);
  AttentionMask m(Tq, Tk);  // (Tq, Tk)
  for (Index j = 0; j < Tk; ++j) m.col(j).setConstant(key_valid[static_cast<std::size_t>(j)]);
  return m;
}

// Padding mask from a length, (Tq, Tk): keys 0 … valid_length − 1 are real, the rest padding.
inline AttentionMask padding_mask(Index valid_length, Index Tq, Index Tk) {
  if (valid_length < 0 || valid_length > Tk)
    fail("padding_mask: valid_length = {} is outside [0, Tk = {}]", valid_length, Tk);
  std::vector<bool> valid(static_cast<std::size_t>(Tk < 0 ? 0 : Tk), false);
  for (Index j = 0; j < valid_length; ++j) valid[static_cast<std::size_t>(j)] = true;
  return padding_mask(valid, Tq);
}

// Both constraints at once (e.g. causal and padding): allowed only where a and b allow.
// An empty mask constrains nothing, so combine_masks(m, {}) is m.
inline AttentionMask combine_masks(const AttentionMask& a, const AttentionMask& b) {
  if (a.size() == 0) return b;
  if (b.size() == 0) return a;
  check_same_shape("combine_masks", "a", a, "b", b);
  return (a.array() && b.array()).matrix();
}

// ---- Scaled dot-product attention ---------------------------------------------------------------

// out = softmax(q·kᵀ/√Dh, masked)·v, (Tq, Dv). Each output row is a weighted average of the rows
// of v; row i's weights (the softmax row) say how much query i looks at each key. If `weights` is
// given it receives those weights, (Tq, Tk), rows summing to 1 (or 0 for a row the mask empties).
// Built from recorded ops (matmul, transpose, mul_scalar, masked_fill, softmax), so backward() is
// the exact gradient for q, k and v:
//   S = q·kᵀ/√Dh, P = softmax(S), out = P·v:   ∂v = Pᵀ·G,  ∂P = G·vᵀ,
//   ∂S = P ⊙ (∂P − rowsum(∂P ⊙ P)) (0 where masked),  ∂q = ∂S·k/√Dh,  ∂k = ∂Sᵀ·q/√Dh.
template <class S>
TensorT<S> scaled_dot_product_attention(const TensorT<S>& q, const TensorT<S>& k,
                                        const TensorT<S>& v, const AttentionMask& mask = {},
                                        MatT<S>* weights = nullptr) {
  constexpr const char* where = "scaled_dot_product_attention";
  if (q.cols() != k.cols())
    throw ShapeError(
        fmt::format("{}: q has shape {} and k has shape {}; q (Tq, Dh) and k (Tk, Dh) "
                    "need the same width Dh",
                    where, q.shape(), k.shape()));
  if (k.rows() != v.rows())
    throw ShapeError(
        fmt::format("{}: k has shape {} and v has shape {}; k (Tk, Dh) and v (Tk, Dv) "
                    "need the same number of rows Tk",
                    where, k.shape(), v.shape()));
  if (q.cols() < 1 || k.rows() < 1)
    throw ShapeError(fmt::format("{}: q has shape {} and k has shape {}; need Dh >= 1 and Tk >= 1",
                                 where, q.shape(), k.shape()));
  if (mask.size() != 0) check_shape(where, "mask", mask, q.rows(), k.rows());
  const Index Dh = q.cols();

  // S = q·kᵀ/√Dh: s_ij = q_i·k_j/√Dh. The 1/√Dh keeps the scores' variance near 1 when q and k
  // have unit-variance entries, so the softmax does not saturate as Dh grows.
  const S scale = S(1) / std::sqrt(static_cast<S>(Dh));
  TensorT<S> scores = mul_scalar(matmul(q, transpose(k)), scale);  // (Tq, Tk)

  // Masked scores become −∞, so softmax gives them exactly 0 (and masked_fill's gradient there is
  // 0). A row with no allowed key would be softmax(−∞, …, −∞) = 0/0 = NaN: such rows are left
  // unmasked here and their weights zeroed after the softmax instead, so no NaN is ever computed,
  // forward or backward, and their output and gradients are exactly 0.
  AttentionMask empty_rows;  // (Tq, Tk), true on every entry of a row with no allowed key
  if (mask.size() != 0) {
    const Eigen::Array<bool, Eigen::Dynamic, 1> none = !mask.array().rowwise().any();  // (Tq)
    AttentionMask blocked = (!mask.array()).matrix();  // (Tq, Tk), true = forbidden
    for (Index i = 0; i < mask.rows(); ++i)
      if (none(i)) blocked.row(i).setConstant(false);
    scores = masked_fill(scores, blocked, -std::numeric_limits<S>::infinity());  // (Tq, Tk)
    if (none.any()) empty_rows = none.replicate(1, mask.cols()).matrix();
  }
  TensorT<S> p = softmax(scores);                                    // (Tq, Tk), rows sum to 1
  if (empty_rows.size() != 0) p = masked_fill(p, empty_rows, S(0));  // (Tq, Tk), empty rows 0
  if (weights != nullptr) *weights = p.value();
  return matmul(p, v);  // (Tq, Dv)
}

// ---- Multi-head attention -----------------------------------------------------------------------

// H attention heads side by side, each on its own Dh = D/H columns of the projected queries, keys
// and values; their outputs are concatenated back to D columns and mixed by W_o.
// Parameters, under GPT-2's names (as param_count.hpp lists them, "h.0.attn.c_attn.weight"):
//   c_attn.weight (D, 3D) = [W_q W_k W_v], c_attn.bias (1, 3D) = [b_q b_k b_v]   (field qkv)
//   c_proj.weight (D, D) = W_o,            c_proj.bias (1, D) = b_o              (field proj)
// (GPT-2's Conv1D stores these (D_in, D_out) too; biases are optional.)
// Head h uses columns [h·Dh, (h+1)·Dh) of each of W_q, W_k, W_v — PyTorch's layout: its
// in_proj_weight is this qkv.weight transposed, its out_proj.weight is proj.weight transposed.
// Init: Linear's U(−1/√D, 1/√D) for every weight and bias (aib/autograd/init.hpp re-initialises).
template <class S>
struct MultiHeadAttentionT {
  Index n_heads = 1;  // H
  LinearT<S> qkv;     // (D, 3D): x·W_q, x·W_k, x·W_v in one product
  LinearT<S> proj;    // (D, D): W_o, the output projection

  MultiHeadAttentionT() = default;
  MultiHeadAttentionT(Index d_model, Index heads, Rng& rng, bool bias = true) : n_heads(heads) {
    check_heads(d_model, heads);
    qkv = LinearT<S>(d_model, 3 * d_model, rng, bias);
    proj = LinearT<S>(d_model, d_model, rng, bias);
  }

  Index d_model() const { return proj.in_features(); }    // D
  Index head_dim() const { return d_model() / n_heads; }  // Dh

  // Self-attention: queries, keys and values all come from x (T, D) -> (T, D).
  // One product x·[W_q W_k W_v] + [b_q b_k b_v] gives q, k, v side by side. mask is (T, T) or
  // empty; head_weights, if given, receives H matrices (T, T), the weights of each head.
  TensorT<S> forward(const TensorT<S>& x, const AttentionMask& mask = {},
                     std::vector<MatT<S>>* head_weights = nullptr) const {
    check_input("x", x);
    const Index D = d_model();
    const TensorT<S> qkv_x = qkv.forward(x);  // (T, 3D): [q k v]
    return attend(qkv_x, 0, qkv_x, D, 2 * D, mask, head_weights);
  }

  // Cross-attention (an encoder-decoder's decoder): queries from x_q (Tq, D), keys and values from
  // x_kv (Tk, D) -> (Tq, D). The same fused parameters split by columns: W_q (qkv.weight's first D
  // columns) and b_q apply to x_q, W_k and W_v (the other 2D columns) and b_k, b_v to x_kv — as
  // PyTorch's nn.MultiheadAttention(query = x_q, key = value = x_kv). mask is (Tq, Tk) or empty;
  // head_weights receives H matrices (Tq, Tk).
  TensorT<S> forward(const TensorT<S>& x_q, const TensorT<S>& x_kv, const AttentionMask& mask = {},
                     std::vector<MatT<S>>* head_weights = nullptr) const {
    check_input("x_q", x_q);
    check_input("x_kv", x_kv);
    const Index D = d_model();
    TensorT<S> q = matmul(x_q, slice_cols(qkv.weight, 0, D));        // (Tq, D)
    TensorT<S> kv = matmul(x_kv, slice_cols(qkv.weight, D, 2 * D));  // (Tk, 2D): [k v]
    if (qkv.bias.defined()) {
      q = add(q, slice_cols(qkv.bias, 0, D));        // (Tq, D)
      kv = add(kv, slice_cols(qkv.bias, D, 2 * D));  // (Tk, 2D)
    }
    return attend(q, 0, kv, 0, D, mask, head_weights);
  }

  ParametersT<S> parameters(const std::string& prefix = "") const {
    ParametersT<S> out = qkv.parameters(join_name(prefix, "c_attn"));
    append(out, proj.parameters(join_name(prefix, "c_proj")));
    return out;
  }

 private:
  static void check_heads(Index D, Index H) {
    if (D < 1 || H < 1 || D % H != 0)
      fail(
          "MultiHeadAttention: model width D = {} must be a positive multiple of the number of "
          "heads H = {} (each head gets Dh = D / H columns)",
          D, H);
  }

  void check_input(const char* name, const TensorT<S>& x) const {
    check_heads(qkv.in_features(), n_heads);
    if (x.cols() != d_model())
      throw ShapeError(fmt::format("MultiHeadAttention: {} has shape {}, expected (T, {})", name,
                                   x.shape(), d_model()));
  }

  // Split heads by column slices, attend, merge: q lives in q_src's columns [q_at, q_at + D), k in
  // kv_src's [k_at, k_at + D), v in kv_src's [v_at, v_at + D); head h takes Dh columns of each.
  TensorT<S> attend(const TensorT<S>& q_src, Index q_at, const TensorT<S>& kv_src, Index k_at,
                    Index v_at, const AttentionMask& mask,
                    std::vector<MatT<S>>* head_weights) const {
    const Index H = n_heads, Dh = head_dim();
    if (mask.size() != 0 && (mask.rows() != q_src.rows() || mask.cols() != kv_src.rows()))
      throw ShapeError(
          fmt::format("MultiHeadAttention: mask has shape {}, expected (Tq, Tk) = "
                      "({}, {})",
                      shape_str(mask), q_src.rows(), kv_src.rows()));
    if (head_weights != nullptr) head_weights->assign(static_cast<std::size_t>(H), MatT<S>());
    std::vector<TensorT<S>> heads;  // H × (Tq, Dh)
    for (Index h = 0; h < H; ++h) {
      const TensorT<S> q_h = slice_cols(q_src, q_at + h * Dh, Dh);   // (Tq, Dh)
      const TensorT<S> k_h = slice_cols(kv_src, k_at + h * Dh, Dh);  // (Tk, Dh)
      const TensorT<S> v_h = slice_cols(kv_src, v_at + h * Dh, Dh);  // (Tk, Dh)
      MatT<S>* w =
          head_weights != nullptr ? &(*head_weights)[static_cast<std::size_t>(h)] : nullptr;
      heads.push_back(scaled_dot_product_attention(q_h, k_h, v_h, mask, w));  // (Tq, Dh)
    }
    const TensorT<S> merged = concat_cols(heads);  // (Tq, D) = [head_1 … head_H]
    return proj.forward(merged);                   // (Tq, D)
  }
};
using MultiHeadAttention = MultiHeadAttentionT<float>;

}  // namespace aib
