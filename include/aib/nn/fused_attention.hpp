// aib/nn/fused_attention.hpp — multi-head self-attention over a batch as one autograd op.
//
// The plain attention (attention.hpp) builds each head from small ops — slices, a matmul, a mask,
// a softmax — which is the clearest way to read it. Training a GPT runs it for every sequence of
// the batch and every head of every layer, so here the same computation is one op with a
// hand-written backward: for each sequence b and head h, with Q, K, V the head's columns of qkv,
//   S = Q·Kᵀ/√Dh (masked above the diagonal if causal),  P = softmax(S),  O = P·V,
// and backward  dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P)),  dQ = dS·K/√Dh,
// dK = dSᵀ·Q/√Dh. Tested against the plain ops and by gradient checks. Legend: B sequences of T
// tokens stacked as B·T rows, D width, H heads, Dh = D/H. Leaves out: padding masks, dropout on P.
#pragma once

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "aib/autograd/tensor.hpp"
#include "aib/core/check.hpp"
#include "aib/core/numeric.hpp"

namespace aib {

// qkv (B·T, 3D): the fused projections [Q | K | V], each D = H·Dh columns, head h at columns
// h·Dh .. h·Dh + Dh − 1 of its part. Returns (B·T, D): the heads' outputs side by side.
// If weights != nullptr, it receives P for every (b, h): (B·H·T, T), block b·H + h.
template <class S>
TensorT<S> fused_self_attention(const TensorT<S>& qkv, Index batch, Index heads, bool causal,
                                MatT<S>* weights = nullptr) {
  const Index rows = qkv.rows(), D = qkv.cols() / 3;
  if (batch < 1 || heads < 1 || qkv.cols() % 3 != 0 || rows % batch != 0 || D % heads != 0)
    throw ShapeError(fmt::format(
        "fused_self_attention: qkv is {}; need (B·T, 3D) with B = {} dividing the rows and H = {} "
        "dividing D",
        qkv.shape(), batch, heads));
  const Index T = rows / batch, Dh = D / heads;
  const S scale = S(1) / std::sqrt(S(Dh));
  const MatT<S>& x = qkv.value();
  auto probs = std::make_shared<MatT<S>>(batch * heads * T, T);  // (B·H·T, T) P of every head
  MatT<S> out(rows, D);                                          // (B·T, D)
  MatT<S> s(T, T);                                               // (T, T) scores of one head
  for (Index b = 0; b < batch; ++b)
    for (Index h = 0; h < heads; ++h) {
      const auto q = x.block(b * T, h * Dh, T, Dh);          // (T, Dh)
      const auto k = x.block(b * T, D + h * Dh, T, Dh);      // (T, Dh)
      const auto v = x.block(b * T, 2 * D + h * Dh, T, Dh);  // (T, Dh)
      s.noalias() = q * k.transpose();
      s *= scale;
      if (causal)
        for (Index i = 0; i < T; ++i)
          s.row(i).tail(T - 1 - i).setConstant(-std::numeric_limits<S>::infinity());
      auto p = probs->block((b * heads + h) * T, 0, T, T);  // (T, T)
      p = softmax(s);
      out.block(b * T, h * Dh, T, Dh).noalias() = p * v;
    }
  if (weights != nullptr) *weights = *probs;
  return record("fused_self_attention", std::move(out), {qkv},
                [qkv, probs, batch, heads, T, D, Dh, scale](const MatT<S>& g) {
                  const MatT<S>& x = qkv.value();
                  MatT<S> dx = MatT<S>::Zero(x.rows(), x.cols());  // (B·T, 3D)
                  MatT<S> dp(T, T);                                 // (T, T)
                  for (Index b = 0; b < batch; ++b)
                    for (Index h = 0; h < heads; ++h) {
                      const auto q = x.block(b * T, h * Dh, T, Dh);
                      const auto k = x.block(b * T, D + h * Dh, T, Dh);
                      const auto v = x.block(b * T, 2 * D + h * Dh, T, Dh);
                      const auto p = probs->block((b * heads + h) * T, 0, T, T);
                      const auto go = g.block(b * T, h * Dh, T, Dh);  // (T, Dh) dO
                      dx.block(b * T, 2 * D + h * Dh, T, Dh).noalias() += p.transpose() * go;  // dV = Pᵀ·dO
                      dp.noalias() = go * v.transpose();                                          // dP = dO·Vᵀ
                      // dS = P ⊙ (dP − rowsum(dP ⊙ P)); masked entries have P = 0, so dS = 0 there
                      const VecT<S> dot = dp.cwiseProduct(p).rowwise().sum();
                      dp.colwise() -= dot;
                      dp = dp.cwiseProduct(p) * scale;  // now dS/√Dh
                      dx.block(b * T, h * Dh, T, Dh).noalias() += dp * k;                  // dQ = dS·K/√Dh
                      dx.block(b * T, D + h * Dh, T, Dh).noalias() += dp.transpose() * q;  // dK = dSᵀ·Q/√Dh
                    }
                  qkv.accumulate(dx);
                });
}

}  // namespace aib
