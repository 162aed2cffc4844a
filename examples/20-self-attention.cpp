// Episode 20 — Self-attention: every token looks at every other.
//
// A one-layer, one-head GPT (aib/nn/gpt.hpp) learns "say the largest number so far": to answer
// at position t a token has to look back over every earlier token and find the biggest, however
// far back it is. Trained with AdamW (aib/autograd/optim.hpp) on cross-entropy
// (aib/autograd/losses.hpp). Then forward(ids, batch, &attention) hands back the weights of the
// head, drawn as a heatmap with the tokens as labels: each row sums to 1 (checked), and the
// weight sits on the column that holds the current maximum, sometimes many steps back.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/optim.hpp"
#include "aib/core/timing.hpp"
#include "aib/nn/gpt.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "toy_tasks.hpp"

namespace {

using aib::Index;
using aib::toy::SequenceBatch;

constexpr Index kDigits = 10;  // V: the tokens are the numbers 0 … 9
constexpr Index kLength = 16;  // T: tokens per sequence

// A sequence's tokens appended to a batch, and its targets: at position t the largest digit
// among positions 0 … t.
void add_sequence(SequenceBatch& batch, const std::vector<Index>& seq) {
  Index largest = -1;
  for (const Index tok : seq) {
    largest = std::max(largest, tok);
    batch.ids.push_back(tok);
    batch.targets.push_back(largest);
  }
}

std::vector<Index> random_digits(aib::Rng& rng) {
  std::vector<Index> seq;
  for (Index t = 0; t < kLength; ++t) seq.push_back(rng.uniform_index(kDigits));
  return seq;
}

SequenceBatch random_batch(aib::Rng& rng, Index sequences) {
  SequenceBatch batch;
  for (Index b = 0; b < sequences; ++b) add_sequence(batch, random_digits(rng));
  return batch;
}

// What the head does on a batch: the share of predictions that are right, the mean weight a row
// puts on the position(s) holding the largest digit so far, and the largest |row sum − 1|.
struct Reading {
  double accuracy = 0, on_max = 0, row_sum_error = 0;
};

Reading read(const aib::Gpt& model, const SequenceBatch& batch, Index sequences) {
  aib::NoGrad no_grad;
  std::vector<aib::Mat> attention;  // one per layer: (B·H·T, T)
  const aib::Mat logits = model.forward(batch.ids, sequences, &attention).value();  // (B·T, V)
  const aib::Mat& w = attention[0];  // (B·T, T), H = 1
  Reading r;
  r.accuracy = aib::toy::accuracy(logits, batch.targets);
  for (Index i = 0; i < logits.rows(); ++i) {
    const Index b = i / kLength, t = i % kLength;
    for (Index j = 0; j <= t; ++j)
      if (batch.ids[static_cast<std::size_t>(b * kLength + j)] ==
          batch.targets[static_cast<std::size_t>(i)])
        r.on_max += w(i, j);
    r.row_sum_error =
        std::max(r.row_sum_error, std::abs(static_cast<double>(w.row(i).sum()) - 1.0));
  }
  r.on_max /= static_cast<double>(logits.rows());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int steps = 300;
  ep.option("--steps", steps, "AdamW steps of training", 1, 20000);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;

    // ---- 1. The model and the task ------------------------------------------------------------
    ctx.section("1. A task that needs looking back: the largest number so far");
    const aib::TransformerConfig config =
        aib::toy::one_layer_config("one head", kDigits, kLength, 32, 1);
    const aib::Gpt model(config, ctx.rng);
    const Index batch_size = 16, test_size = 64;
    const SequenceBatch test = random_batch(ctx.rng, test_size);
    fmt::print("Input : 3 1 4 1 5 9 2 6 ...   ({} random digits per sequence)\n", kLength);
    fmt::print("Target: 3 3 4 4 5 9 9 9 ...   (at each position, the largest so far)\n");
    fmt::print("Model : GPT, 1 layer, 1 attention head, D = {}, {} parameters\n", config.d_model,
               aib::count_parameters(model.parameters()));

    // ---- 2. Training --------------------------------------------------------------------------
    ctx.section("2. Training");
    const Reading before = read(model, test, test_size);
    const aib::Stopwatch watch;
    const std::vector<double> losses = aib::toy::train_adamw(
        model, steps, batch_size, [&] { return random_batch(ctx.rng, batch_size); });
    const double seconds = watch.seconds();
    const Reading after = read(model, test, test_size);
    fmt::print("{} AdamW steps on batches of {} sequences, in {}\n", steps, batch_size,
               aib::measured("{:.2f} s", seconds));
    fmt::print("Loss {:.3f} -> {:.3f}  (guessing among 10 digits: {:.3f})\n\n", losses.front(),
               steps > 1 ? losses.back() : 0.0, std::log(10.0));
    show::Table table({"on " + std::to_string(test_size) + " new sequences", "before", "after"});
    table.align(1, show::Align::right).align(2, show::Align::right);
    table.add_row({"right answers", fmt::format("{:.1f}%", before.accuracy),
                   fmt::format("{:.1f}%", after.accuracy)});
    table.add_row({"weight on the largest so far", fmt::format("{:.2f}", before.on_max),
                   fmt::format("{:.2f}", after.on_max)});
    show::print(table.render(ctx.style));

    // ---- 3. One input, the attention weights --------------------------------------------------
    ctx.section("3. Who looks at whom");
    // A sequence whose largest digit comes once, early but not first, so tokens before it show
    // the running maximum changing and the tokens after it must reach far back.
    std::vector<Index> seq;
    for (;;) {
      seq = random_digits(ctx.rng);
      const Index top = *std::max_element(seq.begin(), seq.end());
      const auto at = std::find(seq.begin(), seq.end(), top) - seq.begin();
      if (std::count(seq.begin(), seq.end(), top) == 1 && at >= 4 && at <= 6 &&
          seq[0] < seq[at] - 3)
        break;
    }
    SequenceBatch one;
    add_sequence(one, seq);
    std::vector<aib::Mat> attention;  // (T, T) for one sequence, one head
    aib::Mat logits;                  // (T, V)
    {
      aib::NoGrad no_grad;
      logits = model.forward(one.ids, 1, &attention).value();
    }
    const aib::Mat& w = attention[0];  // (T, T) row t: how much token t looks at each token
    std::vector<std::string> cols, rows;
    std::vector<std::string> answers;
    for (Index t = 0; t < kLength; ++t) {
      cols.push_back(std::to_string(seq[static_cast<std::size_t>(t)]));
      rows.push_back(fmt::format("{:2d}: {}", t, seq[static_cast<std::size_t>(t)]));
      Index guess = 0;
      logits.row(t).maxCoeff(&guess);
      answers.push_back(std::to_string(guess));
    }
    fmt::print("Rows: position: token, asking.  Columns: the tokens it can look at.\n");
    show::print(show::heatmap(w, rows, cols, ctx.style, 0.0, 1.0));
    fmt::print("Model's answers: {}\n", fmt::join(answers, " "));
    fmt::print("Rows sum to 1: max |row sum - 1| = {:.6f} here, {:.6f} in all {} rows\n",
               (w.rowwise().sum().array() - 1.0f).abs().maxCoeff(), after.row_sum_error,
               test_size * kLength);
    fmt::print("Above the diagonal every weight is 0: a token never sees the future.\n\n");

    // The row that reaches furthest back for its strongest weight.
    Index far_row = 0, far_col = 0;
    for (Index t = 0; t < kLength; ++t) {
      Index j = 0;
      w.row(t).maxCoeff(&j);
      if (t - j > far_row - far_col) far_row = t, far_col = j;
    }
    fmt::print("Furthest look back: position {} (token {}) puts weight {:.2f} on position {}\n",
               far_row, seq[static_cast<std::size_t>(far_row)], w(far_row, far_col), far_col);
    fmt::print("(token {}), {} steps back, past {} tokens in between.\n",
               seq[static_cast<std::size_t>(far_col)], far_row - far_col, far_row - far_col - 1);
  });
}
