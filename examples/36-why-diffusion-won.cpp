// Episode 36 — Why diffusion won: a VAE, a GAN (plain and PacGAN2), a RealNVP flow and a
// diffusion model (sampled by DDPM and by DDIM) trained on the same 8-Gaussian ring over the same
// seeds, and scored by the same metric code: modes captured, the high-quality share, MMD²,
// precision and recall, the held-out NLL where a family has one (exact for the flow, an upper
// bound from the ELBO for the VAE), training time, network passes and time per sample.
//
// The families are trained by examples/common/shootout.hpp (aib/generative/vae.hpp, gan.hpp,
// flow.hpp, diffusion.hpp; the scores from aib/generative/metrics.hpp). Every network is 64 wide;
// the default run is 2 seeds at a short budget, --full 5 seeds at twice the steps (the table
// docs/generative.md records). --svg FILE draws the first seed's samples side by side.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/timing.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/svg.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "shootout.hpp"
#include "toy_views.hpp"

using aib::Index;
using aib::show::fixed;
namespace view = aib::episode;

namespace {

// "mean (min–max)" of v, each value through `f`.
double mean(const std::vector<double>& v) {
  double s = 0;
  for (const double x : v) s += x;
  return s / double(v.size());
}

// "mean (min-max)" of v: the mean at `decimals` decimals, the ends as integers.
std::string spread(const std::vector<double>& v, int decimals, const char* unit = "") {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return fmt::format("{:.{}f}{} ({:.0f}-{:.0f})", mean(v), decimals, unit, *lo, *hi);
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  bool full = false;
  Index seeds = 0;
  std::string svg_path;
  view::ShootoutBudget budget;
  ep.flags().flag("--full", full, "5 seeds at twice the training steps (the documented table)");
  ep.option("--seeds", seeds, "Seeds per family (0: 2, with --full 5)", 0, 100);
  ep.option("--samples", budget.samples, "Samples each model draws for the metrics", 100, 20000);
  ep.option("--T", budget.T, "Diffusion steps (linear schedule, rescaled)", 10, 1000);
  ep.option("--ddim-steps", budget.ddim_steps, "DDIM's steps S (<= T)", 1, 1000);
  ep.flags().add("--svg", svg_path, "Also draw the first seed's samples into this SVG file");

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    if (budget.ddim_steps > budget.T)
      aib::fail("--ddim-steps {}: it must be at most --T = {}", budget.ddim_steps, budget.T);
    if (full) {
      budget.vae_steps *= 2, budget.gan_steps *= 2, budget.flow_steps *= 2;
      budget.diffusion_steps *= 2;
    }
    const Index n_seeds = seeds > 0 ? seeds : full ? 5 : 2;
    const aib::Mat data = aib::ring8(20000, ctx.rng);  // (20000, 2) every family trains on these
    const aib::Mat test = aib::ring8(2000, ctx.rng);   // (2000, 2) held out, scores and NLL
    const double entropy = aib::toy_entropy("ring8", ctx.rng).nats;
    ctx.section("The contestants");
    fmt::print(
        "Data: 8 Gaussians on a ring, 20000 training points, 2000 held out.\n"
        "Every network has hidden layers {} wide. Steps: VAE {}, GANs {}, flow {},\n"
        "diffusion {} (T = {}, DDIM S = {}). Seeds {} to {}; {} samples per model.\n",
        budget.hidden, budget.vae_steps, budget.gan_steps, budget.flow_steps,
        budget.diffusion_steps, budget.T, budget.ddim_steps, ctx.seed, ctx.seed + n_seeds - 1,
        budget.samples);

    // ---- Train every family on every seed -------------------------------------------------------
    std::vector<std::vector<view::FamilyRun>> runs(6);  // [family][seed]
    std::vector<std::vector<view::ShootoutScore>> scores(6);
    aib::Stopwatch total;
    for (Index i = 0; i < n_seeds; ++i) {
      const std::uint64_t seed = ctx.seed + static_cast<std::uint64_t>(i);
      aib::Rng r0(seed), r1(seed), r2(seed), r3(seed), r4(seed);
      std::vector<view::FamilyRun> one = {
          view::train_vae_2d(data, test, budget, r0), view::train_gan_2d(data, 1, budget, r1),
          view::train_gan_2d(data, 2, budget, r2), view::train_flow_2d(data, test, budget, r3)};
      for (view::FamilyRun& d : view::train_diffusion_2d(data, budget, r4)) one.push_back(d);
      for (std::size_t f = 0; f < one.size(); ++f) {
        scores[f].push_back(view::score(one[f].samples, test));
        runs[f].push_back(std::move(one[f]));
      }
    }

    // ---- Quality ------------------------------------------------------------------------------
    ctx.section("Same data, same metrics: sample quality");
    fmt::print("Mean over {} seeds, (min-max) beside the first two columns:\n", n_seeds);
    show::Table quality(
        {"model", "modes of 8", "high quality", "MMD2 x1e3", "precision", "recall"});
    for (std::size_t f = 0; f < runs.size(); ++f) {
      std::vector<double> modes, hq, mmd, prec, rec;
      for (const view::ShootoutScore& s : scores[f]) {
        modes.push_back(double(s.modes)), hq.push_back(100 * s.high_quality);
        mmd.push_back(s.mmd2 * 1e3), prec.push_back(s.precision), rec.push_back(s.recall);
      }
      quality.add_row({runs[f][0].name, spread(modes, 1), spread(hq, 0, "%"), fixed(mean(mmd), 2),
                       fixed(mean(prec), 2), fixed(mean(rec), 2)});
    }
    show::print(quality.render(ctx.style));
    const aib::Mat ref = aib::ring8(budget.samples, ctx.rng);  // (n, 2) fresh real points
    const view::ShootoutScore real = view::score(ref, test);
    fmt::print(
        "Fresh real points: {} modes, {} high quality, MMD2 x1e3 {}, precision {},\n"
        "recall {}. (High quality: within 3 sigma of a mode. MMD2: RBF kernel,\n"
        "bandwidth 0.1. Precision and recall: k = 3 nearest-neighbour balls.)\n",
        real.modes, show::percent(real.high_quality, 0), fixed(real.mmd2 * 1e3, 2),
        fixed(real.precision, 2), fixed(real.recall, 2));

    // ---- Cost and likelihood --------------------------------------------------------------------
    ctx.section("What it costs, and what it can tell you");
    show::Table cost(
        {"model", "weights", "NLL (nats) [min, max]", "train", "passes", "per sample"});
    std::vector<double> per_sample;  // (6) mean seconds per sample
    for (const std::vector<view::FamilyRun>& r : runs) {
      std::vector<double> nll, tr, ts;
      for (const view::FamilyRun& x : r)
        nll.push_back(x.nll), tr.push_back(x.train_seconds), ts.push_back(x.sample_seconds);
      per_sample.push_back(mean(ts) / double(budget.samples));
      const std::string bound = r[0].name == "VAE" ? "<= " : "";
      const auto [lo, hi] = std::minmax_element(nll.begin(), nll.end());
      cost.add_row({r[0].name, fmt::format("{}", r[0].weights),
                    std::isfinite(nll.front())
                        ? fmt::format("{}{:.2f} [{:.2f}, {:.2f}]", bound, mean(nll), *lo, *hi)
                        : "-",
                    aib::measured("{:.2f} s", mean(tr)), fmt::format("{}", r[0].evaluations),
                    aib::measured("{:.2f} us", per_sample.back() * 1e6)});
    }
    show::print(cost.render(ctx.style));
    fmt::print(
        "The true entropy of the ring, the floor no NLL goes below: {} nats.\n"
        "NLL is exact for the flow, an upper bound (-ELBO) for the VAE; the GANs and this\n"
        "diffusion code give samples only. The flow's pass runs its 8 couplings in turn.\n"
        "DDPM needs {} network passes per sample, {} the GAN's time per sample;\n"
        "DDIM needs {} passes, {} the GAN's time.\n",
        fixed(entropy, 3), runs[4][0].evaluations,
        aib::measured("{:.0f}x", per_sample[4] / per_sample[1]), runs[5][0].evaluations,
        aib::measured("{:.0f}x", per_sample[5] / per_sample[1]));

    // ---- Pictures -------------------------------------------------------------------------------
    ctx.section("Samples, first seed (shades: points per cell, same scale)");
    const Index rows = 10, cols = 20;
    const double extent = 2.0;
    const aib::MatD h_data = view::histogram2d(test, rows, cols, extent);  // (rows, cols)
    const double top = h_data.maxCoeff() * double(budget.samples) / double(test.rows());
    std::vector<std::string> panels = {
        view::density_panel("held-out data", h_data, h_data.maxCoeff())};
    std::string svg_body;
    for (std::size_t f = 0; f <= runs.size(); ++f) {
      const aib::Mat& s = f == 0 ? test : runs[f - 1][0].samples;  // (n, 2)
      if (f > 0)
        panels.push_back(view::density_panel(runs[f - 1][0].name,
                                             view::histogram2d(s, rows, cols, extent), top));
      std::vector<double> x, y;
      for (Index i = 0; i < std::min<Index>(s.rows(), 1000); ++i)
        x.push_back(s(i, 0)), y.push_back(s(i, 1));
      std::string one = show::svg_scatter(x, y, {}, f == 0 ? "data" : runs[f - 1][0].name);
      one.erase(0, one.find('\n') + 1);  // drop the XML prolog: the panel nests in one document
      svg_body += fmt::format("<g transform=\"translate({}, {})\">\n{}</g>\n", 560 * (f % 4),
                              490 * (f / 4), one);
    }
    for (std::size_t k = 0; k < panels.size(); k += 3) {
      std::string row = panels[k];
      for (std::size_t j = k + 1; j < std::min(k + 3, panels.size()); ++j)
        row = show::side_by_side(row, panels[j], static_cast<int>(26 * (j - k)));
      show::print(row);
    }
    fmt::print("Square [-2, 2]^2. {} models (5 per seed) trained and scored in {}.\n", 5 * n_seeds,
               aib::measured("{:.1f} s", total.seconds()));
    if (!svg_path.empty()) {
      show::save_svg(svg_path, fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "
                                           "xmlns=\"http://www.w3.org/2000/svg\" width=\"2240\" "
                                           "height=\"980\" viewBox=\"0 0 2240 980\">\n{}</svg>\n",
                                           svg_body));
      fmt::print("(samples written to {})\n", svg_path);
    }
  });
}
