// aib/nn/gpt.hpp — a decoder-only Transformer (GPT), built from a TransformerConfig.
//
//   x = wte[ids] + wpe[0..T)                                   (B·T, D)  token + position
//   each block:  x = x + proj(attention(qkv(norm1(x))))        causal self-attention, H heads
//                x = x + ffn(norm2(x))                         MLP (GELU) or gated (SwiGLU)
//   logits = norm_f(x) · headᵀ                                  (B·T, V)  head = wte if tied
// Pre-norm blocks as in GPT-2 (Radford et al. 2019) and nanoGPT; B sequences of T tokens are
// stacked as B·T rows. The parameters are exactly those nn/param_count.hpp lists for the config,
// with the same names (checked in tests), initialised as GPT-2: N(0, 0.02), residual projections
// N(0, 0.02/√(2L)), biases 0, norms 1. forward() can hand back every layer's attention weights
// (episodes 20 and 22 draw them). Leaves out: dropout, RoPE (learned positions only), KV cache
// (see generate.hpp), grouped-query attention.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "aib/autograd/init.hpp"
#include "aib/autograd/losses.hpp"
#include "aib/nn/embedding.hpp"
#include "aib/nn/ffn.hpp"
#include "aib/nn/fused_attention.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/norm.hpp"
#include "aib/nn/param_count.hpp"

namespace aib {

// LayerNorm or RMSNorm, as the config says.
template <class S>
struct GptNormT {
  bool layer = true;
  LayerNormT<S> ln;   // (1, D) γ, β  when layer
  RMSNormT<S> rms;    // (1, D) γ     otherwise
  GptNormT() = default;
  GptNormT(Index dim, bool layernorm) : layer(layernorm) {
    if (layer) ln = LayerNormT<S>(dim);
    else rms = RMSNormT<S>(dim);
  }
  TensorT<S> forward(const TensorT<S>& x) const { return layer ? ln.forward(x) : rms.forward(x); }
  ParametersT<S> parameters(const std::string& prefix) const {
    return layer ? ln.parameters(prefix) : rms.parameters(prefix);
  }
};

template <class S>
struct GptBlockT {
  Index heads = 1;
  GptNormT<S> norm1, norm2;
  LinearT<S> qkv;   // (D, 3D): W_q | W_k | W_v
  LinearT<S> proj;  // (D, D)
  bool gated = false;
  LinearT<S> gate, up, down;  // (D, F), (D, F), (F, D); gate only when gated
  Activation act = Activation::gelu;

  // x (B·T, D) -> (B·T, D). causal = false lets every token see the whole sequence (episode 26's
  // counter-example); weights, if given, receives the attention weights (B·H·T, T).
  TensorT<S> forward(const TensorT<S>& x, Index batch, bool causal = true, MatT<S>* weights = nullptr) const {
    const TensorT<S> a = fused_self_attention(qkv.forward(norm1.forward(x)), batch, heads, causal, weights);  // (B·T, D)
    const TensorT<S> x1 = add(x, proj.forward(a));
    const TensorT<S> h = norm2.forward(x1);                                                   // (B·T, D)
    const TensorT<S> hidden = gated ? mul(activate(gate.forward(h), act), up.forward(h))
                                    : activate(up.forward(h), act);                         // (B·T, F)
    return add(x1, down.forward(hidden));
  }

  ParametersT<S> parameters(const std::string& prefix) const {
    ParametersT<S> out = norm1.parameters(join_name(prefix, "norm1"));
    append(out, qkv.parameters(join_name(prefix, "attn.qkv")));
    append(out, proj.parameters(join_name(prefix, "attn.proj")));
    append(out, norm2.parameters(join_name(prefix, "norm2")));
    if (gated) append(out, gate.parameters(join_name(prefix, "ffn.gate")));
    append(out, up.parameters(join_name(prefix, "ffn.up")));
    append(out, down.parameters(join_name(prefix, "ffn.down")));
    return out;
  }
};

template <class S>
struct GptT {
  TransformerConfig config;
  EmbeddingT<S> wte;   // (V, D)
  TensorT<S> wpe;      // (T_max, D) learned positions
  std::vector<GptBlockT<S>> blocks;
  GptNormT<S> norm_f;
  LinearT<S> head;     // (D, V), no bias; unused when tied to wte
  bool causal = true;  // false: no causal mask — the model can read the future (episode 26 only)

  GptT() = default;
  GptT(const TransformerConfig& c, Rng& rng) : config(c) {
    parameter_shapes(c);  // validates the sizes
    if (c.n_heads < 1 || c.d_model % c.n_heads != 0)
      fail("GPT: d_model = {} is not divisible by n_heads = {}", c.d_model, c.n_heads);
    if (!c.learned_positions)
      fail("GPT: config '{}' asks for rotary positions; this model has learned positions only", c.name);
    const Index D = c.d_model, F = c.ffn_hidden;
    const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(c.n_layers));
    const auto linear = [&](Index in, Index out, double stddev) {
      LinearT<S> l;
      l.weight = TensorT<S>::parameter(gpt2_normal<S>(in, out, rng, stddev));
      if (c.biases) l.bias = TensorT<S>::parameter(MatT<S>::Zero(1, out));
      return l;
    };
    wte.weight = TensorT<S>::parameter(gpt2_normal<S>(c.vocab_size, D, rng));
    wpe = TensorT<S>::parameter(gpt2_normal<S>(c.context, D, rng));
    for (Index l = 0; l < c.n_layers; ++l) {
      GptBlockT<S> b;
      b.heads = c.n_heads;
      b.norm1 = GptNormT<S>(D, c.layernorm);
      b.qkv = linear(D, 3 * D, 0.02);
      b.proj = linear(D, D, residual_std);
      b.norm2 = GptNormT<S>(D, c.layernorm);
      b.gated = c.gated_ffn;
      b.act = c.gated_ffn ? Activation::silu : Activation::gelu;
      if (b.gated) b.gate = linear(D, F, 0.02);
      b.up = linear(D, F, 0.02);
      b.down = linear(F, D, residual_std);
      blocks.push_back(std::move(b));
    }
    norm_f = GptNormT<S>(D, c.layernorm);
    if (!c.tied_embeddings) head.weight = TensorT<S>::parameter(gpt2_normal<S>(D, c.vocab_size, rng));
  }

  // ids: B sequences of T tokens, one after another (B·T ids) -> logits (B·T, V).
  // If attention is given it receives one matrix per layer: layer l's weights (B·H·T, T), the
  // (T, T) block of sequence b and head h at rows (b·H + h)·T, each row summing to 1.
  TensorT<S> forward(const std::vector<Index>& ids, Index batch = 1,
                     std::vector<MatT<S>>* attention = nullptr) const {
    const Index n = static_cast<Index>(ids.size());
    if (batch < 1 || n == 0 || n % batch != 0)
      fail("GPT::forward: {} ids do not split into {} sequences of equal length", n, batch);
    const Index T = n / batch;
    if (T > config.context)
      fail("GPT::forward: sequences of {} tokens exceed the context of {}", T, config.context);
    std::vector<Index> positions(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) positions[static_cast<std::size_t>(i)] = i % T;
    TensorT<S> x = add(wte.forward(ids), gather_rows(wpe, positions));  // (B·T, D)
    if (attention != nullptr) attention->assign(blocks.size(), MatT<S>());
    for (std::size_t l = 0; l < blocks.size(); ++l)
      x = blocks[l].forward(x, batch, causal, attention != nullptr ? &(*attention)[l] : nullptr);
    x = norm_f.forward(x);
    return config.tied_embeddings ? matmul(x, transpose(wte.weight)) : matmul(x, head.weight);  // (B·T, V)
  }

  // Mean cross-entropy of predicting targets[i] at position i (targets = ids shifted by one).
  TensorT<S> loss(const std::vector<Index>& ids, const std::vector<Index>& targets, Index batch = 1) const {
    return cross_entropy(forward(ids, batch), targets);
  }

  // Names and tensors, in the order and with the names of parameter_shapes(config).
  ParametersT<S> parameters() const {
    ParametersT<S> out = wte.parameters("wte");
    out.push_back({"wpe.weight", wpe});
    for (std::size_t l = 0; l < blocks.size(); ++l) append(out, blocks[l].parameters("blocks." + std::to_string(l)));
    append(out, norm_f.parameters("norm_f"));
    if (!config.tied_embeddings) out.push_back({"head.weight", head.weight});
    return out;
  }
};
using Gpt = GptT<float>;

// nanoGPT's character-level CPU configuration (Karpathy's shakespeare_char "on a MacBook" settings):
// 4 layers, 4 heads, width 128, context 64, GELU MLP of width 4D. The head is untied, as in the
// PyTorch peer the benchmarks compare with (../shared/tools/peer-torch-gpt, 818,176 parameters);
// nanoGPT's own model ties it to wte (set tied_embeddings to match that).
inline TransformerConfig nanogpt_cpu(Index vocab_size = 65) {
  TransformerConfig c;
  c.name = "nanoGPT CPU";
  c.vocab_size = vocab_size;
  c.context = 64;
  c.d_model = 128;
  c.n_layers = 4;
  c.n_heads = 4;
  c.ffn_hidden = 4 * 128;
  c.tied_embeddings = false;
  return c;
}

}  // namespace aib
