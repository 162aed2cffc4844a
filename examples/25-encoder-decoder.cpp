// Episode 25 — Encoder vs decoder vs encoder-decoder: three ways to stack the same blocks.
//
// Three tiny Transformers from aib/nn/transformer.hpp, each trained here on a task that suits it:
// (1) an EncoderClassifier reads a whole string of a, b, c and says whether a outnumbers b;
// (2) a decoder-only Decoder predicts the next letter of a repeating three-letter motif;
// (3) an EncoderDecoder reverses a digit string, decoding greedily. Held-out accuracy for each,
// then which tokens each kind of attention lets a token see, read off the trained models'
// attention weights. Adam (aib/autograd/optim.hpp), cross-entropy (aib/autograd/losses.hpp).
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/core/timing.hpp"
#include "aib/nn/transformer.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "shape_tasks.hpp"

namespace {

using aib::Index;
using aib::toy::Ids;
using aib::toy::letters;

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int steps = 150;
  int s2s_steps = 500;
  int batch = 16;
  double lr = 0.01;
  ep.option("--steps", steps, "Adam steps for each model", 1, 100000);
  ep.option("--s2s-steps", s2s_steps, "Adam steps for the encoder-decoder", 1, 100000);
  ep.option("--batch", batch, "Sequences per step", 1, 1024);
  ep.option("--lr", lr, "Adam learning rate", 1e-5, 1.0);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    aib::Rng& rng = ctx.rng;
    aib::show::Table results({"model", "task", "params", "loss", "held-out", "time"});
    for (std::size_t col = 2; col < 6; ++col) results.align(col, show::Align::right);

    // ---- 1. Encoder: classify a whole sequence -------------------------------------------------
    ctx.section("1. Encoder: does a outnumber b?");
    const Index L1 = 9;
    const aib::toy::Labelled task1 = aib::toy::majority_strings(L1, 400, 200, rng);
    const std::vector<Ids>&train1 = task1.train, &test1 = task1.test;
    const Ids &y_train1 = task1.y_train, &y_test1 = task1.y_test;
    const aib::EncoderClassifier clf(aib::toy::tiny_stack(3, L1, aib::Positions::sinusoidal), 2,
                                     rng);
    fmt::print(
        "Strings of {} letters a/b/c, label 1 if a outnumbers b, else 0:\n"
        "e.g. {} -> {}, {} -> {}; 400 to train, 200 held out.\n",
        L1, letters(test1[0], 'a'), y_test1[0], letters(test1[1], 'a'), y_test1[1]);

    // ---- 2. Decoder: predict the next token ----------------------------------------------------
    ctx.section("2. Decoder: continue a repeating motif");
    // All 6³ three-letter motifs, shuffled: 150 to train, 66 held out.
    const std::vector<Ids> motifs = aib::toy::all_motifs(6);
    const std::vector<Index> motif_order = rng.permutation(216);
    const auto repeat = [&](std::size_t k) {  // 9 tokens: motif k of the order, three times
      return aib::toy::repeated(motifs[static_cast<std::size_t>(motif_order[k])], 3);
    };
    aib::StackConfig dc = aib::toy::tiny_stack(6, 8, aib::Positions::learned);
    const aib::Decoder lm(dc, rng);
    fmt::print("Motifs of 3 letters a-f repeated 3 times, e.g. {}; 150 motifs to train,\n",
               letters(repeat(150), 'a'));
    fmt::print("66 never seen. Scored on the 6 of 8 next letters that follow from the past.\n");

    // ---- 3. Encoder-decoder: reverse a string --------------------------------------------------
    ctx.section("3. Encoder-decoder: reverse a digit string");
    const Index bos = 10, eos = 11;
    const auto task3 = aib::toy::digit_strings(600, 100, rng);  // 3 to 5 digits
    const std::vector<Ids>&train3 = task3.first, &test3 = task3.second;
    const aib::EncoderDecoder s2s(aib::toy::tiny_stack(10, 5, aib::Positions::sinusoidal),
                                  aib::toy::tiny_stack(12, 7, aib::Positions::sinusoidal), rng);
    fmt::print("Digit strings of 3 to 5 digits -> the same reversed, e.g. {} -> {};\n",
               letters(test3[0], '0'), letters(Ids(test3[0].rbegin(), test3[0].rend()), '0'));
    fmt::print("{} to train, {} held out, scored whole-string by greedy decoding.\n", train3.size(),
               test3.size());

    // ---- Training, all three the same way ------------------------------------------------------
    const auto train =
        [&](const aib::Parameters& params, Index n_train, int n_steps,
            const std::function<aib::Tensor(const std::vector<std::size_t>&)>& loss_of,
            double& seconds) {
          aib::Adam opt(aib::tensors_of(params), lr);
          const std::vector<Index> order = rng.permutation(n_train);
          float last = 0;
          aib::Stopwatch watch;
          for (int s = 0; s < n_steps; ++s) {
            opt.zero_grad();
            const aib::Tensor loss = loss_of(aib::toy::batch_of(order, s, batch));  // (1, 1)
            aib::check_finite_loss("training", loss.item(), s + 1);
            loss.backward();
            opt.step();
            last = loss.item();
          }
          seconds = watch.seconds();
          return last;
        };
    double t1 = 0, t2 = 0, t3 = 0;
    const float loss1 = train(
        clf.parameters(), 400, steps,
        [&](const std::vector<std::size_t>& b) {
          std::vector<Ids> xs;
          Ids ys;
          for (const std::size_t i : b) xs.push_back(train1[i]), ys.push_back(y_train1[i]);
          return clf.loss(xs, ys);
        },
        t1);
    const float loss2 = train(
        lm.parameters(), 150, steps,
        [&](const std::vector<std::size_t>& b) {
          std::vector<Ids> xs, ys;
          for (const std::size_t i : b) {
            const Ids s = repeat(i);
            xs.emplace_back(s.begin(), s.end() - 1);
            ys.emplace_back(s.begin() + 1, s.end());
          }
          return lm.loss(xs, ys);
        },
        t2);
    const float loss3 = train(
        s2s.parameters(), 600, s2s_steps,
        [&](const std::vector<std::size_t>& b) {
          std::vector<Ids> src, tin, tout;
          for (const std::size_t i : b) {
            src.push_back(train3[i]);
            Ids rev(train3[i].rbegin(), train3[i].rend());
            tin.push_back(rev), tout.push_back(rev);
            tin.back().insert(tin.back().begin(), bos);
            tout.back().push_back(eos);
          }
          return s2s.loss(src, tin, tout);
        },
        t3);

    // ---- Held-out accuracy ---------------------------------------------------------------------
    Index right1 = 0;
    for (std::size_t i = 0; i < test1.size(); ++i) right1 += clf.predict(test1[i]) == y_test1[i];
    Index right2 = 0, total2 = 0;
    {
      aib::NoGrad no_grad;
      for (std::size_t k = 150; k < 216; ++k) {
        const Ids s = repeat(k);
        const aib::Mat logits = lm.forward(Ids(s.begin(), s.end() - 1)).value();  // (8, 6)
        for (Index t = 2; t < 8; ++t) {
          Index best = 0;
          logits.row(t).maxCoeff(&best);
          right2 += best == s[static_cast<std::size_t>(t + 1)];
          ++total2;
        }
      }
    }
    Index right3 = 0;
    for (const Ids& s : test3) right3 += s2s.decode(s, bos, eos, 6) == Ids(s.rbegin(), s.rend());
    const auto row = [&](const char* model, const char* task, const aib::Parameters& params,
                         float loss, Index right, Index of, double seconds) {
      results.add_row({model, task, std::to_string(aib::count_parameters(params)),
                       fmt::format("{:.3f}", loss), fmt::format("{:.1f}%", 100.0 * right / of),
                       aib::measured("{:.2f} s", seconds)});
    };
    row("encoder", "a > b?", clf.parameters(), loss1, right1, 200, t1);
    row("decoder", "next letter", lm.parameters(), loss2, right2, total2, t2);
    row("enc-dec", "reverse", s2s.parameters(), loss3, right3, 100, t3);
    ctx.section("Trained, then scored on held-out data");
    fmt::print(
        "Each: D = 16, 2 heads, 1 block; Adam on {} sequences a step, {} steps\n"
        "({} for the encoder-decoder).\n\n",
        batch, steps, s2s_steps);
    show::print(results.render(ctx.style));
    fmt::print(
        "\nThe decoder's loss cannot reach 0: its first 2 of 8 letters are pure guesses,\n"
        "2/8 · ln 6 = {:.3f}.\n",
        2.0 / 8.0 * std::log(6.0));
    const Ids sample = test3[1];
    fmt::print("\nenc-dec on {}: {}\n", letters(sample, '0'),
               letters(s2s.decode(sample, bos, eos, 6), '0'));

    // ---- Who may look where ---------------------------------------------------------------------
    ctx.section("Who may look where (■ nonzero attention weight, · exactly 0)");
    std::vector<std::vector<aib::Mat>> enc_w, dec_w, s2s_w;
    {
      aib::NoGrad no_grad;
      clf.encoder.forward(Ids{0, 1, 2, 0, 1}, &enc_w);
      lm.forward(Ids{0, 1, 2, 0, 1}, nullptr, {}, &dec_w);
      s2s.forward(Ids{1, 2, 3, 4}, Ids{bos, 4, 3, 2, 1}, &s2s_w);
    }
    using aib::show::nonzero_pattern;
    const std::vector<std::vector<std::string>> g = {
        nonzero_pattern(enc_w[0][0]), nonzero_pattern(dec_w[0][0]), nonzero_pattern(s2s_w[0][0]),
        nonzero_pattern(s2s_w[0][2])};
    fmt::print("{:<13}{:<13}{:<13}{}\n", "encoder", "decoder", "enc-dec self", "enc-dec cross");
    fmt::print("{:<13}{:<13}{:<13}{}\n", "5 x 5", "5 x 5", "5 x 5", "5 target x 4 source");
    for (std::size_t r = 0; r < 5; ++r)
      fmt::print("{}    {}    {}    {}\n", g[0][r], g[1][r], g[2][r], g[3][r]);
  });
}
