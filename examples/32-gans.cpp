// Episode 32 — GANs: a generator and a discriminator learn against each other on 2-D data (eight
// Gaussians on a ring). The program prints both losses over training, the discriminator's output
// on real and on generated points, the samples against the data at a few moments, and how many
// of the eight modes the generator covers at the end.
//
// The GAN is aib::Gan with aib::train_gan (aib/generative/gan.hpp); the ring and its mode centres
// come from aib/generative/toy2d.hpp, the mode count from aib/generative/metrics.hpp. Both players
// are small (2 -> 64 -> 64 -> 2 and 2 -> 64 -> 64 -> 1, ReLU) so that training takes about a
// second; --hidden, --steps and --lr turn them up, --loss minimax tries the game's own G loss.
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/timing.hpp"
#include "aib/generative/gan.hpp"
#include "aib/generative/metrics.hpp"
#include "aib/generative/toy2d.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/svg.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

using aib::Index;
using aib::show::fixed;

namespace {

// Mean of v over the steps (from, to], 1-based.
double window_mean(const std::vector<double>& v, Index from, Index to) {
  double s = 0;
  for (Index i = from; i < to; ++i) s += v[static_cast<std::size_t>(i)];
  return s / static_cast<double>(to - from);
}

// The first n data points (group 0) and the first n samples (group 1) as one point list.
struct Points {
  std::vector<double> x, y;
  std::vector<int> group;
  void add(const aib::Mat& m, Index n, int g) {
    for (Index i = 0; i < n && i < m.rows(); ++i) {
      x.push_back(m(i, 0));
      y.push_back(m(i, 1));
      group.push_back(g);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  Index hidden = 64;
  std::string loss_name = "non-saturating", svg_path;
  aib::GanTrainOptions train;
  train.steps = 3000;
  train.batch = 128;
  train.lr_d = 1e-3;
  ep.option("--hidden", hidden, "Width of both players' two hidden layers", 4, 1024);
  ep.option("--steps", train.steps, "Iterations (one D and one G update each)", 10, 100000);
  ep.option("--batch", train.batch, "Real points and fakes per step", 8, 8192);
  ep.option("--lr", train.lr_d, "Adam's learning rate, both players", 1e-6, 1.0);
  ep.flags().add("--loss", loss_name, "The generator's loss").one_of({"non-saturating", "minimax"});
  ep.flags().add("--svg", svg_path, "Also draw the snapshots into this SVG file");

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    train.lr_g = train.lr_d;
    train.loss = loss_name == "minimax" ? aib::GanLoss::minimax : aib::GanLoss::non_saturating;
    const Index T = train.steps;
    const std::vector<Index> moments = {0, T / 20, T / 5, T};
    train.snapshot_steps = moments;
    const aib::Mat data = aib::ring8(20000, ctx.rng);  // (20000, 2)
    const aib::GaussianMixture2D ring = aib::ring8_mixture();

    // ---- Training -----------------------------------------------------------------------------
    ctx.section("Two networks, one game");
    aib::GanConfig config;
    config.g_hidden = config.d_hidden = {hidden, hidden};
    aib::Gan gan(config, ctx.rng);
    aib::Stopwatch watch;
    const aib::GanHistory h = aib::train_gan(gan, data, ctx.rng, train);
    const double seconds = watch.seconds();
    fmt::print(
        "Data: 8 Gaussians on a ring of radius 1.41, {} points.\n"
        "Generator 2 -> {h} -> {h} -> 2 ({} weights), noise z ~ N(0, I) in 2-D.\n"
        "Discriminator 2 -> {h} -> {h} -> 1 ({} weights), its output a logit.\n"
        "{} generator loss, Adam lr {} betas (0.5, 0.999),\n"
        "{} steps of {} points: {}.\n",
        data.rows(), aib::count_parameters(gan.generator_parameters()),
        aib::count_parameters(gan.discriminator_parameters()), loss_name, train.lr_d, T,
        train.batch, aib::measured("{:.1f} s", seconds), fmt::arg("h", hidden));

    const auto bins = [&](const std::vector<double>& v) {
      return show::sparkline(show::binned_means(v, std::max<std::size_t>(1, v.size() / 40)));
    };
    fmt::print("\nOver training (each mark the mean of {} steps):\n", T / 40);
    fmt::print("  D loss      {}\n  G loss      {}\n  D(real)     {}\n  D(fake)     {}\n",
               bins(h.d_loss), bins(h.g_loss), bins(h.d_real), bins(h.d_fake));

    fmt::print(
        "\nMeans over the 50 steps before each moment (the game's balance: D loss\n"
        "log 4 = {}, D = 0.5 on both sides):\n",
        fixed(std::log(4.0), 3));
    show::Table table({"step", "D loss", "G loss", "D(real)", "D(fake)"});
    for (const Index s : {Index(50), T / 20, T / 5, T / 2, T}) {
      if (s < 50) continue;
      table.add_row({fmt::format("{}", s), fixed(window_mean(h.d_loss, s - 50, s), 3),
                     fixed(window_mean(h.g_loss, s - 50, s), 3),
                     fixed(window_mean(h.d_real, s - 50, s), 3),
                     fixed(window_mean(h.d_fake, s - 50, s), 3)});
    }
    show::print(table.render(ctx.style));

    // ---- Samples against the data -------------------------------------------------------------
    ctx.section("Samples against the data");
    fmt::print("o = 300 data points, x = 300 samples of the same noise at every moment\n\n");
    std::vector<std::string> panels;
    std::string svg_body;
    for (std::size_t k = 0; k < h.snapshots.size(); ++k) {
      Points p;
      p.add(data, 300, 0);
      p.add(h.snapshots[k].samples, 300, 1);
      show::Style narrow = ctx.style;
      narrow.width = 38;
      panels.push_back(fmt::format("after step {}\n{}", h.snapshots[k].step,
                                   show::scatter(p.x, p.y, p.group, narrow, 30, 12)));
      std::string one = show::svg_scatter(
          p.x, p.y, p.group,
          fmt::format("step {}: data (group 0), G (group 1)", h.snapshots[k].step));
      one.erase(0, one.find('\n') + 1);  // drop the XML prolog: the panel nests in one document
      svg_body += fmt::format("<g transform=\"translate({}, 0)\">\n{}</g>\n", 560 * k, one);
    }
    for (std::size_t k = 0; k + 1 < panels.size(); k += 2)
      show::print(show::side_by_side(panels[k], panels[k + 1], 40));

    const aib::Mat samples = gan.sample(2500, ctx.rng);  // (2500, 2)
    const aib::ModeCoverage cover = aib::mode_coverage(samples, ring.centres, ring.sigma);
    fmt::print(
        "\nOf 2500 new samples, {} lie within 3 sigma of a mode (high quality).\n"
        "Modes captured: {} of 8; high-quality samples per mode: {}.\n"
        "Reverse KL of the mode histogram from uniform: {} nats (0: all modes equal).\n",
        show::percent(cover.high_quality_fraction, 1), cover.modes_captured,
        fmt::join(cover.histogram, " "), fixed(cover.reverse_kl, 3));
    fmt::print("D's mean output now: {} on data, {} on samples.\n",
               fixed(gan.probability_real(aib::random_rows(data, 2500, ctx.rng)).mean(), 3),
               fixed(gan.probability_real(samples).mean(), 3));
    if (!svg_path.empty()) {
      const double w = 560.0 * static_cast<double>(h.snapshots.size());
      show::save_svg(svg_path, fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "
                                           "xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
                                           "height=\"490\" viewBox=\"0 0 {0} 490\">\n{1}</svg>\n",
                                           w, svg_body));
      fmt::print("(snapshots written to {})\n", svg_path);
    }
  });
}
