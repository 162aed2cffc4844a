// bench_gpt — a training step of nanoGPT's CPU shape (4 layers, 4 heads, width 128, context 64,
// batch 12, vocabulary 65, GELU MLP, AdamW) in aibasics and in PyTorch, one thread each, same run.
// The PyTorch side is ../shared/tools/peer-torch-gpt (Debian's python3-torch); without it only
// our numbers are printed. FLOPs are counted from the shapes (matmuls only, forward + backward =
// 3 × forward) and set against this machine's measured float matmul rate.
// Run: build/bin/bench_gpt [steps] [--no-peer]
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/autograd/optim.hpp"
#include "aib/core/memory.hpp"
#include "aib/core/timing.hpp"
#include "aib/nn/gpt.hpp"
#include "peer.hpp"

namespace {

// Best GFLOP/s of Eigen's float matmul at a size where it peaks.
double matmul_peak() {
  aib::Rng rng(1);
  const aib::Mat a = rng.normal_mat(512, 512), b = rng.normal_mat(512, 512);
  aib::Mat c(512, 512);
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    aib::Stopwatch sw;
    c.noalias() = a * b;
    best = std::min(best, sw.seconds());
  }
  return 2.0 * 512 * 512 * 512 / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 50;
  const bool peer = !(argc > 2 && std::string(argv[2]) == "--no-peer");
  // Keep each step's freed activations in the process (core/memory.hpp): as a training program
  // would.
  const bool kept = aib::keep_freed_memory();
  const aib::TransformerConfig c = aib::nanogpt_cpu();
  const aib::Index B = 12, T = c.context, D = c.d_model, L = c.n_layers, V = c.vocab_size;
  aib::Rng rng(0);
  aib::Gpt model(c, rng);
  aib::AdamW opt(aib::tensors_of(model.parameters()), 1e-3);
  std::vector<aib::Index> data(200000);
  for (auto& d : data) d = static_cast<aib::Index>(rng.uniform_int(static_cast<std::uint32_t>(V)));
  const auto step = [&] {
    std::vector<aib::Index> x, y;
    for (aib::Index b = 0; b < B; ++b) {
      const aib::Index s =
          static_cast<aib::Index>(rng.uniform_int(static_cast<std::uint32_t>(data.size() - T - 1)));
      for (aib::Index t = 0; t < T; ++t) {
        x.push_back(data[static_cast<std::size_t>(s + t)]);
        y.push_back(data[static_cast<std::size_t>(s + t + 1)]);
      }
    }
    opt.zero_grad();
    const aib::Tensor loss = model.loss(x, y, B);
    loss.backward();
    opt.step();
    return loss.item();
  };
  for (int i = 0; i < 10; ++i) step();
  aib::Stopwatch sw;
  float loss = 0;
  for (int i = 0; i < steps; ++i) loss = step();
  const double ms = sw.seconds() * 1e3 / steps;
  // Forward matmul FLOPs per token: qkv 6D², proj 2D², MLP 16D² per layer, head 2DV, attention
  // 2·T·D (QKᵀ) + 2·T·D (PV) per layer at full T (the causal half is computed too).
  const double fwd = static_cast<double>(B * T) *
                     (static_cast<double>(L) * (24.0 * D * D + 4.0 * T * D) + 2.0 * D * V);
  const double gflops = 3 * fwd / (ms / 1e3) / 1e9;
  const double peak = matmul_peak();
  fmt::print(
      "nanoGPT CPU shape: {} parameters, batch {} x {} tokens, one thread; malloc keeps freed "
      "memory: {}\n",
      aib::count_parameters(model.parameters()), B, T, kept ? "yes" : "no");
  fmt::print(
      "aibasics  {:7.2f} ms/step  loss {:.4f}  {:.1f} GFLOP/s ({:.0f}% of this machine's matmul "
      "peak, "
      "{:.1f} GFLOP/s)\n",
      ms, loss, gflops, 100 * gflops / peak, peak);
  if (!peer) return 0;
  const aib::bench::PeerRun run = aib::bench::run_peer(
      fmt::format("{}/tools/peer-torch-gpt --steps {}", aib::bench::shared_dir(), steps));
  if (!run.output.empty()) fmt::print("  peer: {}\n", run.output);
  const double t = run.ms_per_step;
  if (t > 0)
    fmt::print("PyTorch   {:7.2f} ms/step  -> ours takes {:.2f}x its time\n", t, ms / t);
  else
    fmt::print("PyTorch   (not available: ../shared/tools/peer-torch-gpt)\n");
}
