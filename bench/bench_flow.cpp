// bench_flow — one training step of the 2-D RealNVP recipe (8 affine couplings, each conditioner
// 1 -> 256 -> 256 -> 2 ReLU, tanh-bounded log-scale, batch 512 of the 8-Gaussian ring, NLL, Adam
// lr 1e-3, float32, one thread) in aibasics and in PyTorch, measured in the same run.
// The PyTorch side is shared/tools/peer-torch-generative realnvp (the course's script: found in
// $AIB_SHARED_DIR/tools, else ../shared/tools beside the source tree), run once per OpenBLAS
// kernel set, as bench/run-all does: OpenBLAS's own choice (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
// unset), the environment's OPENBLAS_CORETYPE if it sets one, and OPENBLAS_CORETYPE=SkylakeX
// (AVX-512, OPENBLAS_L2_SIZE unset). Our step is also split into forward,
// backward and optimizer time, beside the time of its matrix products alone.
// Run: build/bin/bench_flow [steps] [--no-peer]    (steps default 100)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <sys/resource.h>

#include "aib/core/memory.hpp"
#include "aib/core/timing.hpp"
#include "aib/generative/flow.hpp"
#include "aib/generative/toy2d.hpp"
#include "peer.hpp"

namespace {

std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "?";
  char buf[64] = {0};
  const bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
  std::fclose(f);
  std::string s = ok ? std::string(buf) : "?";
  return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 100;
  bool peer = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-peer") == 0)
      peer = false;
    else
      steps = std::atoi(argv[i]);
  }
  if (steps < 1) {
    fmt::print(stderr, "bench_flow: steps must be >= 1\n");
    return 2;
  }
  aib::keep_freed_memory();  // as a training program does (core/memory.hpp)
  aib::Rng rng(0);
  aib::RealNVP flow(aib::RealNVPOptions{}, rng);  // 8 couplings of 1 -> 256 -> 256 -> 2
  aib::Adam adam(aib::tensors_of(flow.parameters()), 1e-3);
  const aib::Index batch = 512;

  double t_fwd = 0, t_bwd = 0, t_opt = 0, last = 0;
  const auto step = [&] {
    const aib::Tensor x(aib::ring8(batch, rng));  // (512, 2), fresh points each step as the peer
    aib::Stopwatch w;
    const aib::Tensor loss = flow.nll(x);  // (1, 1)
    aib::check_finite_loss("bench_flow", loss.item(), 0);
    const double a = w.seconds();
    adam.zero_grad();
    loss.backward();
    const double b = w.seconds();
    adam.step();
    const double c = w.seconds();
    t_fwd += a, t_bwd += b - a, t_opt += c - b;
    last = loss.item();
  };
  for (int i = 0; i < 20; ++i) step();  // warm-up, as the peer does
  t_fwd = t_bwd = t_opt = 0;
  aib::Stopwatch watch;
  const double cpu0 = aib::bench::cpu_seconds(RUSAGE_SELF);
  for (int i = 0; i < steps; ++i) step();
  const double ours = watch.seconds() / steps * 1e3;
  const double ours_cpu = (aib::bench::cpu_seconds(RUSAGE_SELF) - cpu0) / steps * 1e3;

  // The matrix products alone: per coupling, forward (512,1)(1,256), (512,256)(256,256),
  // (512,256)(256,2); backward the input and weight gradient of each.
  const aib::Mat h = rng.normal_mat(batch, 256), w = rng.normal_mat(256, 256);
  aib::Mat out(batch, 256), gw(256, 256);
  const double t_mm = aib::best_time(
      [&] {
        out.noalias() = h * w;                // forward (512, 256)·(256, 256)
        gw.noalias() = h.transpose() * out;   // ∂W = Hᵀ·G
        out.noalias() = out * w.transpose();  // ∂H = G·Wᵀ
      },
      20);
  const double flops = 3.0 * 2 * batch * 256.0 * 256;
  fmt::print(
      "RealNVP 2-D, 8 couplings of 1->256->256->2, batch 512, Adam, one thread, {} steps "
      "(NLL now {:.4f})\n",
      steps, last);
  fmt::print(
      "  aibasics  {:8.3f} ms/step wall, {:8.3f} CPU  (wall: forward {:.3f}, backward {:.3f}, "
      "Adam {:.3f})\n",
      ours, ours_cpu, t_fwd / steps * 1e3, t_bwd / steps * 1e3, t_opt / steps * 1e3);
  fmt::print(
      "  of which the eight 256x256 products, fwd+bwd, at best: {:.3f} ms ({:.1f} GFLOP/s)\n",
      8 * t_mm * 1e3, flops / (t_mm * 1e9));
  if (!peer) return 0;
  // The peer's CPU time per step: the CPU its children used in a run of 2·steps minus that of a
  // run of `steps` (start-up and warm-up cancel), over `steps`. On a busy machine wall-clock time
  // counts the time other processes held the core; CPU time does not.
  fmt::print(
      "  (CPU time: a busy machine inflates wall-clock times; the PyTorch CPU time is the\n"
      "   difference between a run of {} and of {} steps. load average now {})\n",
      2 * steps, steps, load_average());
  const auto realnvp = [](const std::string& env, int n) {
    return aib::bench::run_peer(
        fmt::format("env {} {}/tools/peer-torch-generative realnvp --steps {}", env,
                    aib::bench::shared_dir(), n));
  };
  for (const auto& [label, env] : aib::bench::openblas_kernel_sets()) {
    const double c0 = aib::bench::cpu_seconds(RUSAGE_CHILDREN);
    const aib::bench::PeerRun short_run = realnvp(env, steps);
    const double c1 = aib::bench::cpu_seconds(RUSAGE_CHILDREN);
    const aib::bench::PeerRun run = realnvp(env, 2 * steps);
    const double c2 = aib::bench::cpu_seconds(RUSAGE_CHILDREN);
    const double theirs = run.ms_per_step;
    const std::string& line = run.output;
    if (theirs <= 0 || short_run.ms_per_step <= 0) {
      fmt::print("  PyTorch ({}): not available (peer-torch-generative; set AIB_SHARED_DIR)\n",
                 label);
      continue;
    }
    const double theirs_cpu = ((c2 - c1) - (c1 - c0)) / steps * 1e3;
    fmt::print(
        "  PyTorch   {:8.3f} ms/step wall, {:8.3f} CPU  {}\n"
        "            ours takes {:.2f}x its wall time, {:.2f}x its CPU time\n            {}\n",
        theirs, theirs_cpu, label, ours / theirs, ours_cpu / theirs_cpu, line);
  }
}
