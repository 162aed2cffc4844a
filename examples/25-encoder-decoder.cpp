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
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/optim.hpp"
#include "aib/core/timing.hpp"
#include "aib/nn/transformer.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::Index;
using Ids = std::vector<Index>;

// Minibatch b of a shuffled order: the indices of its items.
std::vector<std::size_t> batch_of(const std::vector<Index>& order, int b, int size) {
  std::vector<std::size_t> out;
  for (int i = 0; i < size; ++i)
    out.push_back(
        static_cast<std::size_t>(order[static_cast<std::size_t>((b * size + i)) % order.size()]));
  return out;
}

// "a b c" letters or digits of a token string.
std::string letters(const Ids& ids, char first) {
  std::string s;
  for (const Index t : ids) s += static_cast<char>(first + t);
  return s;
}

// ■ where a weight is nonzero (the token may look there), · where attention gave it exactly 0.
std::vector<std::string> grid(const aib::Mat& w) {
  std::vector<std::string> rows;
  for (Index i = 0; i < w.rows(); ++i) {
    std::string row;
    for (Index j = 0; j < w.cols(); ++j) row += w(i, j) > 0.f ? "■ " : "· ";
    row.pop_back();  // the last cell's space
    rows.push_back(row);
  }
  return rows;
}

aib::StackConfig tiny(Index vocab, Index max_len, aib::Positions pos) {
  aib::StackConfig c;
  c.vocab_size = vocab;
  c.d_model = 16;
  c.n_heads = 2;
  c.ffn_hidden = 32;
  c.n_layers = 1;
  c.max_len = max_len;
  c.positions = pos;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int steps = 150;
  int s2s_steps = 500;
  int batch = 16;
  double lr = 0.01;
  auto& cli = ep.cli();
  cli.add_option("--steps", steps, "Adam steps for each model")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cli.add_option("--s2s-steps", s2s_steps, "Adam steps for the encoder-decoder")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cli.add_option("--batch", batch, "Sequences per step")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cli.add_option("--lr", lr, "Adam learning rate")
      ->check(CLI::Range(1e-5, 1.0))
      ->capture_default_str();

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    aib::Rng& rng = ctx.rng;
    aib::show::Table results({"model", "task", "params", "loss", "held-out", "time"});
    for (std::size_t col = 2; col < 6; ++col) results.align(col, show::Align::right);

    // ---- 1. Encoder: classify a whole sequence -------------------------------------------------
    ctx.section("1. Encoder: does a outnumber b?");
    const Index L1 = 9;
    std::vector<Ids> train1, test1;
    Ids y_train1, y_test1;
    std::set<Ids> seen;
    while (train1.size() < 400 || test1.size() < 200) {
      Ids s;
      Index balance = 0;  // #a − #b
      for (Index t = 0; t < L1; ++t) {
        s.push_back(rng.uniform_index(3));
        balance += s.back() == 0 ? 1 : s.back() == 1 ? -1 : 0;
      }
      if (balance == 0 || !seen.insert(s).second) continue;  // no ties, no repeats
      (train1.size() < 400 ? train1 : test1).push_back(s);
      (y_train1.size() < 400 ? y_train1 : y_test1).push_back(balance > 0 ? 1 : 0);
    }
    const aib::EncoderClassifier clf(tiny(3, L1, aib::Positions::sinusoidal), 2, rng);
    fmt::print(
        "Strings of {} letters a/b/c, label 1 if a outnumbers b, else 0:\n"
        "e.g. {} -> {}, {} -> {}; 400 to train, 200 held out.\n",
        L1, letters(test1[0], 'a'), y_test1[0], letters(test1[1], 'a'), y_test1[1]);

    // ---- 2. Decoder: predict the next token ----------------------------------------------------
    ctx.section("2. Decoder: continue a repeating motif");
    std::vector<Ids> motifs;  // all 6³ three-letter motifs, shuffled: 150 to train, 66 held out
    for (Index m = 0; m < 216; ++m) motifs.push_back({m / 36, (m / 6) % 6, m % 6});
    const std::vector<Index> motif_order = rng.permutation(216);
    const auto repeat = [&](std::size_t k) {
      Ids s;
      for (int r = 0; r < 3; ++r)
        for (const Index t : motifs[static_cast<std::size_t>(motif_order[k])]) s.push_back(t);
      return s;  // 9 tokens
    };
    aib::StackConfig dc = tiny(6, 8, aib::Positions::learned);
    const aib::Decoder lm(dc, rng);
    fmt::print("Motifs of 3 letters a-f repeated 3 times, e.g. {}; 150 motifs to train,\n",
               letters(repeat(150), 'a'));
    fmt::print("66 never seen. Scored on the 6 of 8 next letters that follow from the past.\n");

    // ---- 3. Encoder-decoder: reverse a string --------------------------------------------------
    ctx.section("3. Encoder-decoder: reverse a digit string");
    const Index bos = 10, eos = 11;
    std::vector<Ids> train3, test3;
    std::set<Ids> seen3;
    while (train3.size() < 600 || test3.size() < 100) {
      Ids s;
      const Index len = 3 + rng.uniform_index(3);
      for (Index t = 0; t < len; ++t) s.push_back(rng.uniform_index(10));
      if (!seen3.insert(s).second) continue;
      (train3.size() < 600 ? train3 : test3).push_back(s);
    }
    const aib::EncoderDecoder s2s(tiny(10, 5, aib::Positions::sinusoidal),
                                  tiny(12, 7, aib::Positions::sinusoidal), rng);
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
            const aib::Tensor loss = loss_of(batch_of(order, s, batch));  // (1, 1)
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
    const auto pct = [](Index a, Index b) { return fmt::format("{:.1f}%", 100.0 * a / b); };
    results.add_row(
        {"encoder", "a > b?", fmt::format("{}", aib::count_parameters(clf.parameters())),
         fmt::format("{:.3f}", loss1), pct(right1, 200), aib::measured("{:.2f} s", t1)});
    results.add_row(
        {"decoder", "next letter", fmt::format("{}", aib::count_parameters(lm.parameters())),
         fmt::format("{:.3f}", loss2), pct(right2, total2), aib::measured("{:.2f} s", t2)});
    results.add_row(
        {"enc-dec", "reverse", fmt::format("{}", aib::count_parameters(s2s.parameters())),
         fmt::format("{:.3f}", loss3), pct(right3, 100), aib::measured("{:.2f} s", t3)});
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

    // ---- Who may look where
    // ----------------------------------------------------------------------
    ctx.section("Who may look where (■ nonzero attention weight, · exactly 0)");
    std::vector<std::vector<aib::Mat>> enc_w, dec_w, s2s_w;
    {
      aib::NoGrad no_grad;
      clf.encoder.forward(Ids{0, 1, 2, 0, 1}, &enc_w);
      lm.forward(Ids{0, 1, 2, 0, 1}, nullptr, {}, &dec_w);
      s2s.forward(Ids{1, 2, 3, 4}, Ids{bos, 4, 3, 2, 1}, &s2s_w);
    }
    const std::vector<std::string> g1 = grid(enc_w[0][0]), g2 = grid(dec_w[0][0]),
                                   g3 = grid(s2s_w[0][0]), g4 = grid(s2s_w[0][2]);
    fmt::print("{:<13}{:<13}{:<13}{}\n", "encoder", "decoder", "enc-dec self", "enc-dec cross");
    fmt::print("{:<13}{:<13}{:<13}{}\n", "5 x 5", "5 x 5", "5 x 5", "5 target x 4 source");
    for (std::size_t r = 0; r < 5; ++r)
      fmt::print("{}    {}    {}    {}\n", g1[r], g2[r], g3[r], g4[r]);
  });
}
