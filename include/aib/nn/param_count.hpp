// aib/nn/param_count.hpp — where a Transformer's parameters live, from its configuration alone.
//
// parameter_shapes(config) lists every learned matrix of a decoder-only Transformer by name and
// shape — token and position embeddings, per block the attention projections, the feed-forward
// block and the norms, the final norm and the output head — without allocating anything, so
// GPT-2 (124M) and a LLaMA-7B-shaped model (6.7B) can be counted on a laptop. The same list is
// what the library's own models allocate (tests/test_param_count.cpp checks it layer by layer).
// Names are GPT-2's state-dict names (gated blocks: LLaMA's gate_proj, up_proj, down_proj); shapes
// follow aibasics' layout: a linear weight is (D_in, D_out), a bias or norm gain (1, D).
// The configuration, TransformerConfig, lives with the model in aib/nn/gpt.hpp.
// Leaves out: grouped-query attention, mixture of experts, buffers that are not learned.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/types.hpp"
#include "aib/nn/gpt.hpp"

namespace aib {

struct ParamShape {
  std::string name;       // e.g. "h.3.mlp.c_fc.weight"
  std::string component;  // "embeddings", "attention", "feed-forward", "norms", "head"
  Index rows = 0, cols = 0;
  Index size() const { return rows * cols; }
};

// Every learned matrix of the model described by `c`, in a fixed order.
inline std::vector<ParamShape> parameter_shapes(const TransformerConfig& c) {
  check_sizes("parameter_shapes", c);
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
    const std::string b = "h." + std::to_string(l);
    norm(b + ".ln_1");
    linear(b + ".attn.c_attn", "attention", D, 3 * D, c.biases);  // W_q, W_k, W_v side by side
    linear(b + ".attn.c_proj", "attention", D, D, c.biases);
    norm(b + ".ln_2");
    if (c.gated_ffn) {
      linear(b + ".mlp.gate_proj", "feed-forward", D, F, c.biases);
      linear(b + ".mlp.up_proj", "feed-forward", D, F, c.biases);
      linear(b + ".mlp.down_proj", "feed-forward", F, D, c.biases);
    } else {
      linear(b + ".mlp.c_fc", "feed-forward", D, F, c.biases);
      linear(b + ".mlp.c_proj", "feed-forward", F, D, c.biases);
    }
  }
  norm("ln_f");
  if (!c.tied_embeddings) add("lm_head.weight", "head", D, c.vocab_size);
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
