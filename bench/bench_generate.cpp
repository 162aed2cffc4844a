// bench_generate — greedy generation with the KV cache (aib/nn/generate.hpp) against recomputing
// the whole sequence for every new token, on nanoGPT's CPU shape (4 layers, 4 heads, width 128,
// vocabulary 65) stretched to a context of 1088, one thread. For prompts of 64, 256 and 1024
// tokens it decodes `new` tokens both ways — the prompt read once beforehand, untimed: the
// cache prefilled, or the first token taken from it — and prints tokens per second, milliseconds
// per token and the speed-up. It checks that the two token sequences are identical, and equal to
// generate()'s with use_cache on and off (off is skipped at 1024, where the timed loop is the same
// computation): the cache changes the cost, not the result.
// Run: build/bin/bench_generate [new_tokens=32] [repeats=2]
#include <cstdlib>
#include <vector>

#include <fmt/core.h>

#include "aib/core/timing.hpp"
#include "aib/nn/generate.hpp"

int main(int argc, char** argv) {
  const aib::Index new_tokens = argc > 1 ? std::atol(argv[1]) : 32;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 2;
  if (new_tokens < 2 || new_tokens > 64 || repeats < 1) {
    fmt::print(stderr, "usage: bench_generate [new_tokens in 2..64] [repeats >= 1]\n");
    return 2;
  }
  Eigen::setNbThreads(1);
  aib::TransformerConfig c = aib::nanogpt_cpu();
  c.context = 1024 + 64;
  aib::Rng rng(0);
  const aib::Gpt model(c, rng);
  fmt::print(
      "nanoGPT CPU shape with context {}: {} parameters, greedy, {} new tokens, one thread\n",
      c.context, aib::count_parameters(model.parameters()), new_tokens);
  fmt::print(
      "decode: {} greedy tokens; the first comes from reading the prompt (untimed), the\n"
      "other {} are timed, best of {} runs; tokens checked against generate()'s, cached and "
      "not\n\n",
      new_tokens, new_tokens - 1, repeats);
  fmt::print("{:>7}  {:>13}  {:>13}  {:>9}  {:>9}  {:>8}  {}\n", "prompt", "cached tok/s",
             "full tok/s", "cached ms", "full ms", "speed-up", "same tokens");

  bool all_same = true;
  for (const aib::Index prompt_len : {64, 256, 1024}) {
    std::vector<aib::Index> prompt(static_cast<std::size_t>(prompt_len));
    for (auto& t : prompt) t = rng.uniform_index(c.vocab_size);
    const auto argmax_last = [](const aib::Mat& logits) {  // (n, V) -> id of the last row's max
      aib::Index best = 0;
      logits.row(logits.rows() - 1).maxCoeff(&best);
      return best;
    };

    // With the cache: prefill with the prompt (untimed), then one forward_cached row per token.
    aib::KvCache prefilled;
    const aib::Index first = argmax_last(aib::forward_cached(model, prompt, prefilled));
    std::vector<aib::Index> cached;
    const double t_cached = aib::best_time(
        [&] {
          aib::KvCache cache = prefilled;
          cached = prompt;
          cached.push_back(first);
          for (aib::Index i = 1; i < new_tokens; ++i)
            cached.push_back(argmax_last(aib::forward_cached(model, {cached.back()}, cache)));
        },
        repeats);
    // Without: the whole sequence through the model for every token.
    std::vector<aib::Index> full;
    const double t_full = aib::best_time(
        [&] {
          aib::NoGrad no_graph;
          full = prompt;
          full.push_back(first);
          for (aib::Index i = 1; i < new_tokens; ++i)
            full.push_back(argmax_last(model.forward(full).value()));
        },
        repeats);

    // generate() both ways must give the same tokens as these loops.
    aib::GenerateOptions o;
    o.max_new_tokens = new_tokens;
    o.temperature = 0.0;
    aib::Rng unused(1);
    const std::vector<aib::Index> gen_cached = aib::generate(model, prompt, o, unused);
    o.use_cache = false;
    const std::vector<aib::Index> gen_full =
        prompt_len <= 256 ? aib::generate(model, prompt, o, unused) : full;  // 1024: the loop is it
    const bool same = cached == full && gen_cached == cached && gen_full == full;
    all_same = all_same && same;

    const double n = static_cast<double>(new_tokens - 1);  // forward passes timed
    fmt::print("{:>7}  {:>13.1f}  {:>13.1f}  {:>9.3f}  {:>9.3f}  {:>7.1f}x  {}\n", prompt_len,
               n / t_cached, n / t_full, 1e3 * t_cached / n, 1e3 * t_full / n, t_full / t_cached,
               same ? "yes" : "NO");
  }
  fmt::print("\n{}\n", all_same ? "cached and uncached generation produced identical tokens"
                                : "MISMATCH: cached and uncached tokens differ");
  return all_same ? 0 : 1;
}
