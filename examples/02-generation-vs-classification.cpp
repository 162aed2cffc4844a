// Episode 02 — Generation vs classification: the same sentences, two kinds of model.
//
// A classifier (softmax regression on word counts) learns p(part | sentence): given a sentence
// it picks one of K course parts. A generator (a character n-gram per part) learns
// p(next character | context): it writes new sentences. Same data, very different outputs.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/core/text.hpp"
#include "aib/generative/ngram.hpp"
#include "aib/nn/softmax_regression.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/svg.hpp"
#include "aib/show/table.hpp"
#include "course_data.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

// Bag of words: X(n, j) = 1 if word j of the vocabulary occurs in sentence n. (N, D)
aib::Mat bag_of_words(const std::vector<std::string>& texts,
                      const std::map<std::string, aib::Index>& vocab) {
  aib::Mat X =
      aib::Mat::Zero(static_cast<aib::Index>(texts.size()), static_cast<aib::Index>(vocab.size()));
  for (std::size_t n = 0; n < texts.size(); ++n)
    for (const std::string& w : aib::words(texts[n])) {
      const auto it = vocab.find(w);
      if (it != vocab.end()) X(static_cast<aib::Index>(n), it->second) = 1.f;
    }
  return X;
}

std::string shorten(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  double held_out = 0.25, temperature = 0.7;
  int steps = 300, order = 5;
  std::string corpus, svg_path;
  ep.option("--held-out", held_out, "Share of sentences kept aside to test the classifier", 0.05,
            0.5);
  ep.option("--steps", steps, "Gradient-descent steps for the classifier", 1, 5000);
  ep.option("--order", order, "n of the generator's character n-gram", 1, 10);
  ep.option("--temperature", temperature, "Sampling temperature of the generator", 0.01, 100.0);
  ep.flags()
      .add("--corpus", corpus, "Use this file of 'label<TAB>sentence' lines instead")
      .existing_file();
  ep.flags().add("--svg", svg_path, "Also draw the classifier's training loss into this SVG file");

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    using aib::Index;
    // ---- The data: labelled sentences, split into training and held-out ---------------------
    const auto [source, sentences] =
        aib::episode::load_sentences(corpus, aib_embedded::course_sentences);
    std::vector<std::string> labels;  // (K) class names, sorted
    for (const auto& s : sentences) labels.push_back(s.label);
    std::sort(labels.begin(), labels.end());
    labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
    const auto K = static_cast<Index>(labels.size());
    if (K < 2) aib::fail("{}: need at least 2 labels, found {}", source, K);
    const auto N = static_cast<Index>(sentences.size());
    const auto n_test = std::max<Index>(1, static_cast<Index>(std::lround(held_out * N)));
    if (N - n_test < K) aib::fail("{}: {} sentences are too few to train on", source, N);
    const std::vector<Index> perm = ctx.rng.permutation(N);

    std::vector<std::string> train_text, test_text;
    std::vector<Index> train_y, test_y;
    for (Index i = 0; i < N; ++i) {
      const auto& s = sentences[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])];
      const auto y = static_cast<Index>(std::lower_bound(labels.begin(), labels.end(), s.label) -
                                        labels.begin());
      (i < n_test ? test_text : train_text).push_back(s.text);
      (i < n_test ? test_y : train_y).push_back(y);
    }
    std::map<std::string, Index> vocab;  // word -> column, from the training sentences only
    for (const auto& t : train_text)
      for (const auto& w : aib::words(t)) vocab.emplace(w, 0);
    Index column = 0;
    for (auto& kv : vocab) kv.second = column++;

    ctx.section("The data");
    fmt::print("{} sentences from {}, in {} classes:\n  {}.\n", N, source, K,
               fmt::join(labels, ", "));
    fmt::print("Training on {}, holding out {} the models never see.\n", train_text.size(), n_test);

    // ---- The classifier: p(class | sentence) ---------------------------------------------------
    const aib::Mat X_train = bag_of_words(train_text, vocab);  // (N_train, D)
    const aib::Mat X_test = bag_of_words(test_text, vocab);    // (N_test, D)
    aib::SoftmaxRegression clf(static_cast<Index>(vocab.size()), K);
    const std::vector<float> loss = clf.fit(X_train, train_y, steps, 0.5f, 1e-3f);
    const std::vector<Index> pred = clf.predict(X_test);
    Index correct = 0;
    for (std::size_t n = 0; n < pred.size(); ++n) correct += pred[n] == test_y[n];

    ctx.section("The classifier: softmax regression on word counts");
    fmt::print("Input: which of {} training words a sentence contains. Output: {} probabilities.\n",
               vocab.size(), K);
    std::vector<double> curve;
    for (std::size_t i = 0; i < loss.size(); i += std::max<std::size_t>(1, loss.size() / 30))
      curve.push_back(loss[i]);
    fmt::print("Training loss over {} steps: {:.3f} {} {:.3f}\n", steps, loss.front(),
               show::sparkline(curve), loss.back());
    if (!svg_path.empty()) {
      show::save_svg(svg_path, show::svg_line_chart({std::vector<double>(loss.begin(), loss.end())},
                                                    {"training loss"},
                                                    "Softmax regression: training loss per step"));
      fmt::print("(loss curve written to {})\n", svg_path);
    }
    fmt::print("Held-out accuracy: {}/{} = {:.1f}% (guessing: {:.1f}%)\n\n", correct, n_test,
               100.0 * correct / n_test, 100.0 / K);
    const aib::Mat P = clf.predict_proba(X_test);  // (N_test, K)
    for (Index n = 0; n < std::min<Index>(3, n_test); ++n) {
      fmt::print("\"{}\"\n  true class: {}\n", shorten(test_text[static_cast<std::size_t>(n)], 70),
                 labels[static_cast<std::size_t>(test_y[static_cast<std::size_t>(n)])]);
      std::vector<double> p(P.row(n).data(), P.row(n).data() + K);
      show::print(show::bar_chart_to_scale(labels, p, 1.0, ctx.style, 30, 3));  // full: p = 1
    }

    // ---- The generator: p(next character | context), one model per class ----------------------
    ctx.section(fmt::format("The generator: a character {}-gram per class, T = {:.2f}", order,
                            temperature));
    Index alphabet = 0, generator_counts = 0;
    std::vector<std::string> generated;
    for (Index k = 0; k < K; ++k) {
      std::string text;
      for (std::size_t n = 0; n < train_text.size(); ++n)
        if (train_y[n] == k) text += train_text[n] + "\n";
      aib::NgramModel gen(order);
      gen.fit(text);
      alphabet = std::max(alphabet, gen.vocab_size());
      generator_counts += gen.num_contexts();
      fmt::print("{}:\n", labels[static_cast<std::size_t>(k)]);
      for (int i = 0; i < 2; ++i) {
        std::string s = gen.sample(ctx.rng, "\n", 200, temperature, "\n");
        if (!s.empty() && s.back() == '\n') s.pop_back();
        generated.push_back(s);
        show::print(show::wrap("- " + s, ctx.style.width, "  ").substr(2));
      }
    }

    // ---- Output spaces --------------------------------------------------------------------------
    ctx.section("What can each model output?");
    const int length = 80;
    fmt::print("Classifier: one of {} labels.\n", K);
    fmt::print(
        "Generator: any string of its {} characters; of length {} alone there are\n"
        "  {}^{} = 10^{:.0f} of them.\n\n",
        alphabet, length, alphabet, length, length * std::log10(double(alphabet)));
    std::string all_text;
    for (const auto& s : sentences) all_text += s.text + "\n";
    const auto fresh = aib::novelty(generated, all_text, 16);
    show::Table table({"", "classifier", "generator"});
    table.add_row({"learns", "p(class | sentence)", "p(next char | context)"});
    table.add_row({"its size", fmt::format("{} weights", clf.W.size() + clf.b.size()),
                   fmt::format("{} contexts counted", generator_counts)});
    table.add_row({"sort a sentence", fmt::format("{:.1f}% right", 100.0 * correct / n_test),
                   "not directly"});
    table.add_row({"write a sentence", "cannot",
                   fmt::format("{:.0f}% of 16-char pieces new", 100 * fresh.fraction())});
    show::print(table.render(ctx.style));
  });
}
