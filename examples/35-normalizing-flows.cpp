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
#include <Eigen/LU>

#include "aib/core/timing.hpp"
#include "aib/generative/flow.hpp"
#include "aib/generative/toy2d.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::Index;
using aib::MatD;
using aib::show::fixed;

// A density or a histogram (rows, cols), row 0 at the top, one shade per cell: the value over
// `top` in fifths (" ░▒▓█"), in a frame with a title.
std::string panel(const std::string& title, const MatD& v, double top) {
  std::string out = title + "\n┌";
  for (Index c = 0; c < v.cols(); ++c) out += "─";
  out += "┐\n";
  for (Index r = 0; r < v.rows(); ++r) {
    out += "│";
    for (Index c = 0; c < v.cols(); ++c) {
      const double u = std::clamp(v(r, c) / top, 0.0, 1.0);
      out += aib::show::heat_shades[static_cast<std::size_t>(std::lround(u * 4))];
    }
    out += "│\n";
  }
  out += "└";
  for (Index c = 0; c < v.cols(); ++c) out += "─";
  return out + "┘\n";
}

// Cell centres of a rows × cols grid over [-extent, extent]², row 0 at the top: (rows·cols, 2)
aib::Mat grid_points(Index rows, Index cols, double extent) {
  aib::Mat g(rows * cols, 2);
  for (Index r = 0; r < rows; ++r)
    for (Index c = 0; c < cols; ++c)
      g.row(r * cols + c) << static_cast<float>(-extent + (c + 0.5) * 2 * extent / cols),
          static_cast<float>(extent - (r + 0.5) * 2 * extent / rows);
  return g;
}

// Points per cell of the same grid: (rows, cols)
MatD histogram(const aib::Mat& x, Index rows, Index cols, double extent) {
  MatD h = MatD::Zero(rows, cols);
  for (Index i = 0; i < x.rows(); ++i) {
    const double c = std::floor((x(i, 0) + extent) / (2 * extent) * cols);
    const double r = std::floor((extent - x(i, 1)) / (2 * extent) * rows);
    if (c >= 0 && c < cols && r >= 0 && r < rows) h(static_cast<Index>(r), static_cast<Index>(c))++;
  }
  return h;
}

// Mean NLL (nats) on `test` of the single Gaussian fitted to `train` (its mean and covariance).
double gaussian_nll(const aib::Mat& train, const aib::Mat& test) {
  const MatD x = train.cast<double>();                               // (N, 2)
  const Eigen::RowVector2d mu = x.colwise().mean();                  // (1, 2)
  const MatD c = x.rowwise() - mu;                                   // (N, 2)
  const Eigen::Matrix2d cov = c.transpose() * c / double(x.rows());  // (2, 2)
  const Eigen::Matrix2d inv = cov.inverse();
  double total = 0;
  for (Index i = 0; i < test.rows(); ++i) {
    const Eigen::RowVector2d d = test.row(i).cast<double>() - mu;
    total += 0.5 * d * inv * d.transpose();
  }
  return total / double(test.rows()) +
         0.5 * std::log(std::pow(2 * 3.14159265358979323846, 2) * cov.determinant());
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  std::string data_name = "checkerboard";
  Index hidden = 64, couplings = 8, n_train = 20000;
  aib::FlowTrainOptions train{600, 256, 5e-3};
  ep.cli()
      .add_option("--data", data_name, "Dataset with a known density")
      ->check(CLI::IsMember({"checkerboard", "ring8", "grid25"}))
      ->capture_default_str();
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
    const double gauss_nll = gaussian_nll(data, test);
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
    const aib::Mat grid = grid_points(rows, cols, extent);  // (rows·cols, 2)
    const aib::Vec true_lp = aib::toy_log_prob(data_name, grid);
    const aib::Mat flow_lp = flow.log_prob(grid);  // (rows·cols, 1)
    MatD p_true(rows, cols), p_flow(rows, cols);
    for (Index k = 0; k < grid.rows(); ++k) {
      p_true(k / cols, k % cols) = std::exp(double(true_lp(k)));
      p_flow(k / cols, k % cols) = std::exp(double(flow_lp(k, 0)));
    }
    const double top = p_flow.maxCoeff();
    show::print(show::side_by_side(panel("true density", p_true, top),
                                   panel("flow's density (same scale)", p_flow, top), cols + 6));
    const aib::Mat samples = flow.sample(5000, ctx.rng);  // (5000, 2)
    const MatD h_data = histogram(test, rows, cols, extent),
               h_flow = histogram(samples, rows, cols, extent);
    show::print(show::side_by_side(
        panel("5000 data points", h_data, h_data.maxCoeff()),
        panel("5000 flow samples (same scale)", h_flow, h_data.maxCoeff()), cols + 6));
    fmt::print("Square [{}, {}]^2; a shade is a fifth of the top value.\n", fixed(-extent, 2),
               fixed(extent, 2));

    // ---- The filament ---------------------------------------------------------------------------
    // "Off the data": the true density there is below its value at 99.9% of held-out points.
    aib::Vec test_lp = aib::toy_log_prob(data_name, test);
    std::vector<float> sorted(test_lp.data(), test_lp.data() + test_lp.size());
    std::sort(sorted.begin(), sorted.end());
    const float floor_lp = sorted[sorted.size() / 1000];
    const aib::Vec sample_lp = aib::toy_log_prob(data_name, samples);
    const auto off = [&](const aib::Vec& lp) {
      return double((lp.array() < floor_lp).count()) / double(lp.size());
    };
    fmt::print(
        "\nOff the data (true density below its value at 99.9% of real points):\n"
        "  flow samples {}, held-out data {}.\n"
        "A flow is a smooth invertible map of one Gaussian blob: it cannot tear it\n"
        "apart, so thin filaments of probability join the modes.\n",
        show::percent(off(sample_lp), 1), show::percent(off(test_lp), 1));

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
