// aib/nn/param_count.hpp — where a Transformer's parameters live, from its configuration alone.
//
// parameter_shapes(config) lists every learned matrix of a decoder-only Transformer by name and
// shape — token and position embeddings, per block the attention projections, the feed-forward
// block and the norms, the final norm and the output head — without allocating anything, so
// GPT-2 (124M) and a LLaMA-7B-shaped model (6.7B) can be counted on a laptop. The same list is
// what the library's own models allocate (tests/test_param_count.cpp checks it layer by layer).
// Shapes follow aibasics' layout: a linear weight is (D_in, D_out), a bias or norm gain (1, D).
// Leaves out: grouped-query attention, mixture of experts, buffers that are not learned.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/types.hpp"

namespace aib {

struct TransformerConfig {
  std::string name;
  Index vocab_size = 0;       // V
  Index context = 0;          // T_max, for learned positions
  Index d_model = 0;          // D
  Index n_layers = 0;         // blocks
  Index n_heads = 0;          // H (does not change the count: heads split D)
  Index ffn_hidden = 0;       // F
  bool gated_ffn = false;     // SwiGLU-style: gate, up, down (else up, down)
  bool biases = true;         // biases in attention and feed-forward linears
  bool layernorm = true;      // LayerNorm (gain + bias) or RMSNorm (gain only)
  bool learned_positions = true;
  bool tied_embeddings = true;  // the output head reuses the token embedding
};

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

struct ParamShape {
  std::string name;       // e.g. "blocks.3.ffn.up.weight"
  std::string component;  // "embeddings", "attention", "feed-forward", "norms", "head"
  Index rows = 0, cols = 0;
  Index size() const { return rows * cols; }
};

// Every learned matrix of the model described by `c`, in a fixed order.
inline std::vector<ParamShape> parameter_shapes(const TransformerConfig& c) {
  if (c.vocab_size < 1 || c.d_model < 1 || c.n_layers < 0 || c.ffn_hidden < 1 ||
      (c.learned_positions && c.context < 1))
    fail("parameter_shapes: config '{}' has a non-positive size (V = {}, D = {}, layers = {}, "
         "F = {}, context = {})",
         c.name, c.vocab_size, c.d_model, c.n_layers, c.ffn_hidden, c.context);
  const Index D = c.d_model, F = c.ffn_hidden;
  std::vector<ParamShape> out;
  const auto add = [&](std::string name, const char* component, Index r, Index cols) {
    out.push_back({std::move(name), component, r, cols});
  };
  const auto linear = [&](const std::string& name, const char* component, Index in, Index o,
                          bool bias) {
    add(name + ".weight", component, in, o);
    if (bias) add(name + ".bias", component, 1, o);
  };
  const auto norm = [&](const std::string& name) {
    add(name + ".weight", "norms", 1, D);
    if (c.layernorm) add(name + ".bias", "norms", 1, D);
  };

  add("wte.weight", "embeddings", c.vocab_size, D);
  if (c.learned_positions) add("wpe.weight", "embeddings", c.context, D);
  for (Index l = 0; l < c.n_layers; ++l) {
    const std::string b = "blocks." + std::to_string(l);
    norm(b + ".norm1");
    linear(b + ".attn.qkv", "attention", D, 3 * D, c.biases);  // W_q, W_k, W_v side by side
    linear(b + ".attn.proj", "attention", D, D, c.biases);
    norm(b + ".norm2");
    if (c.gated_ffn) linear(b + ".ffn.gate", "feed-forward", D, F, c.biases);
    linear(b + ".ffn.up", "feed-forward", D, F, c.biases);
    linear(b + ".ffn.down", "feed-forward", F, D, c.biases);
  }
  norm("norm_f");
  if (!c.tied_embeddings) add("head.weight", "head", D, c.vocab_size);
  return out;
}

// Σ of the sizes.
inline Index count_parameters(const std::vector<ParamShape>& shapes) {
  Index n = 0;
  for (const auto& s : shapes) n += s.size();
  return n;
}

// Parameters per component ("attention" -> 28,311,552, ...).
inline std::map<std::string, Index> count_by_component(const std::vector<ParamShape>& shapes) {
  std::map<std::string, Index> out;
  for (const auto& s : shapes) out[s.component] += s.size();
  return out;
}

}  // namespace aib
