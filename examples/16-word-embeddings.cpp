// Episode 16 — Word embeddings: turning tokens into vectors, learned from the company words keep.
//
// A small corpus is generated from templates ("the small cat eats fish", "the queen wears a
// crown"; examples/common/word_corpus.hpp), so words of one kind share their contexts. Skip-gram
// with negative sampling (Mikolov et al. 2013) learns two aib::Embedding tables
// (aib/nn/embedding.hpp), one for centre words and one for context words: a batch of (centre,
// context) pairs, true ones and random ones, is scored by a row-wise dot product (gather_rows, mul,
// sum_rows from aib/autograd/ops.hpp) and trained with aib::bce_with_logits
// (aib/autograd/losses.hpp) and aib::Adam (aib/autograd/optim.hpp). Shown before and after
// training: nearest neighbours by cosine, a cosine heatmap of twelve words (aib/show/plot.hpp), the
// analogy king − man + woman, and the loss as a sparkline. Cosine similarity is written here; the
// library has none.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/nn/embedding.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "word_corpus.hpp"

namespace {

using aib::Index;
using aib::show::grouped;
using aib::toy::Words;

// Each row divided by its length: (V, D) -> (V, D); cos(a, b) is then a plain dot product.
aib::Mat unit_rows(const aib::Mat& m) {
  aib::Mat out = m;
  for (Index i = 0; i < out.rows(); ++i) out.row(i) /= std::max(out.row(i).norm(), 1e-12f);
  return out;
}

// The k words whose vectors are closest by cosine to `query` (D), skipping `exclude`.
std::vector<std::pair<Index, float>> nearest(const aib::Mat& unit, const aib::Vec& query, int k,
                                             const std::vector<Index>& exclude) {
  const aib::Vec q = query / std::max(query.norm(), 1e-12f);  // (D)
  const aib::Vec cos = unit * q;                              // (V)
  std::vector<std::pair<Index, float>> ranked;
  for (Index i = 0; i < cos.size(); ++i)
    if (std::find(exclude.begin(), exclude.end(), i) == exclude.end())
      ranked.push_back({i, cos(i)});
  std::partial_sort(ranked.begin(), ranked.begin() + k, ranked.end(),
                    [](const auto& a, const auto& b) { return a.second > b.second; });
  ranked.resize(static_cast<std::size_t>(k));
  return ranked;
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  Index dim = 16;
  int steps = 400, sentences = 3000;
  const int batch = 256, negatives = 5, window = 3;  // true pairs per step, K noise pairs each
  const double lr = 0.05;
  ep.option("--dim", dim, "Numbers in each word's vector (D)", 2, 512);
  ep.option("--steps", steps, "Training steps", 0, 100000);
  ep.option("--sentences", sentences, "Sentences in the generated corpus", 100, 1000000);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;

    // ---- The corpus -----------------------------------------------------------------------------
    const aib::toy::Corpus corpus = aib::toy::make_corpus(sentences, window, ctx.rng);
    const Words& vocab = corpus.vocab;
    const auto V = static_cast<Index>(vocab.size());
    auto id = [&](const std::string& w) { return corpus.id(w); };
    const auto& pairs = corpus.pairs;
    std::vector<double> noise;  // negatives drawn ∝ count^0.75, as word2vec does
    for (const double c : corpus.count) noise.push_back(std::pow(c, 0.75));

    ctx.section("A corpus with known structure");
    fmt::print("{} sentences, {} words, {} distinct. Three of them:\n", grouped(sentences),
               grouped(corpus.tokens), V);
    for (std::size_t s = 0; s < 3; ++s) fmt::print("  \"{}\"\n", fmt::join(corpus.text[s], " "));
    fmt::print("Every word within {} of another makes a (centre, context) pair: {} pairs.\n",
               window, grouped(static_cast<Index>(pairs.size())));

    // ---- The model: two tables of vectors -------------------------------------------------------
    const aib::Embedding in(V, dim, ctx.rng, 0.1);   // (V, D) centre-word vectors: the embeddings
    const aib::Embedding out(V, dim, ctx.rng, 0.1);  // (V, D) context-word vectors
    const aib::Mat before = unit_rows(in.weight.value());  // (V, D)
    aib::Parameters params = in.parameters("in");
    aib::append(params, out.parameters("out"));
    aib::Adam opt(aib::tensors_of(params), lr);

    std::vector<double> losses;
    const Index rows = static_cast<Index>(batch) * (1 + negatives);
    for (int step = 0; step < steps; ++step) {
      std::vector<Index> centres, contexts;  // rows: batch true pairs, then batch·K random ones
      aib::Mat labels = aib::Mat::Zero(rows, 1);  // (B(1+K), 1): 1 for a true pair, 0 for noise
      for (int b = 0; b < batch; ++b) {
        const Index k = ctx.rng.uniform_index(static_cast<Index>(pairs.size()));
        const auto& [c, o] = pairs[static_cast<std::size_t>(k)];
        centres.push_back(c);
        contexts.push_back(o);
        labels(b, 0) = 1;
      }
      for (int b = 0; b < batch * negatives; ++b) {
        centres.push_back(centres[static_cast<std::size_t>(b % batch)]);
        contexts.push_back(ctx.rng.categorical(noise));
      }
      const aib::Tensor c = in.forward(centres);        // (B(1+K), D)
      const aib::Tensor o = out.forward(contexts);      // (B(1+K), D)
      const aib::Tensor logits = aib::sum_rows(c * o);  // (B(1+K), 1): c·o for each pair
      const aib::Tensor loss = aib::bce_with_logits(logits, aib::Tensor(labels));
      aib::check_finite_loss("skip-gram training", loss.item(), step + 1);
      opt.zero_grad();
      loss.backward();
      opt.step();
      losses.push_back(loss.item());
    }
    const aib::Mat after = unit_rows(in.weight.value());  // (V, D)

    ctx.section("Training: is this word really a neighbour of that one?");
    fmt::print(
        "Two tables of {} x {} numbers: {} parameters. Each of {} steps scores\n"
        "{} true pairs and {} random ones by their dot product c·o, with a logistic\n"
        "loss, then takes one Adam step (lr {}).\n",
        V, dim, grouped(aib::count_parameters(params)), steps, batch, grouped(batch * negatives),
        lr);
    if (!losses.empty()) {
      const auto smooth = show::binned_means(losses, std::max<std::size_t>(1, losses.size() / 50));
      fmt::print("loss  {}  {:.3f} -> {:.3f}\n", show::sparkline(smooth), smooth.front(),
                 smooth.back());
    }

    // ---- Nearest neighbours ---------------------------------------------------------------------
    ctx.section("Nearest neighbours by cosine");
    show::Table table({"word", "", "1st", "2nd", "3rd"});
    for (const char* w : {"cat", "red", "three", "king"}) {
      for (const auto* m : {&before, &after}) {
        std::vector<std::string> row = {m == &before ? w : "", m == &before ? "before" : "after"};
        for (const auto& [j, cos] : nearest(*m, m->row(id(w)).transpose(), 3, {id(w)}))
          row.push_back(fmt::format("{} {:.2f}", vocab[static_cast<std::size_t>(j)], cos));
        table.add_row(row);
      }
    }
    show::print(table.render(ctx.style));

    // ---- Heatmaps -------------------------------------------------------------------------------
    ctx.section("Cosine between twelve words, four kinds");
    const Words shown = {"cat", "dog",   "horse", "red",  "blue",  "green",
                         "two", "three", "four",  "king", "queen", "woman"};
    std::vector<Index> ids;
    for (const auto& w : shown) ids.push_back(id(w));
    auto grid = [&](const aib::Mat& unit) {
      aib::Mat sub(static_cast<Index>(ids.size()), dim);  // (12, D)
      for (std::size_t i = 0; i < ids.size(); ++i)
        sub.row(static_cast<Index>(i)) = unit.row(ids[i]);
      return aib::Mat((sub * sub.transpose()).cwiseMax(-1.f).cwiseMin(1.f));  // (12, 12)
    };
    const aib::Mat cos_before = grid(before), cos_after = grid(after);
    Words initials;
    for (const auto& w : shown) initials.push_back(w.substr(0, 1));
    // Both on one scale, -1 to 1, side by side; their legend, the same, printed once below.
    std::string grids[2], legend;
    for (int k = 0; k < 2; ++k) {
      const std::string map =
          show::heatmap(k == 0 ? cos_before : cos_after, shown, initials, ctx.style, -1.0, 1.0, 2);
      const std::size_t end = map.find("┘\n") + std::string("┘\n").size();
      grids[k] =
          std::string(7, ' ') + (k == 0 ? "before" : "after") + " training\n" + map.substr(0, end);
      legend = map.substr(end, map.find("data:") - end);  // the scale, not the data's range
    }
    fmt::print("{}{}", show::side_by_side(grids[0], grids[1], 38), legend);
    // Mean cosine over pairs of distinct words, within a kind (rows 3k..3k+2) and across kinds.
    auto within_between = [&](const aib::Mat& m) {
      double in_sum = 0, out_sum = 0;
      int in_n = 0, out_n = 0;
      for (Index i = 0; i < m.rows(); ++i)
        for (Index j = 0; j < m.cols(); ++j) {
          if (i == j) continue;
          if (i / 3 == j / 3)
            in_sum += m(i, j), ++in_n;
          else
            out_sum += m(i, j), ++out_n;
        }
      return std::make_pair(in_sum / in_n, out_sum / out_n);
    };
    const auto [in_b, out_b] = within_between(cos_before);
    const auto [in_a, out_a] = within_between(cos_after);
    show::Table means({"mean cosine of two words", "before", "after"});
    means.add_row({"of the same kind", show::fixed(in_b, 2), show::fixed(in_a, 2)});
    means.add_row({"of different kinds", show::fixed(out_b, 2), show::fixed(out_a, 2)});
    fmt::print("\n");
    show::print(means.render(ctx.style));

    // ---- An analogy -----------------------------------------------------------------------------
    ctx.section("king - man + woman = ?");
    const std::vector<Index> abc = {id("king"), id("man"), id("woman")};
    fmt::print(
        "The word whose vector is closest by cosine to v(king) - v(man) + v(woman),\n"
        "leaving out those three:\n\n");
    show::Table analogy({"", "1st", "2nd", "3rd"});
    for (const auto* m : {&before, &after}) {
      const aib::Vec q = (m->row(abc[0]) - m->row(abc[1]) + m->row(abc[2])).transpose();  // (D)
      std::vector<std::string> row = {m == &before ? "before training" : "after training"};
      for (const auto& [j, cos] : nearest(*m, q, 3, abc))
        row.push_back(fmt::format("{} {:.2f}", vocab[static_cast<std::size_t>(j)], cos));
      analogy.add_row(row);
    }
    show::print(analogy.render(ctx.style));
  });
}
