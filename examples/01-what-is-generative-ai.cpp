// Episode 01 — What is generative AI: a model that learns from text and then writes new text.
//
// A character n-gram model counts, in the course's own sentences, which character follows each
// run of n−1 characters. That table of counts is the whole model. Sampling from it, one
// character at a time, writes sentences that were never in the training text.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/sampling.hpp"
#include "aib/generative/ngram.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/table.hpp"
#include "course_data.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

// Show a character so that spaces and line ends are visible.
std::string visible(std::string_view s) {
  std::string out;
  for (const char c : s) out += c == ' ' ? "␣" : c == '\n' ? "⏎" : std::string(1, c);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int order = 5, n_samples = 3;
  std::vector<double> temperatures = {0.5, 1.0};
  std::string prompt = "The ", corpus;
  auto& flags = ep.flags();
  ep.option("--order", order, "n of the n-gram: each character is predicted from n-1 before it", 1,
            10);
  flags.add("--temperatures", temperatures, "Two sampling temperatures (> 0)")
      .count(2)
      .range(0.01, 100.0);
  ep.option("--samples", n_samples, "Sentences sampled at each temperature", 1, 20);
  flags.add("--prompt", prompt, "Text every sample starts from");
  flags.add("--corpus", corpus, "Train on this file of 'label<TAB>sentence' lines instead")
      .existing_file();

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    // ---- Training data: one sentence per line ------------------------------------------------
    const auto [source, sentences] =
        aib::episode::load_sentences(corpus, aib_embedded::course_sentences);
    std::string text;
    for (const auto& s : sentences) text += s.text + "\n";

    aib::NgramModel model(order);
    model.fit(text);
    ctx.section("The training text and the model");
    fmt::print("{}: {} sentences, {} characters, {} of them distinct.\n", source, sentences.size(),
               model.training_size(), model.vocab_size());
    if (order == 1)
      fmt::print("A 1-gram model: p(next character), no context at all, learned by counting.\n");
    else
      fmt::print("A {}-gram model: p(next character | the {} before it), learned by counting.\n",
                 order, order - 1);
    fmt::print("It saw {} distinct contexts; that table of counts is all it knows.\n",
               model.num_contexts());

    // ---- What it learned: next-character distributions -----------------------------------------
    ctx.section("What the model learned: p(next | context)");
    std::vector<std::string> shown;  // contexts actually used, after back-off
    for (const std::string context : {"The ", "toke", "atio", " gen"}) {
      const auto p = model.predict(context);
      if (std::find(shown.begin(), shown.end(), p.context) != shown.end()) continue;
      shown.push_back(p.context);
      std::vector<aib::Index> order_idx(static_cast<std::size_t>(p.probs.size()));
      for (std::size_t i = 0; i < order_idx.size(); ++i) order_idx[i] = static_cast<aib::Index>(i);
      std::stable_sort(order_idx.begin(), order_idx.end(),
                       [&](aib::Index a, aib::Index b) { return p.probs(a) > p.probs(b); });
      std::vector<std::string> labels;
      std::vector<double> values;
      for (std::size_t k = 0; k < 5 && p.probs(order_idx[k]) > 0; ++k) {
        labels.push_back("'" + visible(model.alphabet()[static_cast<std::size_t>(order_idx[k])]) +
                         "'");
        values.push_back(p.probs(order_idx[k]));
      }
      fmt::print("after \"{}\" (seen {} times):\n", visible(p.context), p.count);
      show::print(show::bar_chart_to_scale(labels, values, 1.0, ctx.style, 40, 3));  // full: p = 1
    }

    // ---- Generation: sampling one character at a time -----------------------------------------
    std::vector<std::vector<std::string>> samples(temperatures.size());
    for (std::size_t t = 0; t < temperatures.size(); ++t) {
      ctx.section(fmt::format("Samples at temperature {:.2f}", temperatures[t]));
      for (int i = 0; i < n_samples; ++i) {
        std::string s = prompt + model.sample(ctx.rng, prompt, 160, temperatures[t], "\n");
        if (!s.empty() && s.back() == '\n') s.pop_back();
        show::print(show::wrap(fmt::format("{}. {}", i + 1, s), ctx.style.width, "   ").substr(3));
        samples[t].push_back(s);
      }
    }

    // ---- Novelty: copied pieces versus new combinations -----------------------------------------
    ctx.section("How new are the samples?");
    fmt::print(
        "Share of the samples' n-character windows that never occur in the training text:\n");
    std::vector<std::string> header = {"window"};
    for (const double t : temperatures) header.push_back(fmt::format("T = {:.2f}", t));
    show::Table table(header);
    for (const int n : {4, 8, 12, 16, 24}) {
      std::vector<std::string> row = {fmt::format("{} chars", n)};
      for (const auto& group : samples)
        row.push_back(fmt::format("{:5.1f}%", 100 * aib::novelty(group, text, n).fraction()));
      table.add_row(row);
    }
    show::print(table.render(ctx.style));
  });
}
