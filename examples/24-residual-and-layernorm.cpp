// Episode 24 — Residual connections & layer norm: keeping deep networks trainable.
// Long because the four wirings of one stack are the episode, and they stay side by side here.
//
// Four stacks of the same 64 small blocks f(x) = Linear(GELU(Linear(x))), built from the same
// seed: plain x = f(x), norm only x = LN(f(x)), residual only x = x + f(x), and the pre-norm
// residual of GPT-2 and LLaMA, x = x + f(LN(x)), with a last LN before the head. For each, one
// forward and backward pass at initialization measures the size of the signal and of the
// gradient reaching every block, then Adam trains it on the same regression task. The work is
// done by aib::Linear (aib/nn/linear.hpp, PyTorch's default init), aib::LayerNorm
// (aib/nn/norm.hpp), gelu and mse_loss (aib/autograd/), xavier_normal for the teacher
// (aib/autograd/init.hpp) and aib::Adam (aib/autograd/optim.hpp).
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/autograd/activations.hpp"
#include "aib/autograd/init.hpp"
#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/norm.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "lab.hpp"

namespace {

using aib::Index;
using aib::Mat;
using aib::Tensor;

enum class Kind { plain, norm_only, residual_only, pre_norm };
struct Wiring {
  Kind kind;
  const char* name;
  const char* rule;  // what one block does to the stream x (B, D)
};
constexpr Wiring wirings[] = {
    {Kind::plain, "plain", "x ← f(x)"},
    {Kind::norm_only, "norm only", "x ← LN(f(x))"},
    {Kind::residual_only, "residual only", "x ← x + f(x)"},
    {Kind::pre_norm, "pre-norm residual",
     "x ← x + f(LN(x)), and an LN before the head (GPT-2, LLaMA)"},
};

// One block: f(x) = GELU(x·W1 + b1)·W2 + b2, and the LayerNorm that some stacks put around it.
struct Block {
  aib::Linear up, down;  // (D, D), (D, D)
  aib::LayerNorm norm;   // γ, β (1, D)
  Block(Index D, aib::Rng& rng) : up(D, D, rng), down(D, D, rng), norm(D) {}
  Tensor f(const Tensor& x) const { return down.forward(aib::gelu(up.forward(x))); }  // (B, D)
};

// L blocks wired one of four ways, then a linear head to the outputs.
struct Stack {
  Kind kind;
  std::vector<Block> blocks;
  aib::LayerNorm final_norm;  // (1, D), pre-norm only (GPT-2's ln_f)
  aib::Linear head;           // (D, K)
  Stack(Kind k, Index L, Index D, Index K, aib::Rng& rng)
      : kind(k), final_norm(D), head(D, K, rng) {
    for (Index l = 0; l < L; ++l) blocks.emplace_back(D, rng);
  }
  // (B, D) -> (B, K); `stream`, if given, receives x after every block, each (B, D).
  Tensor forward(Tensor x, std::vector<Mat>* stream = nullptr) const {
    for (const Block& b : blocks) {
      switch (kind) {
        case Kind::plain:
          x = b.f(x);
          break;
        case Kind::norm_only:
          x = b.norm.forward(b.f(x));
          break;
        case Kind::residual_only:
          x = x + b.f(x);
          break;
        case Kind::pre_norm:
          x = x + b.f(b.norm.forward(x));
          break;
      }
      if (stream) stream->push_back(x.value());
    }
    if (kind == Kind::pre_norm) x = final_norm.forward(x);
    return head.forward(x);
  }
  aib::Parameters parameters() const {
    const bool norms = kind == Kind::norm_only || kind == Kind::pre_norm;
    aib::Parameters p;
    for (std::size_t l = 0; l < blocks.size(); ++l) {
      const std::string at = fmt::format("blocks.{}", l);
      aib::append(p, blocks[l].up.parameters(at + ".up"));
      aib::append(p, blocks[l].down.parameters(at + ".down"));
      if (norms) aib::append(p, blocks[l].norm.parameters(at + ".norm"));
    }
    if (kind == Kind::pre_norm) aib::append(p, final_norm.parameters("final_norm"));
    aib::append(p, head.parameters("head"));
    return p;
  }
};

double rms(const Mat& m) {
  return std::sqrt(m.cast<double>().squaredNorm() / m.size());
}

// How different the samples still are: RMS of x minus its mean sample, over RMS of x.
// 1 when the rows have nothing in common, 0 when every input ends up at the same point.
double spread(const Mat& x) {  // x (B, D)
  const aib::RowVecD mean = x.cast<double>().colwise().mean();
  const double total = rms(x);
  return total > 0 ? std::sqrt((x.cast<double>().rowwise() - mean).squaredNorm() / x.size()) / total
                   : 0.0;
}

// The marks that are at least `lowest`, each larger than the one before (no repeats).
std::vector<Index> rising(std::initializer_list<Index> marks, Index lowest) {
  std::vector<Index> out;
  for (const Index m : marks)
    if (m >= lowest && (out.empty() || m > out.back())) out.push_back(m);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  Index layers = 64, width = 32, samples = 32, outputs = 8, steps = 100;
  double lr = 1e-3;
  ep.option("--layers", layers, "Blocks in each stack", 2, 256);
  ep.option("--width", width, "Width D of the stream and of each block", 4, 128);
  ep.option("--samples", samples, "Inputs in the (full) training batch", 2, 1024);
  ep.option("--steps", steps, "Adam steps for each stack", 1, 5000);
  ep.option("--lr", lr, "Adam's learning rate", 1e-6, 1.0);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    aib::episode::flush_subnormals_to_zero();  // the plain stack's gradients underflow
    const Index D = width, B = samples, K = outputs;

    // The task: B random inputs and the outputs of a fixed random teacher, y = tanh(x·A)·C.
    Mat X(B, D);  // (B, D)
    for (Index i = 0; i < X.size(); ++i) X.data()[i] = ctx.rng.normal();
    const Mat A = aib::xavier_normal(D, D, ctx.rng, aib::init_gain("tanh"));  // (D, D)
    const Mat C = aib::xavier_normal(D, K, ctx.rng);                          // (D, K)
    const Mat Y = (X * A).array().tanh().matrix() * C;                        // (B, K)
    const Tensor x(X), y(Y);
    // The loss of the best constant guess (each output's mean): what "learned nothing" scores.
    const aib::RowVecD y_mean = Y.cast<double>().colwise().mean();
    const double baseline = (Y.cast<double>().rowwise() - y_mean).squaredNorm() / Y.size();

    ctx.section(
        fmt::format("Four stacks of {} blocks f(x) = Linear(GELU(Linear(x))), D = {}", layers, D));
    for (const Wiring& w : wirings) fmt::print("{:<19}{}\n", w.name, w.rule);
    fmt::print("Same starting weights (PyTorch's default init), same {} inputs.\n", B);

    // ---- At initialization: one forward and one backward pass through each stack ----------------
    const aib::Rng init = ctx.rng;  // every stack starts from the same draws
    std::vector<Stack> stacks;
    const std::vector<Index> depths =  // 1, 8, 16, 32, 48, 64 for L = 64
        rising({1, layers / 8, layers / 4, layers / 2, 3 * layers / 4, layers}, 1);
    std::vector<std::string> header = {"after block"};
    for (const Index d : depths) header.push_back(std::to_string(d));
    show::Table signal(header), distinct(header);
    header[0] = "block";
    show::Table grads(header);
    for (const Wiring& w : wirings) {
      aib::Rng rng = init;
      stacks.emplace_back(w.kind, layers, D, K, rng);
      std::vector<Mat> stream;  // L x (B, D): x after each block
      aib::mse_loss(stacks.back().forward(x, &stream), y).backward();
      std::vector<std::string> signal_row = {w.name}, distinct_row = {w.name}, grad_row = {w.name};
      for (const Index d : depths) {
        const auto l = static_cast<std::size_t>(d - 1);
        signal_row.push_back(show::fixed(rms(stream[l]), 2));
        distinct_row.push_back(show::fixed(spread(stream[l]), 2));
        // ‖∂L/∂W1‖ of block d: the push its first weight gets from the loss
        grad_row.push_back(
            fmt::format("{:.1e}", stacks.back().blocks[l].up.weight.grad().cast<double>().norm()));
      }
      signal.add_row(signal_row);
      distinct.add_row(distinct_row);
      grads.add_row(grad_row);
    }
    for (show::Table* table : {&signal, &distinct, &grads}) table->align(0, show::Align::left);

    ctx.section("The signal on its way up: RMS of x after each block");
    show::print(signal.render(ctx.style));

    ctx.section("What is left of the input");
    fmt::print(
        "Spread of the inputs around their mean, over their size: near 1 while they\n"
        "differ, 0 once every input lands on the same point.\n\n");
    show::print(distinct.render(ctx.style));

    ctx.section("The gradient on its way down: ‖∂L/∂W1‖ of each block");
    show::print(grads.render(ctx.style));

    // ---- Training: the same task, the same optimizer, for every stack ---------------------------
    ctx.section("Training each stack with Adam (mean squared error)");
    fmt::print("Teacher: y = tanh(x·A)·C, {} outputs. Predicting the mean scores {:.4f}.\n\n", K,
               baseline);
    const std::vector<Index> marks = rising({0, steps / 10, steps / 4, steps / 2, steps}, 0);
    header = {"after step"};
    for (const Index s : marks) header.push_back(std::to_string(s));
    show::Table losses(header);
    losses.align(0, show::Align::left);
    bool diverged = false;
    for (std::size_t k = 0; k < stacks.size(); ++k) {
      const aib::Parameters params = stacks[k].parameters();
      aib::Adam opt(aib::tensors_of(params), lr);
      std::vector<std::string> row = {wirings[k].name};
      for (Index t = 0; t <= steps; ++t) {
        opt.zero_grad();
        const Tensor loss = aib::mse_loss(stacks[k].forward(x), y);
        if (!std::isfinite(loss.item())) {  // diverged: no table of nan, say where it stopped
          row.push_back(fmt::format("diverged at step {}", t));
          diverged = true;
          break;
        }
        if (std::binary_search(marks.begin(), marks.end(), t))
          row.push_back(show::fixed(loss.item(), 4));
        if (t == steps) break;
        loss.backward();
        opt.step();
      }
      row.resize(header.size());
      losses.add_row(row);
    }
    show::print(losses.render(ctx.style));
    if (diverged)
      fmt::print("A nan or infinite loss stopped that stack's training: try a smaller --lr.\n");
  });
}
