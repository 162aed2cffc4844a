// toy_tasks.hpp — the digit-sorting task that episodes 19 and 26 train a small GPT on, the GPT
// they train (sorter_config) and how (train_sorter); at the end, the batch, training loop and
// accuracy that episodes 20 and 22 share for their one-layer attention tasks; and episode 23's
// points, a disc inside a ring.
//
// A sequence is n random digits, a separator, then the same digits sorted:
//   "3 1 4 1 5 9 | 1 1 3 4 5 9"     tokens 0..9 are digits, token 10 is "|"
// The prompt is the first n + 1 tokens; the answer, the last n, has one right value, so a model
// is scored by exact match. A fixed set of prompts is held out and never drawn for training.
// Leaves out: variable lengths, padding, an end-of-sequence token (the answer length is known).
#pragma once

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
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

// Episode 19's sorter: a GPT of width D with 4 heads, F = 4D, and `layers` blocks, whose context
// holds a whole sequence (the prompt and the generated answer).
inline TransformerConfig sorter_config(const SortTask& task, Index width, Index layers) {
  TransformerConfig c;
  c.name = "sorter";
  c.vocab_size = SortTask::vocab;
  c.context = task.length();
  c.d_model = width;
  c.n_layers = layers;
  c.n_heads = 4;
  c.ffn_hidden = 4 * width;
  return c;
}

// `steps` AdamW steps (β = 0.9, 0.99, weight decay 0.01) on `batch` fresh sequences each: linear
// warm-up over the first tenth, cosine decay to lr/10, gradients clipped to norm 1. The model
// reads each sequence's first 2n tokens and predicts the token after each; with `answer_only`
// the first n targets (random digits, nothing to learn) are ignored. Returns each step's loss.
inline std::vector<double> train_sorter(const Gpt& model, const SortTask& task, int steps,
                                        int batch, double lr, bool answer_only, Rng& rng) {
  const Index n = task.digits, T = 2 * n;
  AdamW opt(tensors_of(model.parameters()), lr, 0.9, 0.99, 1e-8, 0.01);
  std::vector<double> curve;
  for (int s = 0; s < steps; ++s) {
    Ids x, y;  // (B·T) inputs and next-token targets, -100 where ignored
    for (int b = 0; b < batch; ++b) {
      const Ids seq = task.sample(rng);
      for (Index t = 0; t < T; ++t) {
        x.push_back(seq[static_cast<std::size_t>(t)]);
        y.push_back(answer_only && t < n ? -100 : seq[static_cast<std::size_t>(t + 1)]);
      }
    }
    opt.set_lr(linear_warmup_cosine(s, steps / 10, steps, lr, lr / 10));
    opt.zero_grad();
    const Tensor loss = model.loss(x, y, batch);  // (1, 1)
    loss.backward();
    clip_grad_norm(opt.parameters(), 1.0);
    opt.step();
    curve.push_back(loss.item());
  }
  return curve;
}

// The steps a progress table shows: 0, S/10, S/4, S/2, 3S/4 and the last.
inline std::vector<int> progress_steps(int steps) {
  return {0, steps / 10, steps / 4, steps / 2, 3 * steps / 4, steps - 1};
}

// ---- Episodes 20 and 22: a one-layer GPT on a task that needs attention ----------------------

// A one-layer GPT of width D with `heads` heads and F = 4D, for sequences of `context` tokens.
inline TransformerConfig one_layer_config(std::string name, Index vocab, Index context, Index width,
                                          Index heads) {
  TransformerConfig c;
  c.name = std::move(name);
  c.vocab_size = vocab;
  c.context = context;
  c.d_model = width;
  c.n_layers = 1;
  c.n_heads = heads;
  c.ffn_hidden = 4 * width;
  return c;
}

// B sequences of T tokens, one after another, and the target at each position.
struct SequenceBatch {
  Ids ids;      // (B·T)
  Ids targets;  // (B·T), -100 where a position has nothing to predict (ignored by the loss)
};

// `steps` AdamW steps (lr 0.01, β = 0.9, 0.999, no weight decay) on a fresh batch of `sequences`
// sequences from next_batch() each. Returns each step's loss.
template <class NextBatch>
std::vector<double> train_adamw(const Gpt& model, int steps, Index sequences,
                                NextBatch&& next_batch) {
  AdamW opt(tensors_of(model.parameters()), 1e-2, 0.9, 0.999, 1e-8, 0.0);
  std::vector<double> curve;
  for (int s = 0; s < steps; ++s) {
    const SequenceBatch batch = next_batch();
    opt.zero_grad();
    const Tensor loss = model.loss(batch.ids, batch.targets, sequences);  // (1, 1)
    loss.backward();
    opt.step();
    curve.push_back(loss.item());
  }
  return curve;
}

// Share of the positions with a target whose highest logit is that target, in percent.
inline double accuracy(const Mat& logits, const Ids& targets) {  // logits (B·T, V)
  Index right = 0, counted = 0;
  for (Index i = 0; i < logits.rows(); ++i) {
    if (targets[static_cast<std::size_t>(i)] < 0) continue;
    Index guess = 0;
    logits.row(i).maxCoeff(&guess);
    right += guess == targets[static_cast<std::size_t>(i)] ? 1 : 0;
    ++counted;
  }
  return 100.0 * static_cast<double>(right) / static_cast<double>(counted);
}

// ---- Episode 23: points no straight line separates ---------------------------------------------

// A disc (class 0, radius < 0.55) inside a ring (class 1, radius 0.7 to 1), N points alternating.
struct Points {
  Mat X;                 // (N, 2)
  std::vector<Index> y;  // (N) class of each point
};
inline Points disc_and_ring(Index n, Rng& rng) {
  constexpr double two_pi = 6.283185307179586;
  Points p{Mat(n, 2), {}};
  for (Index i = 0; i < n; ++i) {
    const Index label = i % 2;
    const double r = label == 0 ? 0.55 * std::sqrt(rng.uniform_double())
                                : std::sqrt(0.49 + 0.51 * rng.uniform_double());
    const double angle = two_pi * rng.uniform_double();
    p.X(i, 0) = static_cast<float>(r * std::cos(angle));
    p.X(i, 1) = static_cast<float>(r * std::sin(angle));
    p.y.push_back(label);
  }
  return p;
}

}  // namespace aib::toy
