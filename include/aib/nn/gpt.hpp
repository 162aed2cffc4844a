// aib/nn/gpt.hpp — the library's decoder-only Transformer (GPT) and its configuration.
//
//   x = wte[ids] + wpe[0..T)                               (B·T, D)  token + position
//   block h.l:  x = x + attn.c_proj(attention(attn.c_attn(ln_1(x))))   causal, H heads
//               x = x + mlp(ln_2(x))                       MLP (GELU) or gated (SwiGLU)
//   logits = ln_f(x) · lm_head                             (B·T, V)  lm_head = wteᵀ if tied
// Pre-norm blocks as GPT-2 (Radford et al. 2019) and nanoGPT, made of the library's layers:
// Embedding, LearnedPositions (positional.hpp), Norm (norm.hpp), MultiHeadAttention's projections
// around fused_self_attention (fused_attention.hpp), FeedForward (ffn.hpp), Linear. Parameters
// carry GPT-2's state-dict names (wte.weight, h.0.ln_1.weight, h.0.attn.c_attn.weight,
// h.0.mlp.c_fc.weight, ln_f.weight, lm_head.weight), listed from the config by param_count.hpp.
// Init as GPT-2: N(0, 0.02), residual projections N(0, 0.02/√(2L)), biases 0, norms 1.
// Edit here for a decoder-only change (RoPE, dropout); transformer.hpp reuses the same layers.
// Leaves out: dropout, RoPE (learned positions only), grouped-query attention (KV cache: generate).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "aib/autograd/init.hpp"
#include "aib/autograd/losses.hpp"
#include "aib/nn/attention.hpp"
#include "aib/nn/embedding.hpp"
#include "aib/nn/ffn.hpp"
#include "aib/nn/fused_attention.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/norm.hpp"
#include "aib/nn/positional.hpp"

namespace aib {

// ---- Configuration ------------------------------------------------------------------------------

struct TransformerConfig {
  std::string name;
  Index vocab_size = 0;    // V
  Index context = 0;       // T_max, for learned positions
  Index d_model = 0;       // D
  Index n_layers = 0;      // blocks
  Index n_heads = 0;       // H (does not change the count: heads split D)
  Index ffn_hidden = 0;    // F
  bool gated_ffn = false;  // SwiGLU-style: gate, up, down (else up, down)
  bool biases = true;      // biases in attention and feed-forward linears
  bool layernorm = true;   // LayerNorm (gain + bias) or RMSNorm (gain only)
  bool learned_positions = true;
  bool tied_embeddings = true;  // the output head reuses the token embedding
};

// Throws unless every size of `c` is positive (`where` names the caller).
inline void check_sizes(const char* where, const TransformerConfig& c) {
  if (c.vocab_size < 1 || c.d_model < 1 || c.n_layers < 0 || c.ffn_hidden < 1 ||
      (c.learned_positions && c.context < 1))
    fail(
        "{}: config '{}' has a non-positive size (V = {}, D = {}, layers = {}, F = {}, "
        "context = {})",
        where, c.name, c.vocab_size, c.d_model, c.n_layers, c.ffn_hidden, c.context);
}

// GPT-2 small (Radford et al. 2019; the released 124M checkpoint's shapes).
inline TransformerConfig gpt2_small() {
  return {"GPT-2 small", 50257, 1024, 768, 12, 12, 3072, false, true, true, true, true};
}

// A LLaMA-7B-shaped model (Touvron et al. 2023, Table 2 and the released configuration):
// D = 4096, 32 layers, 32 heads, SwiGLU with F = 11008, RMSNorm, RoPE (no learned positions),
// no biases, an untied output head, V = 32000.
inline TransformerConfig llama_7b() {
  return {"LLaMA-7B", 32000, 4096, 4096, 32, 32, 11008, true, false, false, false, false};
}

// nanoGPT's character-level CPU configuration (Karpathy's shakespeare_char "on a MacBook"
// settings): 4 layers, 4 heads, width 128, context 64, GELU MLP of width 4D. The head is untied, as
// in the PyTorch peer the benchmarks compare with (../shared/tools/peer-torch-gpt, 818,176
// parameters); nanoGPT's own model ties it to wte (set tied_embeddings to match that).
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

// ---- Block --------------------------------------------------------------------------------------

// One pre-norm block. GPT-2 stores its Conv1D weights (D_in, D_out) as we store Linear's, so
// h.l.attn.c_attn.weight and friends match a GPT-2 checkpoint without a transpose.
template <class S>
struct GptBlockT {
  NormT<S> ln_1;                // (1, D) γ (and β with LayerNorm)
  MultiHeadAttentionT<S> attn;  // qkv "c_attn" (D, 3D) = [W_q W_k W_v], proj "c_proj" (D, D)
  NormT<S> ln_2;                // (1, D)
  FeedForwardT<S> mlp;          // "c_fc" (D, F), "c_proj" (F, D); gated: "gate_proj",
                                // "up_proj" (D, F), "down_proj" (F, D)

  // x (B·T, D) -> (B·T, D). causal = false lets every token see the whole sequence (episode 26's
  // counter-example); weights, if given, receives the attention weights (B·H·T, T).
  TensorT<S> forward(const TensorT<S>& x, Index batch, bool causal = true,
                     MatT<S>* weights = nullptr) const {
    const TensorT<S> qkv = attn.qkv.forward(ln_1.forward(x));  // (B·T, 3D)
    const TensorT<S> a =
        fused_self_attention(qkv, batch, attn.n_heads, causal, weights);  // (B·T, D)
    const TensorT<S> x1 = add(x, attn.proj.forward(a));                   // (B·T, D)
    return add(x1, mlp.forward(ln_2.forward(x1)));                        // (B·T, D)
  }

  ParametersT<S> parameters(const std::string& prefix) const {
    ParametersT<S> out = ln_1.parameters(join_name(prefix, "ln_1"));
    append(out, attn.parameters(join_name(prefix, "attn")));
    append(out, ln_2.parameters(join_name(prefix, "ln_2")));
    append(out, mlp.parameters(join_name(prefix, "mlp")));
    return out;
  }
};

// ---- Model --------------------------------------------------------------------------------------

template <class S>
struct GptT {
  TransformerConfig config;
  EmbeddingT<S> wte;            // (V, D)
  LearnedPositionsT<S> wpe;     // (T_max, D)
  std::vector<GptBlockT<S>> h;  // n_layers blocks, named h.0, h.1, …
  NormT<S> ln_f;                // (1, D)
  LinearT<S> lm_head;           // (D, V), no bias; absent when tied to wte
  bool causal = true;  // false: no causal mask — the model can read the future (episode 26 only)

  GptT() = default;
  GptT(const TransformerConfig& c, Rng& rng) : config(c) {
    check_sizes("GPT", c);
    if (c.n_heads < 1 || c.d_model % c.n_heads != 0)
      fail("GPT: d_model = {} is not divisible by n_heads = {}", c.d_model, c.n_heads);
    if (!c.learned_positions)
      fail("GPT: config '{}' asks for rotary positions; this model has learned positions only",
           c.name);
    const Index D = c.d_model, F = c.ffn_hidden;
    const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(c.n_layers));
    const auto linear = [&](Index in, Index out, double stddev) {
      LinearT<S> l;
      l.weight = TensorT<S>::parameter(gpt2_normal<S>(in, out, rng, stddev));  // (in, out)
      if (c.biases) l.bias = TensorT<S>::parameter(MatT<S>::Zero(1, out));     // (1, out)
      return l;
    };
    // Draw order (fixed: changing it changes every trained number): wte, wpe, then per block
    // c_attn, attn.c_proj, [gate_proj], c_fc or up_proj, mlp.c_proj or down_proj, then lm_head.
    wte.weight = TensorT<S>::parameter(gpt2_normal<S>(c.vocab_size, D, rng));  // (V, D)
    wpe = LearnedPositionsT<S>(c.context, D, rng);                             // (T_max, D)
    const Activation act = c.gated_ffn ? Activation::silu : Activation::gelu;
    for (Index l = 0; l < c.n_layers; ++l) {
      GptBlockT<S> b;
      b.ln_1 = NormT<S>(D, c.layernorm);
      b.attn.n_heads = c.n_heads;
      b.attn.qkv = linear(D, 3 * D, 0.02);
      b.attn.proj = linear(D, D, residual_std);
      b.ln_2 = NormT<S>(D, c.layernorm);
      if (c.gated_ffn) {
        GatedFfnT<S> g;
        g.act = act;
        g.gate = linear(D, F, 0.02);
        g.up = linear(D, F, 0.02);
        g.down = linear(F, D, residual_std);
        b.mlp = FeedForwardT<S>(std::move(g));
      } else {
        MlpT<S> m;
        m.act = act;
        m.up = linear(D, F, 0.02);
        m.down = linear(F, D, residual_std);
        b.mlp = FeedForwardT<S>(std::move(m));
      }
      h.push_back(std::move(b));
    }
    ln_f = NormT<S>(D, c.layernorm);
    if (!c.tied_embeddings)
      lm_head.weight = TensorT<S>::parameter(gpt2_normal<S>(D, c.vocab_size, rng));  // (D, V)
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
    std::vector<Index> positions(static_cast<std::size_t>(n));  // (B·T) position of each row
    for (Index i = 0; i < n; ++i) positions[static_cast<std::size_t>(i)] = i % T;
    TensorT<S> x = add(wte.forward(ids), wpe.gather(positions));  // (B·T, D)
    if (attention != nullptr) attention->assign(h.size(), MatT<S>());
    for (std::size_t l = 0; l < h.size(); ++l)
      x = h[l].forward(x, batch, causal, attention != nullptr ? &(*attention)[l] : nullptr);
    x = ln_f.forward(x);                                              // (B·T, D)
    return config.tied_embeddings ? matmul(x, transpose(wte.weight))  // (B·T, V)
                                  : lm_head.forward(x);
  }

  // Mean cross-entropy of predicting targets[i] at position i (targets = ids shifted by one).
  TensorT<S> loss(const std::vector<Index>& ids, const std::vector<Index>& targets,
                  Index batch = 1) const {
    return cross_entropy(forward(ids, batch), targets);
  }

  // Names and tensors, in the order and with the names of parameter_shapes(config).
  ParametersT<S> parameters() const {
    ParametersT<S> out = wte.parameters("wte");
    append(out, wpe.parameters("wpe"));
    for (std::size_t l = 0; l < h.size(); ++l)
      append(out, h[l].parameters("h." + std::to_string(l)));
    append(out, ln_f.parameters("ln_f"));
    if (!config.tied_embeddings) append(out, lm_head.parameters("lm_head"));
    return out;
  }
};
using Gpt = GptT<float>;

}  // namespace aib

// parameter_shapes(config): the names and shapes above from the config alone, without allocating.
#include "aib/nn/param_count.hpp"  // NOLINT(build/include_order): needs TransformerConfig first
