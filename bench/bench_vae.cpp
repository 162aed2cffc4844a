// bench_vae — one training step of pytorch/examples' VAE (784 -> 400 -> 2·20 (μ, log σ²) -> 400
// -> 784, ReLU, Bernoulli decoder: BCE summed + KL summed, averaged over the batch of 128, Adam
// lr 1e-3, float32, random binary images with 20 % ink) in aibasics and in PyTorch, one thread
// each, in the same run. The PyTorch side is ../shared/tools/peer-torch-generative vae, run with
// OpenBLAS's own kernel choice, with OPENBLAS_CORETYPE as the environment sets it (if it does) and
// with OPENBLAS_CORETYPE=SkylakeX; without it only our numbers are printed. Our step is also timed
// in its three parts (forward, backward, Adam). Run: build/bin/bench_vae [steps] [--no-peer]   (the
// peer from $AIB_SHARED_DIR/tools, else
// ../shared/tools beside the source tree)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/memory.hpp"
#include "aib/core/timing.hpp"
#include "aib/generative/vae.hpp"
#include "peer.hpp"

namespace {}  // namespace

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 300;
  const bool peer = !(argc > 2 && std::string(argv[2]) == "--no-peer");
  aib::keep_freed_memory();  // as a training program would (core/memory.hpp)
  const aib::Index B = 128, D = 784, H = 400, Z = 20;
  aib::Rng rng(0);
  aib::Vae vae(D, {H}, Z, rng);
  aib::Adam adam(aib::tensors_of(vae.parameters()), 1e-3);
  aib::Mat data(4096, D);  // (4096, 784) binary images, 20 % ink, as the peer's
  for (aib::Index i = 0; i < data.size(); ++i) data.data()[i] = rng.uniform() < 0.2f ? 1.f : 0.f;

  double t_forward = 0, t_backward = 0, t_adam = 0;
  float last = 0;
  const auto step = [&] {
    aib::Stopwatch sw;
    const aib::Mat x = aib::random_rows(data, B, rng);  // (B, 784)
    const aib::VaeLoss terms = vae.loss(x, rng);        // fresh ε (B, 20)
    const double t1 = sw.seconds();
    adam.zero_grad();
    terms.loss.backward();
    const double t2 = sw.seconds();
    adam.step();
    const double t3 = sw.seconds();
    t_forward += t1, t_backward += t2 - t1, t_adam += t3 - t2;
    last = terms.loss.item();
  };
  for (int i = 0; i < 20; ++i) step();  // warm-up, as the peer does
  t_forward = t_backward = t_adam = 0;
  aib::Stopwatch watch;
  for (int i = 0; i < steps; ++i) step();
  const double ours = watch.seconds() / steps * 1e3;

  // FLOPs of the matmuls: forward 2·B·Σ(in·out); backward twice that, except the first layer's
  // input gradient (the data needs none).
  const double fwd = 2.0 * B * (D * H + H * 2 * Z + Z * H + H * D);
  const double flops = 3 * fwd - 2.0 * B * D * H;
  fmt::print(
      "VAE 784-400-20 (pytorch/examples), batch {}, Adam, float32, one thread, {} steps (loss "
      "now {:.2f})\n",
      B, steps, last);
  fmt::print(
      "  aibasics  {:8.3f} ms/step  {:6.2f} GFLOP/s   (forward {:.3f}, backward {:.3f}, "
      "Adam {:.3f} ms)\n",
      ours, flops / (ours * 1e6), t_forward / steps * 1e3, t_backward / steps * 1e3,
      t_adam / steps * 1e3);
  if (!peer) return 0;
  // PyTorch's OpenBLAS kernels: its own choice for this CPU, the environment's setting if it has
  // one, and the AVX-512 kernels (as bench/run-all runs the other peers).
  for (const auto& [label, env] : aib::bench::openblas_kernel_sets()) {
    const aib::bench::PeerRun run =
        aib::bench::run_peer(fmt::format("env {} {}/tools/peer-torch-generative vae --steps {}",
                                         env, aib::bench::shared_dir(), steps));
    if (!run.output.empty()) fmt::print("  peer: {}\n", run.output);
    const double theirs = run.ms_per_step;
    if (theirs > 0)
      fmt::print("  PyTorch, {}: {:.3f} ms/step, {:.2f} GFLOP/s; ours takes {:.2f}x its time\n",
                 label, theirs, flops / (theirs * 1e6), ours / theirs);
    else
      fmt::print("  PyTorch ({}) not available (../shared/tools/peer-torch-generative)\n", label);
  }
}
