// Episode 05 — How GenAI generates: one token at a time, or one denoising step at a time.
//
// Two generators side by side. (1) Text: a character 5-gram of the course's sentences
// (aib/generative/ngram.hpp) writes N characters with N model evaluations, each step's top
// choices shown. (2) Images: a diffusion model (aib/generative/diffusion.hpp) trained for about
// two seconds on 16×16 digits turns pure noise into a glyph over T = 100 network evaluations,
// shown at t = T, ¾T, ½T, ¼T and 0; DDIM then reaches glyphs in 20, 10 and 5 evaluations. A glyph
// classifier (aib/generative/classifier.hpp) reads the samples: the share it reads confidently
// (top probability >= 0.9) says how many look like digits at all.
#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/sampling.hpp"
#include "aib/core/timing.hpp"
#include "aib/generative/classifier.hpp"
#include "aib/generative/diffusion.hpp"
#include "aib/generative/glyphs.hpp"
#include "aib/generative/ngram.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/format.hpp"
#include "aib/show/table.hpp"
#include "course_data.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

using aib::Index;
using aib::show::fixed;

namespace {

std::string visible(const std::string& s) {  // spaces and line ends made visible
  std::string out;
  for (const char c : s) out += c == ' ' ? "␣" : c == '\n' ? "⏎" : std::string(1, c);
  return out;
}

aib::Mat to_ink(const aib::Mat& x) {  // (n, 256) model space [−1, 1] -> ink [0, 1]
  return ((x.array() + 1.f) * 0.5f).cwiseMax(0.f).cwiseMin(1.f).matrix();
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int tokens = 12, T = 100, n_samples = 200;
  aib::DiffusionTrainOptions train{1500, 32, 2e-3, 0.01, 1.0};
  std::string predict = "x0";
  ep.option("--tokens", tokens, "Characters the text model writes", 1, 60);
  ep.option("--T", T, "Diffusion steps of the noise schedule (cosine)", 8, 1000);
  ep.option("--train-steps", train.steps, "AdamW steps of the diffusion model", 1, 100000);
  ep.option("--samples", n_samples, "Glyphs each sampler draws for the table", 10, 5000);
  ep.flags().add("--predict", predict, "What the network outputs").one_of({"x0", "eps"});

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    // ---- Way 1: text, one token at a time ----------------------------------------------------
    ctx.section("Text: one character per model evaluation");
    const auto corpus = aib::episode::load_sentences("", aib_embedded::course_sentences);
    std::string text;
    for (const auto& s : corpus.sentences) text += s.text + "\n";
    aib::NgramModel model(5);
    model.fit(text);
    fmt::print("A 5-gram of {}: each evaluation reads the last 4 characters.\n", corpus.source);
    std::string written = "The ";
    show::Table steps({"step", "context", "1st choice", "2nd", "3rd", "drawn"});
    aib::Stopwatch text_watch;
    for (int i = 1; i <= tokens; ++i) {
      const auto p = model.predict(written);  // one evaluation: p(next | last 4 characters)
      std::vector<Index> top;                 // the three likeliest characters
      for (int k = 0; k < 3; ++k) {
        Index best = -1;
        for (Index v = 0; v < p.probs.size(); ++v)
          if (std::find(top.begin(), top.end(), v) == top.end() &&
              (best < 0 || p.probs(v) > p.probs(best)))
            best = v;
        top.push_back(best);
      }
      const aib::VecD logits = p.probs.array().log().matrix();  // (V) log p, −inf where p = 0
      const Index next = aib::sample_logits(ctx.rng, logits, 1.0);
      const std::string& c = model.alphabet()[static_cast<std::size_t>(next)];
      std::vector<std::string> row = {std::to_string(i), "\"" + visible(p.context) + "\""};
      for (const Index v : top)
        row.push_back(p.probs(v) > 0
                          ? fmt::format("'{}' {}",
                                        visible(model.alphabet()[static_cast<std::size_t>(v)]),
                                        fixed(p.probs(v), 2))
                          : "");
      row.push_back("'" + visible(c) + "'");
      steps.add_row(row);
      written += c;
    }
    const double text_seconds = text_watch.seconds();
    show::print(steps.render(ctx.style));
    fmt::print("Wrote \"{}\": {} characters, {} model evaluations, {}.\n", visible(written), tokens,
               tokens, aib::measured("{:.0f} µs", text_seconds * 1e6));

    // ---- Way 2: an image, every pixel at once, T steps ------------------------------------------
    ctx.section("Image: one whole glyph per step, noise to digit");
    const aib::GlyphClassifier reader = aib::train_glyph_classifier(ctx.rng);
    const aib::GlyphData glyphs = aib::make_digits(2000, ctx.rng);
    const aib::Mat data = (glyphs.images.array() * 2.f - 1.f).matrix();  // (2000, 256) in [−1, 1]
    const aib::DiffusionSchedule sch = aib::cosine_schedule(T);
    aib::EpsNetConfig config = aib::glyph_eps_config();
    config.predicts_x0 = predict == "x0";
    aib::EpsNet net(config, ctx.rng);
    aib::Stopwatch train_watch;
    const std::vector<double> losses = aib::train_diffusion(net, sch, data, ctx.rng, train);
    fmt::print("{} training glyphs, cosine schedule with T = {} (alpha-bar_T = {:.1e}).\n",
               data.rows(), T, sch.terminal_alpha_bar());
    fmt::print("MLP 256+64 -> {} -> {} predicting {}; {} AdamW steps of {}:\n{}, loss {} -> {}.\n",
               config.hidden, config.hidden, config.predicts_x0 ? "the clean glyph" : "the noise",
               train.steps, train.batch, aib::measured("{:.1f} s", train_watch.seconds()),
               fixed(losses.front(), 3), fixed(losses.back(), 3));
    aib::DiffusionSampleOptions traced;
    traced.clip = 1.0;
    traced.snapshots = {T, 3 * T / 4, T / 2, T / 4, 0};
    const aib::DiffusionSamplesT<float> four = aib::diffusion_sample(net, sch, 4, ctx.rng, traced);
    aib::Mat path(4, 256);  // (4, 256) the first sample at t = T, ¾T, ½T, ¼T
    for (Index k = 0; k < 4; ++k) path.row(k) = four.snapshots[static_cast<std::size_t>(k)].row(0);
    fmt::print("\nOne sample x_t on its way (t below each), {} network evaluations in all:\n",
               four.evaluations);
    std::vector<int> t_labels;
    for (Index k = 0; k < 4; ++k)
      t_labels.push_back(static_cast<int>(four.snapshot_t[static_cast<std::size_t>(k)]));
    show::print(aib::glyph_grid(to_ink(path), 16, t_labels));
    const aib::Mat done = to_ink(four.x);  // (4, 256) t = 0: the finished glyphs
    fmt::print("At t = 0: that sample and three more (the classifier's reading below each):\n");
    show::print(aib::glyph_grid(done, 16, reader.predict(done)));

    // ---- DDIM: the same network, fewer steps ----------------------------------------------------
    ctx.section("DDPM against DDIM: evaluations per glyph");
    show::Table table({"sampler", "evaluations", "time", "read as a digit", "digits seen"});
    for (const int S : {0, 20, 10, 5}) {
      if (S > T) continue;
      aib::DiffusionSampleOptions opt;
      opt.steps = S;
      opt.clip = 1.0;
      aib::Stopwatch watch;
      const aib::DiffusionSamplesT<float> r =
          aib::diffusion_sample(net, sch, n_samples, ctx.rng, opt);
      const double seconds = watch.seconds();
      const aib::GlyphReading read = aib::read_glyphs(reader, to_ink(r.x), 0.9);
      table.add_row({S == 0 ? "DDPM (ancestral)" : fmt::format("DDIM, S = {}", S),
                     std::to_string(r.evaluations),
                     aib::measured("{:.2f} ms/glyph", seconds * 1e3 / n_samples),
                     show::percent(read.confident_share, 0),
                     fmt::format("{} of 10", read.classes_covered)});
    }
    show::print(table.render(ctx.style));
    const aib::GlyphReading real = aib::read_glyphs(reader, glyphs.images.topRows(n_samples), 0.9);
    fmt::print(
        "{} glyphs per sampler; real glyphs are read as a digit {} of the time.\n"
        "Text: one evaluation per character. Diffusion: one evaluation per step, each\n"
        "producing a whole (still noisy) image; DDIM skips steps of the same model.\n",
        n_samples, show::percent(real.confident_share, 0));
  });
}
