// bench_mlp — one training step of a 784-256-256-10 ReLU MLP (batch 64, cross-entropy, SGD
// lr 0.01, float32, one thread) in aibasics and in PyTorch, measured in the same run.
// The PyTorch side is bench/peer_torch_mlp.py, run with /usr/bin/python3 (Debian's
// python3-torch); without it only our numbers are printed.
// Run: build/bin/bench_mlp [steps]    (from the source tree, or set AIB_SOURCE_DIR)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/autograd/activations.hpp"
#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/memory.hpp"
#include "aib/core/timing.hpp"
#include "aib/nn/linear.hpp"

namespace {

// Mean milliseconds per step reported by the PyTorch peer, or a negative number if it failed.
double torch_ms(int steps) {
  const char* src = std::getenv("AIB_SOURCE_DIR");
  const std::string script = std::string(src ? src : AIB_SOURCE_DIR) + "/bench/peer_torch_mlp.py";
  const std::string cmd = fmt::format("/usr/bin/python3 {} --steps {} 2>/dev/null", script, steps);
  std::FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return -1;
  double ms = -1;
  if (std::fscanf(pipe, "%lf", &ms) != 1) ms = -1;
  return pclose(pipe) == 0 ? ms : -1;
}

}  // namespace

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 200;
  // Keep each step's freed activations in the process (core/memory.hpp), as bench_gpt and a
  // training program do: without it glibc returns and re-faults ~370 pages per step.
  aib::keep_freed_memory();
  aib::Rng rng(0);
  aib::Linear l1(784, 256, rng), l2(256, 256, rng), l3(256, 10, rng);
  std::vector<aib::Tensor> params = {l1.weight, l1.bias, l2.weight, l2.bias, l3.weight, l3.bias};
  aib::SGD opt(params, 0.01);
  const aib::Tensor x(rng.normal_mat(64, 784));  // (B, 784)
  std::vector<aib::Index> y(64);
  for (auto& t : y) t = rng.uniform_index(10);

  float last = 0;
  const auto step = [&] {
    opt.zero_grad();
    const aib::Tensor h1 = aib::relu(l1.forward(x));   // (B, 256)
    const aib::Tensor h2 = aib::relu(l2.forward(h1));  // (B, 256)
    const aib::Tensor loss = aib::cross_entropy(l3.forward(h2), y);
    loss.backward();
    opt.step();
    last = loss.item();
  };
  for (int i = 0; i < 20; ++i) step();  // warm-up, as the peer does
  aib::Stopwatch watch;
  for (int i = 0; i < steps; ++i) step();
  const double ours = watch.seconds() / steps * 1e3;

  // FLOPs of one step: forward 2·B·Σ(in·out), backward twice that (input and weight gradients).
  const double flops = 3.0 * 2 * 64 * (784.0 * 256 + 256.0 * 256 + 256.0 * 10);
  fmt::print("MLP 784-256-256-10, batch 64, SGD, one thread, {} steps (loss now {:.3f})\n", steps,
             last);
  fmt::print("  aibasics  {:8.3f} ms/step  {:6.2f} GFLOP/s\n", ours, flops / (ours * 1e6));
  const double theirs = torch_ms(steps);
  if (theirs > 0)
    fmt::print(
        "  PyTorch   {:8.3f} ms/step  {:6.2f} GFLOP/s\n  ratio (PyTorch time / ours) {:.2f}x\n",
        theirs, flops / (theirs * 1e6), theirs / ours);
  else
    fmt::print(
        "  PyTorch   not available (/usr/bin/python3 with torch; apt-get install python3-torch)\n");

  // The machine's matmul peak for reference: a (256, 784)·(784, 256) product in a loop.
  const aib::Mat a = rng.normal_mat(256, 784), b = rng.normal_mat(784, 256);
  aib::Mat c(256, 256);
  const double t = aib::best_time([&] { c.noalias() = a * b; }, 20);
  fmt::print("  Eigen matmul (256x784x256) here: {:.2f} GFLOP/s\n",
             2.0 * 256 * 784 * 256 / (t * 1e9));
}
