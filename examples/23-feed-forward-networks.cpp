// Episode 23 — Feed-forward networks: where each token is processed alone.
//
// Four checks, all computed here: (1) aib::Mlp (aib/nn/ffn.hpp) applied to shuffled tokens gives
// the same outputs, shuffled the same way: no token sees another; (2) three aib::Linear layers
// (aib/nn/linear.hpp) with nothing between them equal one matrix; (3) on a disc inside a ring,
// a linear classifier and that stack of linears stay near chance while a two-layer Mlp learns
// the task (aib/autograd/losses.hpp cross_entropy, aib/autograd/optim.hpp Adam); (4) the share
// of a Transformer block's parameters in its feed-forward part (aib/nn/param_count.hpp).
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <Eigen/LU>

#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/nn/ffn.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/param_count.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "toy_tasks.hpp"

namespace {

using aib::Index;
using aib::show::grouped;

// A classifier on 2-D points: a forward pass (N, 2) -> (N, 2) logits and its parameters (the
// layers' tensors are shared handles, so the copies captured in `forward` train with `params`).
struct Model {
  std::string name;
  std::function<aib::Tensor(const aib::Tensor&)> forward;
  aib::Parameters params;
};

// Share of points whose highest logit is their class.
double accuracy(const Model& model, const aib::toy::Points& data) {
  aib::NoGrad no_grad;
  const aib::Mat logits = model.forward(aib::Tensor(data.X)).value();  // (N, 2)
  Index correct = 0;
  for (Index i = 0; i < logits.rows(); ++i)
    correct += (logits(i, 1) > logits(i, 0) ? 1 : 0) == data.y[static_cast<std::size_t>(i)];
  return 100.0 * correct / logits.rows();
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int steps = 400;
  Index hidden = 16;
  ep.option("--steps", steps, "Adam steps for each classifier", 1, 20000);
  ep.option("--hidden", hidden, "Hidden width F of the classifiers' layers", 1, 1024);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;

    // ---- 1. Each token alone ------------------------------------------------------------------
    ctx.section("1. Each token goes through the same FFN, alone");
    const Index T = 6, D = 8, F = 4 * D;
    const aib::Mlp ffn(D, F, ctx.rng);            // (D, F), (F, D), GELU
    const aib::Mat X = ctx.rng.normal_mat(T, D);  // (T, D) six token vectors
    const std::vector<Index> perm = ctx.rng.permutation(T);
    aib::Mat Y, Y_perm, Y_changed;  // each (T, D)
    aib::Mat X_changed = X;         // (T, D) token 0 replaced
    X_changed.row(0) = ctx.rng.normal_mat(1, D);
    {
      aib::NoGrad no_grad;
      Y = ffn.forward(aib::Tensor(X)).value();
      Y_perm = ffn.forward(aib::Tensor(aib::Mat(X(perm, Eigen::all)))).value();  // rows P·X
      Y_changed = ffn.forward(aib::Tensor(X_changed)).value();
    }
    const double perm_diff = (Y_perm - Y(perm, Eigen::all)).cwiseAbs().maxCoeff();
    Index rows_moved = 0;
    for (Index t = 0; t < T; ++t) rows_moved += (Y_changed.row(t) != Y.row(t)) ? 1 : 0;
    std::vector<std::string> order;
    for (const Index p : perm) order.push_back(std::to_string(p));
    fmt::print("An MLP block, D = {}, F = {} ({} parameters), on T = {} random tokens.\n", D, F,
               grouped(aib::count_parameters(ffn.parameters())), T);
    fmt::print("Shuffle the tokens into the order {}:\n", fmt::join(order, " "));
    fmt::print("  max |FFN(P·X) - P·FFN(X)| = {:.6f}  (same outputs, same shuffle)\n", perm_diff);
    fmt::print("Replace token 0 with a new vector:\n");
    fmt::print("  output rows that change: {} of {}  (the others never saw it)\n", rows_moved, T);

    // ---- 2. Linear layers without an activation collapse --------------------------------------
    ctx.section("2. Three linear layers with nothing between them");
    const aib::Linear l1(D, F, ctx.rng), l2(F, F, ctx.rng), l3(F, D, ctx.rng);
    aib::Mat stacked;  // (T, D)
    {
      aib::NoGrad no_grad;
      stacked = l3.forward(l2.forward(l1.forward(aib::Tensor(X)))).value();
    }
    const aib::Mat& W1 = l1.weight.value();  // (D, F)
    const aib::Mat& W2 = l2.weight.value();  // (F, F)
    const aib::Mat& W3 = l3.weight.value();  // (F, D)
    const aib::Mat W = W1 * W2 * W3;         // (D, D)
    const aib::Mat b =                       // (1, D)  b1·W2·W3 + b2·W3 + b3
        l1.bias.value() * W2 * W3 + l2.bias.value() * W3 + l3.bias.value();
    const aib::Mat single = (X * W).rowwise() + b.row(0);  // (T, D)
    const double collapse_diff = (stacked - single).cwiseAbs().maxCoeff();
    Index stack_params = 0;
    for (const auto* l : {&l1, &l2, &l3}) stack_params += aib::count_parameters(l->parameters());
    const Index rank = Eigen::FullPivLU<aib::Mat>(W).rank();
    fmt::print("Linear {} -> {} -> {} -> {}: {} parameters.\n", D, F, F, D, grouped(stack_params));
    fmt::print("One matrix W = W1·W2·W3 ({}x{}, rank {}) and one bias: {} parameters.\n", W.rows(),
               W.cols(), rank, grouped(W.size() + b.size()));
    fmt::print("  max |stack(X) - (X·W + b)| = {:.6f}  (float rounding)\n", collapse_diff);
    fmt::print("Depth bought nothing: only a nonlinearity between layers does.\n");

    // ---- 3. A task a straight line cannot solve -----------------------------------------------
    ctx.section("3. A disc inside a ring: linear vs feed-forward");
    const Index n_train = 400, n_test = 400;
    const aib::toy::Points train = aib::toy::disc_and_ring(n_train, ctx.rng);
    const aib::toy::Points test = aib::toy::disc_and_ring(n_test, ctx.rng);
    std::vector<double> px, py;
    std::vector<int> group;
    for (Index i = 0; i < n_train; ++i) {
      px.push_back(train.X(i, 0));
      py.push_back(train.X(i, 1));
      group.push_back(static_cast<int>(train.y[static_cast<std::size_t>(i)]));
    }
    fmt::print("{} training points (o inner disc, x outer ring), {} more held out:\n", n_train,
               n_test);
    show::print(show::scatter(px, py, group, ctx.style, 44, 15));

    const aib::Linear lin(2, 2, ctx.rng);                                   // (2, 2)
    const aib::Linear d1(2, hidden, ctx.rng), d2(hidden, hidden, ctx.rng),  // (2, F), (F, F)
        d3(hidden, 2, ctx.rng);                                             // (F, 2)
    const aib::Mlp mlp(2, hidden, ctx.rng);                                 // (2, F), (F, 2)
    aib::Parameters deep = d1.parameters("linear1");
    aib::append(deep, d2.parameters("linear2"));
    aib::append(deep, d3.parameters("linear3"));
    std::vector<Model> models = {
        {"linear (2 -> 2)", [lin](const aib::Tensor& x) { return lin.forward(x); },
         lin.parameters("linear")},
        {fmt::format("linear 2 -> {0} -> {0} -> 2", hidden),
         [d1, d2, d3](const aib::Tensor& x) { return d3.forward(d2.forward(d1.forward(x))); },
         deep},
        {fmt::format("FFN 2 -> {} -> 2, GELU", hidden),
         [mlp](const aib::Tensor& x) { return mlp.forward(x); }, mlp.parameters("ffn")}};

    show::Table results({"model", "params", "loss", "train acc", "held-out acc"});
    for (std::size_t col = 1; col < 5; ++col) results.align(col, show::Align::right);
    const aib::Tensor inputs(train.X);  // (N, 2)
    for (auto& model : models) {
      aib::Adam opt(aib::tensors_of(model.params), 0.02);
      float last = 0;
      for (int s = 0; s < steps; ++s) {
        opt.zero_grad();
        const aib::Tensor loss = aib::cross_entropy(model.forward(inputs), train.y);  // (1, 1)
        aib::check_finite_loss(model.name, loss.item(), s + 1);
        loss.backward();
        opt.step();
        last = loss.item();
      }
      results.add_row({model.name, grouped(aib::count_parameters(model.params)),
                       fmt::format("{:.3f}", last), fmt::format("{:.1f}%", accuracy(model, train)),
                       fmt::format("{:.1f}%", accuracy(model, test))});
    }
    fmt::print("\nEach trained {} Adam steps on cross-entropy (chance: 50%):\n\n", steps);
    show::print(results.render(ctx.style));

    // The FFN's decision regions: p(ring) on a grid over [-1.1, 1.1]².
    const Index rows = 17, cols = 17;
    const double half = 1.1;
    aib::Mat grid(rows * cols, 2);  // (rows·cols, 2)
    for (Index r = 0; r < rows; ++r)
      for (Index c = 0; c < cols; ++c) {
        grid(r * cols + c, 0) = static_cast<float>(-half + 2 * half * c / (cols - 1));
        grid(r * cols + c, 1) = static_cast<float>(half - 2 * half * r / (rows - 1));
      }
    aib::Mat logits;  // (rows·cols, 2)
    {
      aib::NoGrad no_grad;
      logits = models[2].forward(aib::Tensor(grid)).value();
    }
    aib::Mat p_ring(rows, cols);  // (rows, cols)
    for (Index i = 0; i < rows * cols; ++i)
      p_ring(i / cols, i % cols) = 1.f / (1.f + std::exp(logits(i, 0) - logits(i, 1)));
    fmt::print("\nThe FFN's probability of \"ring\" on a {}x{} grid over [-{:.1f}, {:.1f}]²:\n",
               rows, cols, half, half);
    show::print(show::heatmap(p_ring, std::vector<std::string>(rows, ""),
                              std::vector<std::string>(cols, " "), ctx.style, 0.0, 1.0));

    // ---- 4. Where a block's parameters live ---------------------------------------------------
    ctx.section("4. Inside one Transformer block");
    show::Table block({"model", "attention", "feed-forward", "norms", "F / D", "FFN share"});
    for (std::size_t col = 1; col < 6; ++col) block.align(col, show::Align::right);
    for (const auto& config : {aib::gpt2_small(), aib::llama_7b()}) {
      std::vector<aib::ParamShape> first_block;
      for (const auto& s : aib::parameter_shapes(config))
        if (s.name.rfind("h.0.", 0) == 0) first_block.push_back(s);
      std::map<std::string, Index> parts = aib::count_by_component(first_block);
      const Index total = aib::count_parameters(first_block);
      block.add_row({config.name, grouped(parts["attention"]), grouped(parts["feed-forward"]),
                     grouped(parts["norms"]),
                     fmt::format("{:.2f}", double(config.ffn_hidden) / config.d_model),
                     fmt::format("{:.1f}%", 100.0 * parts["feed-forward"] / total)});
    }
    show::print(block.render(ctx.style));
  });
}
