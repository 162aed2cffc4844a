// toy_tasks.hpp — the digit-sorting task that episodes 19 and 26 train a small GPT on.
//
// A sequence is n random digits, a separator, then the same digits sorted:
//   "3 1 4 1 5 9 | 1 1 3 4 5 9"     tokens 0..9 are digits, token 10 is "|"
// The prompt is the first n + 1 tokens; the answer, the last n, has one right value, so a model
// is scored by exact match. A fixed set of prompts is held out and never drawn for training.
// Leaves out: variable lengths, padding, an end-of-sequence token (the answer length is known).
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "aib/core/random.hpp"
#include "aib/core/sampling.hpp"
#include "aib/nn/generate.hpp"
#include "aib/nn/gpt.hpp"

namespace aib::toy {

using Ids = std::vector<Index>;

struct SortTask {
  static constexpr Index separator = 10;  // "|"
  static constexpr Index vocab = 11;      // V: digits 0..9 and "|"
  Index digits = 6;                       // n
  std::set<Ids> held_out_prompts;

  Index length() const { return 2 * digits + 1; }  // tokens in a whole sequence

  // n digits, "|", the n digits sorted: 2n + 1 tokens.
  Ids complete(const Ids& digits_in) const {
    Ids seq = digits_in;
    seq.push_back(separator);
    Ids sorted = digits_in;
    std::sort(sorted.begin(), sorted.end());
    seq.insert(seq.end(), sorted.begin(), sorted.end());
    return seq;
  }

  Ids random_digits(Rng& rng) const {
    Ids d;
    for (Index i = 0; i < digits; ++i) d.push_back(rng.uniform_index(10));
    return d;
  }

  // `count` distinct sequences, set aside: sample() never returns them.
  std::vector<Ids> hold_out(Index count, Rng& rng) {
    std::vector<Ids> out;
    while (static_cast<Index>(out.size()) < count) {
      const Ids d = random_digits(rng);
      if (held_out_prompts.insert(d).second) out.push_back(complete(d));
    }
    return out;
  }

  // A training sequence (2n + 1 tokens) whose digits are not held out.
  Ids sample(Rng& rng) const {
    for (;;) {
      const Ids d = random_digits(rng);
      if (held_out_prompts.count(d) == 0) return complete(d);
    }
  }

  Ids prompt(const Ids& seq) const { return Ids(seq.begin(), seq.begin() + digits + 1); }
  Ids answer(const Ids& seq) const { return Ids(seq.begin() + digits + 1, seq.end()); }
};

// "3 1 4 | 1 3 4"
inline std::string text(const Ids& ids) {
  std::string s;
  for (const Index t : ids) {
    if (!s.empty()) s += ' ';
    s += t == SortTask::separator ? '|' : static_cast<char>('0' + t);
  }
  return s;
}

// The model's greedy answer to the prompt of `seq`: n tokens, one at a time. A model without a
// causal mask cannot use the KV cache (generate.hpp refuses), so it recomputes every step.
inline Ids greedy_answer(const Gpt& model, const SortTask& task, const Ids& seq) {
  GenerateOptions o;
  o.max_new_tokens = task.digits;
  o.temperature = 0.0;
  o.use_cache = model.causal;
  Rng unused(0);  // greedy decoding draws nothing
  const Ids out = generate(model, task.prompt(seq), o, unused);
  return Ids(out.end() - task.digits, out.end());
}

// Share of sequences whose whole answer the model generates exactly right, in percent.
inline double exact_match(const Gpt& model, const SortTask& task, const std::vector<Ids>& seqs) {
  Index right = 0;
  for (const Ids& s : seqs) right += greedy_answer(model, task, s) == task.answer(s) ? 1 : 0;
  return 100.0 * static_cast<double>(right) / static_cast<double>(seqs.size());
}

}  // namespace aib::toy
