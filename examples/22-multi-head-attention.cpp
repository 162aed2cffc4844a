// Episode 22 — Multi-head attention: several heads, each looking for something else.
//
// A one-layer GPT (aib/nn/gpt.hpp) learns "name the previous letter and the first letter": at
// position t the target is one token for the ordered pair (token t−1, token 0), so every answer
// needs two places at once. The same model is trained with one head of width D and with two heads
// of width D/2 (AdamW, aib/autograd/optim.hpp); forward(ids, batch, &attention) gives each head's
// weights, drawn side by side and measured: the mean weight each head puts on the previous token
// and on the first token. Last, the parameter count of H heads of width D/H, from the shapes.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/optim.hpp"
#include "aib/core/timing.hpp"
#include "aib/nn/gpt.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "toy_tasks.hpp"

namespace {

using aib::Index;
using aib::toy::SequenceBatch;

constexpr Index kLetters = 4;                             // input tokens a, b, c, d
constexpr Index kVocab = kLetters + kLetters * kLetters;  // V: letters, then one token per pair
constexpr Index kLength = 16;                             // T: tokens per sequence
constexpr Index kWidth = 32;                              // D

std::string letter(Index tok) {
  return std::string(1, static_cast<char>('a' + tok));
}

// B sequences of T random letters, one after another; the target at position t ≥ 2 is the pair
// token for (token t−1, token 0); positions 0 and 1 have no target (ignored by the loss).
SequenceBatch letter_pair_batch(aib::Rng& rng, Index sequences) {
  SequenceBatch batch;
  for (Index b = 0; b < sequences; ++b) {
    const std::size_t start = batch.ids.size();
    for (Index t = 0; t < kLength; ++t) {
      batch.ids.push_back(rng.uniform_index(kLetters));
      batch.targets.push_back(
          t < 2 ? -100 : kLetters + kLetters * batch.ids[start + t - 1] + batch.ids[start]);
    }
  }
  return batch;
}

// A trained model, its accuracy on a test batch, and per head the mean weight its rows (t ≥ 2)
// put on position t−1 and on position 0.
struct Trained {
  aib::Gpt model;
  double seconds = 0, accuracy = 0;
  std::vector<double> on_prev, on_first;  // (H)
};

Trained train(Index heads, int steps, const SequenceBatch& test, Index test_size, aib::Rng& rng) {
  Trained out{
      aib::Gpt(aib::toy::one_layer_config(std::to_string(heads) + " head" + (heads > 1 ? "s" : ""),
                                          kVocab, kLength, kWidth, heads),
               rng),
      0,
      0,
      {},
      {}};
  const Index batch_size = 16;
  const aib::Stopwatch watch;
  aib::toy::train_adamw(out.model, steps, batch_size,
                        [&] { return letter_pair_batch(rng, batch_size); });
  out.seconds = watch.seconds();

  aib::NoGrad no_grad;
  std::vector<aib::Mat> attention;  // layer 0: (B·H·T, T)
  const aib::Mat logits = out.model.forward(test.ids, test_size, &attention).value();  // (B·T, V)
  out.accuracy = aib::toy::accuracy(logits, test.targets);
  for (Index h = 0; h < heads; ++h) {
    double prev = 0, first = 0;
    for (Index b = 0; b < test_size; ++b)
      for (Index t = 2; t < kLength; ++t) {
        const Index row = (b * heads + h) * kLength + t;
        prev += attention[0](row, t - 1);
        first += attention[0](row, 0);
      }
    const double n = static_cast<double>(test_size * (kLength - 2));
    out.on_prev.push_back(prev / n);
    out.on_first.push_back(first / n);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int steps = 400;
  ep.option("--steps", steps, "AdamW steps of training for each model", 1, 20000);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;

    // ---- 1. The task --------------------------------------------------------------------------
    ctx.section("1. A task that needs two places at once");
    fmt::print("Input : c a d d b ...  ({} random letters from a, b, c, d)\n", kLength);
    fmt::print("Target: at each position, one token naming the previous letter and the\n");
    fmt::print("        first letter, in that order: after 'c a d' comes \"dc\". {} pairs.\n",
               kLetters * kLetters);
    const Index test_size = 64;
    const SequenceBatch test = letter_pair_batch(ctx.rng, test_size);

    // ---- 2. One wide head vs two narrow heads -------------------------------------------------
    ctx.section("2. One head of width 32 vs two heads of width 16");
    const Trained one = train(1, steps, test, test_size, ctx.rng);
    const Trained two = train(2, steps, test, test_size, ctx.rng);
    fmt::print("Each: GPT, 1 layer, D = {}, {} parameters, {} AdamW steps\n", kWidth,
               aib::count_parameters(two.model.parameters()), steps);
    fmt::print("(training took {} and {}).\n\n", aib::measured("{:.2f} s", one.seconds),
               aib::measured("{:.2f} s", two.seconds));
    show::Table heads({"head", "width", "on token t-1", "on token 0", "elsewhere", "right"});
    for (std::size_t c = 1; c < 6; ++c) heads.align(c, show::Align::right);
    for (const Trained* m : {&one, &two}) {
      const Index H = m->model.config.n_heads;
      for (Index h = 0; h < H; ++h) {
        const auto i = static_cast<std::size_t>(h);
        heads.add_row({fmt::format("{} of {}", h + 1, H), std::to_string(kWidth / H),
                       fmt::format("{:.2f}", m->on_prev[i]), fmt::format("{:.2f}", m->on_first[i]),
                       fmt::format("{:.2f}", std::max(0.0, 1.0 - m->on_prev[i] - m->on_first[i])),
                       h == 0 ? fmt::format("{:.1f}%", m->accuracy) : std::string()});
      }
    }
    fmt::print("Mean attention weight of each head (rows t >= 2 of {} new sequences)\n", test_size);
    fmt::print("and the share of pairs named right:\n\n");
    show::print(heads.render(ctx.style));
    const std::size_t a = two.on_prev[0] > two.on_prev[1] ? 0 : 1, b = 1 - a;
    fmt::print("\nTwo heads: head {} looks at token t-1 ({:.2f}), head {} at token 0 ({:.2f}).\n",
               a + 1, two.on_prev[a], b + 1, two.on_first[b]);
    fmt::print("One head, same parameters: {:.2f} on t-1 and {:.2f} on token 0, one set of\n",
               one.on_prev[0], one.on_first[0]);
    fmt::print("weights per token for two places: {:.1f}% of the pairs right.\n", one.accuracy);

    // ---- 3. The two heads, side by side -------------------------------------------------------
    ctx.section("3. The two heads on one input, side by side");
    aib::Rng pick(ctx.seed + 1);
    const SequenceBatch sample = letter_pair_batch(pick, 1);
    std::vector<aib::Mat> attention;  // layer 0: (H·T, T)
    {
      aib::NoGrad no_grad;
      two.model.forward(sample.ids, 1, &attention);
    }
    std::vector<std::string> labels;
    for (const Index tok : sample.ids) labels.push_back(letter(tok));
    const Index T = kLength;
    const aib::Mat left = attention[0].block(static_cast<Index>(a) * T, 0, T, T);   // (T, T)
    const aib::Mat right = attention[0].block(static_cast<Index>(b) * T, 0, T, T);  // (T, T)
    show::Style narrow = ctx.style;
    narrow.width = 38;
    const std::size_t grid = static_cast<std::size_t>(T) + 3;  // labels, frame, T rows, frame
    const auto grid_of = [&](const aib::Mat& w) {
      const std::vector<std::string> lines =
          show::lines_of(show::heatmap(w, labels, labels, narrow, 0.0, 1.0));
      return fmt::format("{}\n", fmt::join(lines.begin(), lines.begin() + grid, "\n"));
    };
    fmt::print("{}",
               show::side_by_side(fmt::format("head {}: token t-1\n", a + 1) + grid_of(left),
                                  fmt::format("head {}: token 0\n", b + 1) + grid_of(right), 40));
    const std::vector<std::string> legend =  // the scale under a full-width heatmap
        show::lines_of(show::heatmap(left, labels, labels, ctx.style, 0.0, 1.0));
    for (std::size_t i = grid; i < legend.size(); ++i) fmt::print("{}\n", legend[i]);

    // ---- 4. Same parameters, however many heads -----------------------------------------------
    ctx.section("4. H heads of width D/H cost what one head of width D costs");
    show::Table cost({"H", "Dh = D/H", "W_q, W_k, W_v per head", "per head", "all heads + W_o"});
    for (std::size_t c = 0; c < 5; ++c) cost.align(c, show::Align::right);
    for (const Index H : {1, 2, 4, 8}) {
      const Index Dh = kWidth / H;
      const Index per_head = 3 * (kWidth * Dh + Dh);  // W_q, W_k, W_v columns and their biases
      const Index out = kWidth * kWidth + kWidth;     // W_o (D, D) and b_o, shared by all heads
      cost.add_row({std::to_string(H), std::to_string(Dh), fmt::format("3 x ({}, {})", kWidth, Dh),
                    std::to_string(per_head), std::to_string(H * per_head + out)});
    }
    show::print(cost.render(ctx.style));
    Index attn_one = 0, attn_two = 0;
    for (const auto& p : one.model.parameters())
      if (p.name.find(".attn.") != std::string::npos) attn_one += p.tensor.size();
    for (const auto& p : two.model.parameters())
      if (p.name.find(".attn.") != std::string::npos) attn_two += p.tensor.size();
    fmt::print("In the trained models: attention parameters {} (1 head) and {} (2 heads).\n",
               attn_one, attn_two);
  });
}
