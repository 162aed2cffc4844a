// aib/nn/decode_cost.hpp — what one generated token costs an accelerator, from the config alone.
//
// Decoding makes one token per sequence per step, and each step runs every weight matrix once:
//   N       = the parameters a step reads in full: every matrix, bias and norm of the blocks, the
//             final norm and the head (wte itself when the head is tied); NOT the embedding
//             tables a step only looks rows up in (wte when untied, wpe)
//   bytes   = N · bytes per weight            read from memory once per step, for the whole batch
//   FLOPs   = 2 · N per token                 a multiply and an add per weight (the 2·N rule)
// so with memory bandwidth W (bytes/s) and peak P (FLOP/s), at batch B (B sequences in step):
//   memory bound   B · W / bytes   tokens/s    (batch 1: W / bytes; the usual regime of a chat)
//   compute bound  P / (2 · N)     tokens/s
//   tokens/s = min of the two; they meet at the "ridge" batch B* = P · bytes / (2 · N · W).
// Renting the accelerator at a fixed price per hour and selling nothing else, self-hosting beats
// a per-token API above break_even_tokens = monthly price / API price per token, whatever the
// throughput; the throughput says whether one accelerator can serve that volume at all.
// Leaves out: the KV cache's reads and the attention scores' FLOPs (both grow with the context),
// the few embedding rows a step looks up, prefill (the prompt's tokens run in parallel, compute
// bound), kernel efficiency (real decoders reach some fraction of both bounds), the memory the KV
// cache of a large batch takes, engineering and idle hours.
#pragma once

#include <algorithm>
#include <string>

#include "aib/core/check.hpp"
#include "aib/nn/param_count.hpp"

namespace aib {

// An accelerator as a data sheet describes it.
struct Accelerator {
  std::string name;
  double bandwidth = 0;   // memory bandwidth, bytes per second
  double peak_flops = 0;  // dense peak at the weights' precision, FLOP per second
};

// The bounds of decoding with one model on one accelerator.
struct DecodeCost {
  Index parameters = 0;             // N: the parameters a step reads in full
  double bytes_per_step = 0;        // N · bytes per weight
  double flops_per_token = 0;       // 2 · N
  Index batch = 1;                  // B
  double memory_tokens_per_s = 0;   // B · bandwidth / bytes_per_step
  double compute_tokens_per_s = 0;  // peak / flops_per_token
  double tokens_per_s = 0;          // the smaller of the two
  double ridge_batch = 0;           // B* where the two bounds meet
  bool memory_bound() const { return memory_tokens_per_s < compute_tokens_per_s; }
};

// Hours in an average month (8,766 hours a year / 12 is 730.5; cloud price sheets use 730).
inline constexpr double hours_per_month = 730.0;

// N: every parameter of `c` that a decoding step reads in full (see the top of the file).
inline Index decode_parameters(const TransformerConfig& c) {
  Index n = 0;
  for (const ParamShape& s : parameter_shapes(c)) {
    const bool table = s.name == "wpe.weight" || (s.name == "wte.weight" && !c.tied_embeddings);
    if (!table) n += s.size();
  }
  return n;
}

// The decoding bounds of `c` stored at `bytes_per_weight` (2 for bf16, 1 for int8, 0.5 for int4)
// on `a`, with `batch` sequences per step.
inline DecodeCost decode_cost(const TransformerConfig& c, double bytes_per_weight,
                              const Accelerator& a, Index batch = 1) {
  if (!(bytes_per_weight > 0) || bytes_per_weight > 8)
    fail("decode_cost: {} bytes per weight; it must lie in (0, 8]", bytes_per_weight);
  if (!(a.bandwidth > 0) || !(a.peak_flops > 0))
    fail("decode_cost: accelerator '{}' has bandwidth {} B/s and peak {} FLOP/s; both must be > 0",
         a.name, a.bandwidth, a.peak_flops);
  if (batch < 1) fail("decode_cost: batch = {}; it must be >= 1", batch);
  DecodeCost d;
  d.parameters = decode_parameters(c);
  d.batch = batch;
  d.bytes_per_step = double(d.parameters) * bytes_per_weight;
  d.flops_per_token = 2.0 * double(d.parameters);
  d.memory_tokens_per_s = double(batch) * a.bandwidth / d.bytes_per_step;
  d.compute_tokens_per_s = a.peak_flops / d.flops_per_token;
  d.tokens_per_s = std::min(d.memory_tokens_per_s, d.compute_tokens_per_s);
  d.ridge_batch = a.peak_flops * d.bytes_per_step / (d.flops_per_token * a.bandwidth);
  return d;
}

// Tokens per month above which renting at `dollars_per_month` costs less than an API charging
// `dollars_per_million` per million tokens.
inline double break_even_tokens(double dollars_per_month, double dollars_per_million) {
  if (!(dollars_per_month > 0) || !(dollars_per_million > 0))
    fail("break_even_tokens: ${} a month against ${} per million tokens; both must be > 0",
         dollars_per_month, dollars_per_million);
  return dollars_per_month / dollars_per_million * 1e6;
}

}  // namespace aib
