// Episode 04 — Foundation models: one model pretrained on plain text, then adapted to two tasks.
//
// A small word-level GPT (aib/nn/gpt.hpp) learns to predict the next word of thousands of
// sentences of episode 16's little world (animals, colours, numbers, people; word_corpus.hpp),
// without any label. Then two tasks with a few labelled examples each: is the person a sentence
// speaks of male or female (the labels name adults only, the test asks about children), and are a
// sentence's words in their real order or shuffled. Three ways to use the labels
// (aib/nn/gpt_classifier.hpp): the same GPT trained from scratch with a classification head, a
// linear probe on the pretrained model's frozen pooled features, and a short fine-tune of the
// pretrained model with the head.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/timing.hpp"
#include "aib/nn/gpt_classifier.hpp"
#include "aib/nn/softmax_regression.hpp"
#include "aib/nn/train.hpp"
#include "aib/show/format.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "word_corpus.hpp"

namespace {

using aib::Index;
using aib::toy::Words;
using Seq = std::vector<Index>;

// One downstream task: a few labelled training examples and the held-out test set.
struct Task {
  std::vector<Seq> x, test_x;    // word ids of each sentence
  std::vector<Index> y, test_y;  // their labels
};

// The person a sentence speaks of, or nullptr.
const aib::toy::Person* person_in(const Words& words) {
  for (const auto& p : aib::toy::people)
    if (std::find(words.begin(), words.end(), p.word) != words.end()) return &p;
  return nullptr;
}

// The same words in another order.
Words shuffled(Words words, aib::Rng& rng) {
  const Words original = words;
  while (words == original) rng.shuffle(words);
  return words;
}

double accuracy(const std::vector<Index>& predicted, const std::vector<Index>& truth) {
  Index right = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) right += predicted[i] == truth[i];
  return 100.0 * static_cast<double>(right) / static_cast<double>(truth.size());
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int pretrain_sentences = 4000, pretrain_steps = 600, tune_steps = 30, labelled = 16, runs = 3;
  ep.option("--sentences", pretrain_sentences, "Unlabelled sentences to pretrain on", 100, 100000);
  ep.option("--pretrain-steps", pretrain_steps, "Next-word steps on the unlabelled text", 1, 20000);
  ep.option("--tune-steps", tune_steps, "Steps of fine-tuning (and of training from scratch)", 1,
            2000);
  ep.option("--labels", labelled, "Labelled examples in each task", 2, 200);
  ep.option("--runs", runs, "Draws of the labelled examples to average over", 1, 20);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    // ---- The unlabelled text ------------------------------------------------------------------
    aib::Rng text_rng = ctx.rng;
    const aib::toy::Corpus corpus = aib::toy::make_corpus(pretrain_sentences, 1, text_rng);
    const Index end = static_cast<Index>(corpus.vocab.size());  // "." closes every sentence
    const auto encode = [&](const Words& words) {
      Seq ids;
      for (const auto& w : words) ids.push_back(corpus.id(w));
      return ids;
    };
    std::vector<Index> stream;  // (tokens) every sentence, each followed by "."
    for (const Words& words : corpus.text) {
      const Seq ids = encode(words);
      stream.insert(stream.end(), ids.begin(), ids.end());
      stream.push_back(end);
    }

    // ---- Pretraining --------------------------------------------------------------------------
    aib::TransformerConfig config;
    config.name = "word GPT";
    config.vocab_size = end + 1;
    config.context = 16;
    config.d_model = 32;
    config.n_layers = 1;
    config.n_heads = 4;
    config.ffn_hidden = 4 * 32;
    aib::Rng init_rng = ctx.rng;
    const aib::Gpt fresh(config, init_rng);  // the init both the scratch and pretrained runs share
    const aib::Gpt pretrained = aib::clone_gpt(fresh);
    ctx.section("Pretraining: next word, no labels");
    const aib::TokenBatches data(stream, config.context, 32);
    aib::AdamW opt(aib::tensors_of(pretrained.parameters()), 5e-3);
    aib::Rng eval_rng(7);
    const double before = aib::evaluate_loss(pretrained, data, 8, eval_rng);
    const aib::Stopwatch timer;
    aib::train_steps(pretrained, opt, data, ctx.rng, pretrain_steps);
    const double seconds = timer.seconds();
    eval_rng = aib::Rng(7);
    const double after = aib::evaluate_loss(pretrained, data, 8, eval_rng);
    fmt::print(
        "A GPT of {} layer, width {}, {} heads, {} words + \".\": {} parameters.\n"
        "{} sentences, {} words, no labels. {} steps of next-word prediction:\n"
        "loss {:.2f} -> {:.2f} nats per word ({}).\n",
        config.n_layers, config.d_model, config.n_heads, corpus.vocab.size(),
        aib::show::grouped(aib::count_parameters(pretrained.parameters())),
        aib::show::grouped(static_cast<Index>(corpus.text.size())),
        aib::show::grouped(static_cast<Index>(stream.size())), pretrain_steps, before, after,
        aib::measured("{:.1f} s", seconds));
    const auto text = [&](const Seq& ids) {
      std::string out;
      for (const Index id : ids) out += (out.empty() ? "" : " ") + corpus.vocab[size_t(id)];
      return out;
    };

    // ---- Two tasks, three ways ----------------------------------------------------------------
    ctx.section("Two tasks, a few labels each");
    aib::show::Table table({"task", "labelled", "held out", "scratch", "probe", "fine-tune"});
    for (int task_no = 0; task_no < 2; ++task_no) {
      const char* names[2][2] = {{"he", "she"}, {"real", "shuffled"}};
      double acc[3] = {0, 0, 0};
      Index n_test = 0;
      for (int run = 0; run < runs; ++run) {
        Task t;
        aib::Rng draw(ctx.seed * 1000 + static_cast<std::uint64_t>(run) + 1);
        // Task 0: male or female, from sentences that do not say he or she; labels on adults,
        // test on children. Task 1: real word order (0) or shuffled (1).
        while (static_cast<Index>(t.x.size()) < labelled ||
               static_cast<Index>(t.test_x.size()) < 200) {
          const Words words = aib::toy::sentence(draw);
          if (task_no == 0) {
            const aib::toy::Person* p = person_in(words);
            if (p == nullptr || words[0] == "he" || words[0] == "she") continue;
            const Index label = std::string(p->gender) == "female";
            const bool adult = std::string(p->age) == "adult";
            auto& xs = adult ? t.x : t.test_x;
            auto& ys = adult ? t.y : t.test_y;
            if (static_cast<Index>(xs.size()) >= (adult ? labelled : 200)) continue;
            xs.push_back(encode(words));
            ys.push_back(label);
          } else {
            const bool train = static_cast<Index>(t.x.size()) < labelled;
            auto& xs = train ? t.x : t.test_x;
            auto& ys = train ? t.y : t.test_y;
            const Index label = static_cast<Index>(xs.size() % 2);
            xs.push_back(encode(label ? shuffled(words, draw) : words));
            ys.push_back(label);
          }
        }
        n_test = static_cast<Index>(t.test_x.size());
        if (run == 0)
          fmt::print("{}\n  labelled  \"{}\" -> {}\n  held out  \"{}\" -> {}\n",
                     task_no == 0 ? "He or she? The labels name adults only, the test children."
                                  : "Real or shuffled word order?",
                     text(t.x[0]), names[task_no][t.y[0]], text(t.test_x[1]),
                     names[task_no][t.test_y[1]]);

        // From scratch: the same architecture and init, trained on the labels alone.
        aib::GptClassifier scratch(aib::clone_gpt(fresh), 2, draw);
        aib::train_classifier(scratch, t.x, t.y, tune_steps, 8, 3e-3, draw);
        acc[0] += accuracy(scratch.predict(t.test_x), t.test_y);

        // Linear probe: softmax regression on the frozen model's pooled features.
        aib::SoftmaxRegression probe(config.d_model, 2);
        probe.fit(aib::gpt_features(pretrained, t.x), t.y, 300, 0.5f, 1e-3f);
        acc[1] += accuracy(probe.predict(aib::gpt_features(pretrained, t.test_x)), t.test_y);

        // Fine-tune: a copy of the pretrained model with a new head, every weight trained.
        aib::GptClassifier tuned(aib::clone_gpt(pretrained), 2, draw);
        aib::train_classifier(tuned, t.x, t.y, tune_steps, 8, 1e-3, draw);
        acc[2] += accuracy(tuned.predict(t.test_x), t.test_y);
      }
      table.add_row({task_no == 0 ? "he or she" : "real or shuffled", std::to_string(labelled),
                     std::to_string(n_test), fmt::format("{:.0f}%", acc[0] / runs),
                     fmt::format("{:.0f}%", acc[1] / runs), fmt::format("{:.0f}%", acc[2] / runs)});
    }
    ctx.section("Held-out accuracy");
    aib::show::print(table.render(ctx.style));
    fmt::print(
        "Mean of {} draws of the labelled examples; chance is 50%.\n"
        "scratch: the same GPT from the same random init, trained on the labels alone;\n"
        "probe: softmax regression on the frozen pretrained GPT's mean-pooled features;\n"
        "fine-tune: the pretrained GPT and a new head, {} steps on the same labels.\n",
        runs, tune_steps);
  });
}
