// Episode 35 — Normalizing flows: a RealNVP learns a 2-D density whose true value is known, so
// its exact log-likelihood can be set beside the data's own entropy (the floor no model beats)
// and beside a single Gaussian; its density and samples are drawn beside the data's.
//
// The flow is aib::RealNVP with aib::train_flow (aib/generative/flow.hpp); the datasets, their
// densities and entropies come from aib/generative/toy2d.hpp. The episode trains a smaller flow
// than the benchmark recipe (8 couplings of 1 -> 64 -> 64 -> 2 instead of 256 wide, batch 256)
// so that it runs in about a second of CPU; --hidden, --couplings and --steps turn it up.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/timing.hpp"
#include "aib/generative/flow.hpp"
#include "aib/generative/toy2d.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "toy_views.hpp"

using aib::Index;
using aib::MatD;
using aib::show::fixed;
namespace view = aib::episode;  // grid_points, histogram2d, density_panel, ... (toy_views.hpp)

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  std::string data_name = "checkerboard";
  Index hidden = 64, couplings = 8, n_train = 20000;
  aib::FlowTrainOptions train{600, 256, 5e-3};
  ep.flags()
      .add("--data", data_name, "Dataset with a known density")
      .one_of({"checkerboard", "ring8", "grid25"});
  ep.option("--hidden", hidden, "Width of each coupling's two hidden layers", 4, 1024);
  ep.option("--couplings", couplings, "Affine coupling layers", 1, 32);
  ep.option("--steps", train.steps, "Adam steps", 1, 100000);
  ep.option("--batch", train.batch, "Points per step", 8, 8192);
  ep.option("--lr", train.lr, "Adam's learning rate", 1e-5, 1.0);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    const aib::Mat data = aib::make_toy(data_name, n_train, ctx.rng);  // (N, 2) to train on
    const aib::Mat test = aib::make_toy(data_name, 5000, ctx.rng);     // (5000, 2) held out
    const double entropy = aib::toy_entropy(data_name, ctx.rng).nats;

    // ---- Training -------------------------------------------------------------------------------
    ctx.section("Training a RealNVP by its exact likelihood");
    aib::RealNVPOptions opt;
    opt.couplings = couplings;
    opt.hidden = {hidden, hidden};
    aib::RealNVP flow(opt, ctx.rng);
    aib::Stopwatch watch;
    const aib::FlowTrainLog log = aib::train_flow(flow, data, ctx.rng, train);
    const double seconds = watch.seconds();
    fmt::print(
        "Data: {}, {} training points.\n"
        "Flow: {} couplings of 1 -> {} -> {} -> 2, log-scale tanh-bounded, {} weights.\n"
        "Adam lr {}, {} steps of {} points: {}.\n",
        data_name, n_train, couplings, hidden, hidden, aib::count_parameters(flow.parameters()),
        train.lr, train.steps, train.batch, aib::measured("{:.1f} s", seconds));
    fmt::print("NLL per step (nats): {}  {} -> {}\n\n",
               show::sparkline(show::binned_means(
                   log.losses, std::max<std::size_t>(1, log.losses.size() / 40))),
               fixed(log.losses.front(), 2), fixed(log.losses.back(), 2));

    const double flow_nll = -flow.log_prob(test).cast<double>().mean();
    const double gauss_nll = view::gaussian_fit_nll(data, test);
    fmt::print("Mean NLL on 5000 held-out points, in nats (lower is better):\n");
    show::Table nll({"model", "NLL", "above the floor"});
    nll.add_row({"one Gaussian fit", fixed(gauss_nll, 3), fixed(gauss_nll - entropy, 3)});
    nll.add_row({"RealNVP flow", fixed(flow_nll, 3), fixed(flow_nll - entropy, 3)});
    nll.add_row({"true entropy: the floor", fixed(entropy, 3), "0.000"});
    show::print(nll.render(ctx.style));
    fmt::print("The flow closes {}% of the Gaussian's gap to the floor.\n",
               fixed(100 * (gauss_nll - flow_nll) / (gauss_nll - entropy), 0));

    // ---- Pictures -------------------------------------------------------------------------------
    ctx.section("Density and samples, data beside flow");
    const Index rows = 16, cols = 32;
    // cells a third of a unit high and a sixth wide (a checkerboard square is 3 × 6 cells)
    const double extent = (data_name == "ring8"    ? 0.75
                           : data_name == "grid25" ? 2.0
                                                   : 1.0) *
                          8 / 3.;
    const aib::Mat grid = view::grid_points(rows, cols, extent);  // (rows·cols, 2)
    const aib::Vec true_lp = aib::toy_log_prob(data_name, grid);
    const aib::Mat flow_lp = flow.log_prob(grid);  // (rows·cols, 1)
    MatD p_true(rows, cols), p_flow(rows, cols);
    for (Index k = 0; k < grid.rows(); ++k) {
      p_true(k / cols, k % cols) = std::exp(double(true_lp(k)));
      p_flow(k / cols, k % cols) = std::exp(double(flow_lp(k, 0)));
    }
    const double top = p_flow.maxCoeff();
    show::print(show::side_by_side(view::density_panel("true density", p_true, top),
                                   view::density_panel("flow's density (same scale)", p_flow, top),
                                   cols + 6));
    const aib::Mat samples = flow.sample(5000, ctx.rng);  // (5000, 2)
    const MatD h_data = view::histogram2d(test, rows, cols, extent),
               h_flow = view::histogram2d(samples, rows, cols, extent);
    show::print(show::side_by_side(
        view::density_panel("5000 data points", h_data, h_data.maxCoeff()),
        view::density_panel("5000 flow samples (same scale)", h_flow, h_data.maxCoeff()),
        cols + 6));
    fmt::print("Square [{}, {}]^2; a shade is a fifth of the top value.\n", fixed(-extent, 2),
               fixed(extent, 2));

    // ---- The filament ---------------------------------------------------------------------------
    fmt::print(
        "\nOff the data (true density below its value at 99.9% of real points):\n"
        "  flow samples {}, held-out data {}.\n"
        "A flow is a smooth invertible map of one Gaussian blob: it cannot tear it\n"
        "apart, so thin filaments of probability join the modes.\n",
        show::percent(view::off_data_share(data_name, samples, test), 1),
        show::percent(view::off_data_share(data_name, test, test), 1));

    // ---- Exact likelihoods of chosen points -----------------------------------------------------
    ctx.section("The exact log-density of hand-picked points");
    std::vector<std::pair<std::string, std::pair<float, float>>> picks;
    if (data_name == "checkerboard")
      picks = {{"centre of a filled square", {0.5f, 0.5f}},
               {"centre of an empty square", {-0.5f, 0.5f}},
               {"corner where squares meet", {0.f, 0.f}},
               {"outside the board", {3.f, 3.f}}};
    else if (data_name == "ring8")
      picks = {{"on a mode", {1.4144f, 0.f}},
               {"on the ring, between two modes", {1.3067f, 0.5412f}},
               {"centre of the ring", {0.f, 0.f}},
               {"far outside", {3.f, 3.f}}};
    else
      picks = {{"on a mode", {0.f, 0.f}},
               {"between two modes", {1.f, 0.f}},
               {"between four modes", {1.f, 1.f}},
               {"far outside", {6.f, 6.f}}};
    aib::Mat pts(static_cast<Index>(picks.size()), 2);
    for (Index i = 0; i < pts.rows(); ++i)
      pts.row(i) << picks[static_cast<std::size_t>(i)].second.first,
          picks[static_cast<std::size_t>(i)].second.second;
    const aib::Vec lp_true = aib::toy_log_prob(data_name, pts);
    const aib::Mat lp_flow = flow.log_prob(pts);  // (4, 1)
    show::Table pick({"point", "x", "y", "true log p", "flow log p"});
    for (Index i = 0; i < pts.rows(); ++i)
      pick.add_row({picks[static_cast<std::size_t>(i)].first, fixed(pts(i, 0), 2),
                    fixed(pts(i, 1), 2),
                    std::isfinite(lp_true(i)) ? fixed(lp_true(i), 3) : std::string("-inf"),
                    fixed(lp_flow(i, 0), 3)});
    show::print(pick.render(ctx.style));
    fmt::print("(A GAN's generator gives samples, never these numbers.)\n");

    // ---- Invertibility --------------------------------------------------------------------------
    ctx.section("Invertibility");
    const auto fwd = flow.forward(aib::Tensor(test));
    const auto back = flow.inverse(fwd.out);
    fmt::print(
        "On the 5000 held-out points, in float: max |x - f^-1(f(x))| = {:.1e},\n"
        "max |log det J_f + log det J_f^-1| = {:.1e}.\n",
        (back.out.value() - test).cwiseAbs().maxCoeff(),
        (fwd.log_det.value() + back.log_det.value()).cwiseAbs().maxCoeff());
  });
}
