// aib/nn/forward_profile.hpp — one GPT forward, timed and counted by component.
//
// profiled_forward() runs GptT::forward's computation (same layers, same order, no graph) with a
// stopwatch around each component and adds the seconds to a ByComponent:
//   embeddings  wte[ids] + wpe[positions]                       (B·T, D)
//   norms       ln_1 and ln_2 of every block, ln_f
//   attention   c_attn, causal fused_self_attention, c_proj, residual add
//   mlp         c_fc (or gate and up), activation, c_proj (or down), residual add
//   head        ln_f's output · lm_head (or wteᵀ when tied)     (B·T, V)
// Its logits equal forward()'s (tested). forward_flops() counts each component's matrix-product
// FLOPs from the config alone, 2 per multiply-add, attention's scores over the whole T×T matrix
// (the fused kernel computes them all, then masks); lookups, norms, biases and activations do no
// products and count 0 here. decode_flops() counts one token generated with the KV cache.
// Leaves out: timing the KV-cached path (generate.hpp), backward.
#pragma once

#include <vector>

#include "aib/core/timing.hpp"
#include "aib/nn/gpt.hpp"

namespace aib {

// One number per component of a forward: seconds, or FLOPs.
struct ByComponent {
  double embeddings = 0, attention = 0, mlp = 0, norms = 0, head = 0;
  double total() const { return embeddings + attention + mlp + norms + head; }
};

// Logits (B·T, V) of GptT::forward(ids, batch); adds each component's wall-clock seconds to
// `seconds`, so several calls accumulate.
inline Mat profiled_forward(const Gpt& model, const std::vector<Index>& ids, ByComponent& seconds,
                            Index batch = 1) {
  NoGrad no_graph;
  const Index n = static_cast<Index>(ids.size());
  if (batch < 1 || n == 0 || n % batch != 0)
    fail("profiled_forward: {} ids do not split into {} sequences of equal length", n, batch);
  const Index T = n / batch;
  if (T > model.config.context)
    fail("profiled_forward: sequences of {} tokens exceed the context of {}", T,
         model.config.context);
  Stopwatch watch;
  const auto lap = [&watch](double& into) {  // time since the last lap, added to `into`
    into += watch.seconds();
    watch.restart();
  };
  std::vector<Index> positions(static_cast<std::size_t>(n));  // (B·T) position of each row
  for (Index i = 0; i < n; ++i) positions[static_cast<std::size_t>(i)] = i % T;
  watch.restart();
  Tensor x = add(model.wte.forward(ids), model.wpe.gather(positions));  // (B·T, D)
  lap(seconds.embeddings);
  for (const GptBlockT<float>& b : model.h) {
    const Tensor h1 = b.ln_1.forward(x);  // (B·T, D)
    lap(seconds.norms);
    const Tensor qkv = b.attn.qkv.forward(h1);                                        // (B·T, 3D)
    const Tensor a = fused_self_attention(qkv, batch, b.attn.n_heads, model.causal);  // (B·T, D)
    const Tensor x1 = add(x, b.attn.proj.forward(a));                                 // (B·T, D)
    lap(seconds.attention);
    const Tensor h2 = b.ln_2.forward(x1);  // (B·T, D)
    lap(seconds.norms);
    x = add(x1, b.mlp.forward(h2));  // (B·T, D)
    lap(seconds.mlp);
  }
  x = model.ln_f.forward(x);  // (B·T, D)
  lap(seconds.norms);
  Mat logits = model.config.tied_embeddings  // (B·T, V)
                   ? Mat(x.value() * model.wte.weight.value().transpose())
                   : Mat(model.lm_head.forward(x).value());
  lap(seconds.head);
  return logits;
}

// Matrix-product FLOPs of one forward over `batch` sequences of T tokens, by component.
inline ByComponent forward_flops(const TransformerConfig& c, Index T, Index batch = 1) {
  check_sizes("forward_flops", c);
  if (T < 1 || batch < 1) fail("forward_flops: T = {} and batch = {} must be >= 1", T, batch);
  const double rows = static_cast<double>(batch * T), t = static_cast<double>(T);
  const double D = static_cast<double>(c.d_model), F = static_cast<double>(c.ffn_hidden);
  const double L = static_cast<double>(c.n_layers), V = static_cast<double>(c.vocab_size);
  ByComponent f;
  // c_attn (D, 3D) and c_proj (D, D) per row; Q·Kᵀ and P·V: T×T×D multiply-adds per sequence each
  f.attention = L * (2 * rows * D * 4 * D + 2 * 2 * rows * t * D);
  f.mlp = L * 2 * rows * D * F * (c.gated_ffn ? 3 : 2);
  f.head = 2 * rows * D * V;
  return f;
}

// Matrix-product FLOPs of one new token after `past` cached ones (generate.hpp's KV cache): every
// matrix once for one row, and its attention row over the past + 1 keys. decode_flops(c, 0) is
// forward_flops(c, 1); without a cache, the same token costs forward_flops(c, past + 1).
inline ByComponent decode_flops(const TransformerConfig& c, Index past) {
  if (past < 0) fail("decode_flops: past = {} must be >= 0", past);
  ByComponent f = forward_flops(c, 1);
  const double D = static_cast<double>(c.d_model), L = static_cast<double>(c.n_layers);
  f.attention = L * (2 * D * 4 * D + 2 * 2 * static_cast<double>(past + 1) * D);
  return f;
}

}  // namespace aib
