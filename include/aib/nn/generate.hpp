// aib/nn/generate.hpp — text generation with a GPT: a KV cache, and sampling one token at a time.
//
// Generating token t needs attention over tokens 0..t, but the keys and values of 0..t−1 do not
// change once computed (the model is causal). The KV cache keeps them per layer, so each new token
// costs one row of every matmul plus one attention row, instead of recomputing the whole sequence:
//   forward_cached(new ids) -> logits (n, V),  cache K, V per layer grow by n rows (n, D) each.
// Its logits equal a full forward's (tested). generate() samples with temperature, top-k and top-p
// (core/sampling.hpp) from the project's Rng, and stops at max_new_tokens or a stop token.
// Inference only (no graph). Leaves out: beam search, batching several prompts, sliding windows.
#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "aib/core/sampling.hpp"
#include "aib/nn/gpt.hpp"

namespace aib {

// Keys and values of every layer for the tokens seen so far.
struct KvCache {
  std::vector<Mat> k, v;  // per layer (t, D): all heads side by side, as in qkv
  Index length() const { return k.empty() ? 0 : k[0].rows(); }
  void clear() {
    k.clear();
    v.clear();
  }
};

// Logits (n, V) of the n new tokens, which follow the cache.length() tokens already in the cache.
inline Mat forward_cached(const Gpt& model, const std::vector<Index>& new_ids, KvCache& cache) {
  NoGrad no_graph;
  const TransformerConfig& c = model.config;
  const Index n = static_cast<Index>(new_ids.size()), t0 = cache.length(), D = c.d_model;
  if (n == 0) fail("forward_cached: no new tokens");
  if (!model.causal)
    fail(
        "forward_cached: the model has no causal mask, so every new token would change the cached "
        "keys and values; generate with use_cache = false");
  if (t0 + n > c.context)
    fail("forward_cached: {} cached + {} new tokens exceed the context of {}", t0, n, c.context);
  if (cache.k.empty()) {
    cache.k.assign(model.h.size(), Mat(0, D));
    cache.v.assign(model.h.size(), Mat(0, D));
  }
  Tensor x = add(model.wte.forward(new_ids), model.wpe.forward(n, t0));  // (n, D) positions t0 …
  for (std::size_t l = 0; l < model.h.size(); ++l) {
    const GptBlockT<float>& b = model.h[l];
    const Mat qkv = b.attn.qkv.forward(b.ln_1.forward(x)).value();  // (n, 3D)
    Mat& K = cache.k[l];
    Mat& V = cache.v[l];
    K.conservativeResize(t0 + n, D);
    V.conservativeResize(t0 + n, D);
    K.bottomRows(n) = qkv.middleCols(D, D);
    V.bottomRows(n) = qkv.rightCols(D);
    const Index H = b.attn.n_heads, Dh = D / H, T = t0 + n;
    const float scale = 1.0f / std::sqrt(static_cast<float>(Dh));
    Mat att(n, D);  // (n, D)
    for (Index h = 0; h < H; ++h) {
      Mat s = qkv.middleCols(h * Dh, Dh) * K.middleCols(h * Dh, Dh).transpose() * scale;  // (n, T)
      for (Index i = 0; i < n; ++i)  // new token i sits at position t0 + i: no keys after it
        s.row(i).tail(T - 1 - (t0 + i)).setConstant(-std::numeric_limits<float>::infinity());
      att.middleCols(h * Dh, Dh) = softmax(s) * V.middleCols(h * Dh, Dh);
    }
    const Tensor x1 = add(x, b.attn.proj.forward(Tensor(att)));  // (n, D)
    x = add(x1, b.mlp.forward(b.ln_2.forward(x1)));              // (n, D)
  }
  x = model.ln_f.forward(x);                                                        // (n, D)
  return c.tied_embeddings ? Mat(x.value() * model.wte.weight.value().transpose())  // (n, V)
                           : Mat(x.value() * model.lm_head.weight.value());
}

struct GenerateOptions {
  Index max_new_tokens = 32;
  double temperature = 1.0;         // 0: greedy
  Index top_k = 0;                  // 0: all
  double top_p = 1.0;               // 1: all
  std::optional<Index> stop_token;  // generation ends after emitting it
  bool use_cache = true;            // false: recompute the whole sequence for every token
};

// prompt + up to max_new_tokens sampled tokens (the stop token included if it came).
inline std::vector<Index> generate(const Gpt& model, std::vector<Index> tokens,
                                   const GenerateOptions& o, Rng& rng) {
  if (tokens.empty())
    fail("generate: the prompt is empty (start with at least one token, e.g. BOS)");
  if (static_cast<Index>(tokens.size()) + o.max_new_tokens > model.config.context)
    fail("generate: a prompt of {} tokens plus {} new ones exceeds the context of {}",
         tokens.size(), o.max_new_tokens, model.config.context);
  KvCache cache;
  std::vector<Index> pending = tokens;  // tokens not yet in the cache
  for (Index step = 0; step < o.max_new_tokens; ++step) {
    Mat logits;
    if (o.use_cache) {
      logits = forward_cached(model, pending, cache);
    } else {
      NoGrad no_graph;
      logits = model.forward(tokens).value();
    }
    const VecD last = logits.row(logits.rows() - 1).transpose().cast<double>();  // (V)
    const Index next = sample_logits(rng, last, o.temperature, o.top_k, o.top_p);
    tokens.push_back(next);
    pending = {next};
    if (o.stop_token && next == *o.stop_token) break;
  }
  return tokens;
}

}  // namespace aib
