// Episode 28 — SwiGLU & modern activations: ReLU, GELU and SiLU near zero, the SwiGLU gate, and
// three feed-forward blocks with the same parameter budget trained on the same task.
//
// Values and slopes come from the autograd ops in aib/autograd/activations.hpp (relu, gelu,
// silu): each slope is the gradient that backward() sends through the op, not a formula typed
// here. The blocks are aib::Mlp (ReLU or GELU, F = 4D) and aib::GatedFfn (SwiGLU, F from
// aib::gated_hidden_width) from aib/nn/ffn.hpp, counted with aib::count_parameters and trained
// with aib::Adam and aib::cosine_annealing (aib/autograd/optim.hpp) on aib::mse_loss, on the
// random-teacher task of examples/common/regression.hpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/autograd/activations.hpp"
#include "aib/nn/ffn.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "regression.hpp"

namespace {

using aib::Index;
using aib::show::fixed;
using aib::toy::Harness;

// act(x) and act'(x) at each x: one (1, n) leaf through the op, then backward with ones. Each
// output depends on its own input only, so the gradient arriving at x_i is act'(x_i).
std::pair<std::vector<double>, std::vector<double>> value_and_slope(aib::Activation act,
                                                                    const std::vector<double>& xs) {
  aib::Mat x0(1, static_cast<Index>(xs.size()));  // (1, n)
  for (Index i = 0; i < x0.cols(); ++i)
    x0(0, i) = static_cast<float>(xs[static_cast<std::size_t>(i)]);
  const aib::Tensor x = aib::Tensor::parameter(x0);  // (1, n)
  const aib::Tensor y = aib::activate(x, act);       // (1, n)
  y.backward(aib::Mat::Ones(1, x.cols()));
  const aib::Mat slope = x.grad();  // (1, n)
  std::vector<double> value, d;
  for (Index i = 0; i < x.cols(); ++i) value.push_back(y.value()(0, i)), d.push_back(slope(0, i));
  return {value, d};
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int seeds = 5;
  aib::toy::Setup setup{400, 64, 3e-2};
  Index dim = 16;
  ep.option("--seeds", seeds, "Training runs per block (different initial weights)", 1, 50);
  ep.option("--steps", setup.steps, "Adam steps per run", 1, 100000);
  ep.option("--dim", dim, "Model width D of the trained blocks", 3, 256);
  ep.option("--lr", setup.lr, "Peak learning rate (cosine decay to 0)", 1e-5, 1.0);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    using aib::Activation;
    const std::vector<std::pair<const char*, Activation>> acts = {
        {"ReLU", Activation::relu}, {"GELU", Activation::gelu}, {"SiLU", Activation::silu}};

    // ---- Values and slopes --------------------------------------------------------------------
    ctx.section("Three activations near zero (slope = gradient from backward)");
    const std::vector<double> xs = {-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3};
    show::Table table({"x", "ReLU", "slope", "GELU", "slope", "SiLU", "slope"});
    std::vector<std::pair<std::vector<double>, std::vector<double>>> at;
    for (const auto& a : acts) at.push_back(value_and_slope(a.second, xs));
    for (std::size_t i = 0; i < xs.size(); ++i) {
      std::vector<std::string> row = {fixed(xs[i], 1)};
      for (const auto& [value, slope] : at) {
        row.push_back(fixed(value[i], 3));
        row.push_back(fixed(slope[i], 3));
      }
      table.add_row(row);
    }
    show::print(table.render(ctx.style));

    std::vector<double> fine;  // x from -4 to 4 in steps of 0.01
    for (int i = -400; i <= 400; ++i) fine.push_back(i / 100.0);
    fmt::print("\nSlope from x = -3 to 3, one bar per 0.1:\n");
    show::Table shape({"", "lowest value", "at x", "top slope", "at x", "largest slope jump"});
    for (const auto& a : acts) {
      const auto [value, slope] = value_and_slope(a.second, fine);  // x = -4, -3.99, ..., 4
      std::vector<double> bars;
      for (std::size_t i = 100; i <= 700; i += 10) bars.push_back(slope[i]);
      fmt::print("{}  {}\n", a.first, show::sparkline(bars));
      const auto low = std::min_element(value.begin(), value.end());
      const auto top = std::max_element(slope.begin(), slope.end());
      double jump = 0;  // between neighbours 0.01 apart: a kink shows as a jump
      for (std::size_t i = 1; i < slope.size(); ++i)
        jump = std::max(jump, std::abs(slope[i] - slope[i - 1]));
      shape.add_row({a.first, fixed(*low, 3),
                     fixed(fine[static_cast<std::size_t>(low - value.begin())], 2), fixed(*top, 3),
                     fixed(fine[static_cast<std::size_t>(top - slope.begin())], 2),
                     fixed(jump, 3)});
    }
    fmt::print("\n");
    show::print(shape.render(ctx.style));
    fmt::print("(x from -4 to 4 in steps of 0.01; the jump is between neighbouring x.)\n");

    // ---- The gate -------------------------------------------------------------------------------
    ctx.section("The SwiGLU gate: silu(a) * b");
    const std::vector<double> as = {-3, -2, -1, 0, 1, 2, 3}, bs = {-2, -1, 1, 2};
    aib::Mat a0(7, 4), b0(7, 4);  // (7, 4): a down the rows, b across
    for (Index i = 0; i < 7; ++i) {
      for (Index j = 0; j < 4; ++j) {
        a0(i, j) = static_cast<float>(as[static_cast<std::size_t>(i)]);
        b0(i, j) = static_cast<float>(bs[static_cast<std::size_t>(j)]);
      }
    }
    const aib::Tensor gated = aib::mul(aib::silu(aib::Tensor(a0)), aib::Tensor(b0));  // (7, 4)
    show::Table gate({"a \\ b", "-2", "-1", "1", "2"});
    for (Index i = 0; i < 7; ++i) {
      std::vector<std::string> row = {fixed(as[static_cast<std::size_t>(i)], 0)};
      for (Index j = 0; j < 4; ++j) row.push_back(fixed(gated.value()(i, j), 3));
      gate.add_row(row);
    }
    show::print(gate.render(ctx.style));
    fmt::print(
        "The gate silu(a) on b: {} at a = -3, {} at a = 0, {} at a = 3.\n"
        "The product takes either sign; relu(a) alone is never negative.\n",
        fixed(gated.value()(0, 2), 3), fixed(gated.value()(3, 2), 3),
        fixed(gated.value()(6, 2), 3));

    // ---- Training -------------------------------------------------------------------------------
    ctx.section("Same budget, three feed-forward blocks");
    const aib::toy::Teacher teacher(dim, ctx.rng);
    const auto [x_test, y_test] = teacher.sample(2048, ctx.rng);  // (2048, D), (2048, D)
    const Index f_mlp = 4 * dim, f_glu = aib::gated_hidden_width(dim);
    const std::vector<std::string> names = {"ReLU MLP", "GELU MLP", "SwiGLU"};
    aib::Rng scratch(0);  // the counts do not depend on the values
    const std::vector<Index> counts = {
        aib::count_parameters(aib::Mlp(dim, f_mlp, scratch, Activation::relu).parameters()),
        aib::count_parameters(aib::Mlp(dim, f_mlp, scratch, Activation::gelu).parameters()),
        aib::count_parameters(aib::GatedFfn(dim, f_glu, scratch).parameters())};
    show::Table budget({"block", "hidden F", "matrices", "parameters"});
    for (std::size_t k = 0; k < 3; ++k)
      budget.add_row({names[k], std::to_string(k < 2 ? f_mlp : f_glu),
                      k < 2 ? "up, down + biases" : "gate, up, down", std::to_string(counts[k])});
    show::print(budget.render(ctx.style));
    fmt::print("With D = {}, SwiGLU has {}% of the MLP's parameters.\n\n", dim,
               fixed(100.0 * static_cast<double>(counts[2]) / static_cast<double>(counts[0]), 1));

    std::vector<std::vector<double>> alone(3), stream(3);  // (block, seed) held-out losses
    std::vector<double> linear;                            // (seed)
    for (int s = 0; s < seeds; ++s) {
      const std::uint64_t run_seed = ctx.rng.next_u64();
      aib::Rng data_rng(run_seed, 2);
      const auto [x_train, y_train] =  // (steps·B, D), (steps·B, D): each sample used once
          teacher.sample(static_cast<Index>(setup.steps) * setup.batch, data_rng);
      for (const bool residual : {false, true}) {
        for (std::size_t k = 0; k < 3; ++k) {
          aib::Rng init(run_seed, 1);
          double loss = 0;
          if (k < 2) {
            const aib::Mlp mlp(dim, f_mlp, init, k == 0 ? Activation::relu : Activation::gelu);
            const Harness<aib::Mlp> model{&mlp, aib::Linear(dim, dim, init, false), residual};
            loss = aib::toy::train_regression(model, x_train, y_train, x_test, y_test, setup);
          } else {
            const aib::GatedFfn glu(dim, f_glu, init, Activation::silu);
            const Harness<aib::GatedFfn> model{&glu, aib::Linear(dim, dim, init, false), residual};
            loss = aib::toy::train_regression(model, x_train, y_train, x_test, y_test, setup);
          }
          (residual ? stream : alone)[k].push_back(loss);
        }
      }
      aib::Rng init(run_seed, 1);
      const Harness<aib::Mlp> head_only{nullptr, aib::Linear(dim, dim, init, false), true};
      linear.push_back(
          aib::toy::train_regression(head_only, x_train, y_train, x_test, y_test, setup));
    }

    fmt::print(
        "Task: x ~ N(0, I) in D = {}; target: a fixed random tanh network. Loss: mean\n"
        "squared error on 2048 held-out points, 1.0 = predicting the mean. Adam, lr {}\n"
        "with cosine decay, {} steps x {} fresh samples. Runs: {}, each with its own\n"
        "initial weights and samples, shared by the blocks. Held-out loss, mean ± sd:\n\n",
        dim, setup.lr, setup.steps, setup.batch, seeds);
    // How many seeds each block had the lowest held-out loss in.
    const auto wins = [&](const std::vector<std::vector<double>>& loss) {
      std::vector<int> count(3, 0);
      for (std::size_t s = 0; s < static_cast<std::size_t>(seeds); ++s) {
        std::size_t best = 0;
        for (std::size_t k = 1; k < 3; ++k)
          if (loss[k][s] < loss[best][s]) best = k;
        ++count[best];
      }
      return count;
    };
    const std::vector<int> wins_alone = wins(alone), wins_stream = wins(stream);
    show::Table result({"block", "alone", "lowest in", "in residual stream", "lowest in"});
    result.align(1, show::Align::right).align(3, show::Align::right);
    for (std::size_t k = 0; k < 3; ++k) {
      result.add_row({names[k], show::mean_pm_sd(alone[k], 3),
                      fmt::format("{} of {}", wins_alone[k], seeds), show::mean_pm_sd(stream[k], 3),
                      fmt::format("{} of {}", wins_stream[k], seeds)});
    }
    show::print(result.render(ctx.style));
    fmt::print(
        "Residual stream: prediction = (x + block(x))·W, as inside a Transformer.\n"
        "A linear map x·W alone, with no block, scores {}.\n",
        show::mean_pm_sd(linear, 3));
  });
}
