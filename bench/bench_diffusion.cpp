// bench_diffusion — one DDPM training step in tiny-diffusion's recipe (x and t each a 128-wide
// sinusoidal embedding, x scaled by 25, 384 -> 128 GELU -> 3 residual blocks of 128 -> 2,
// ε-prediction MSE, T = 50, batch 32, AdamW lr 1e-3, float32, 8 Gaussians) in aibasics and in
// PyTorch, one thread each, in the same run. The PyTorch side is
// ../shared/tools/peer-torch-generative ddpm (no gradient clipping, so ours clips none either),
// run with OpenBLAS's own kernel choice, the environment's OPENBLAS_CORETYPE (if set) and
// OPENBLAS_CORETYPE=SkylakeX; without it only our numbers are printed. Our step is also timed in
// its two parts (loss with its gradients, AdamW). Then sampling: DDPM (T steps) and DDIM (S
// steps) samples per second, for the 2-D model and for the glyph model (D = 256).
// Run: build/bin/bench_diffusion [steps] [--no-peer]   (the peer from $AIB_SHARED_DIR/tools, else
// ../shared/tools beside the source tree)
#include <sys/resource.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/memory.hpp"
#include "aib/core/timing.hpp"
#include "aib/generative/diffusion.hpp"
#include "aib/generative/toy2d.hpp"
#include "peer.hpp"

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 1000;
  const bool peer = !(argc > 2 && std::string(argv[2]) == "--no-peer");
  aib::keep_freed_memory();  // as a training program would (core/memory.hpp)
  const aib::Index B = 32, H = 128, I = 384;
  aib::Rng rng(0);
  const aib::Mat data = aib::ring8(8000, rng);  // (8000, 2)
  const aib::DiffusionSchedule sch = aib::linear_schedule(50);
  aib::EpsNet net(aib::EpsNetConfig{}, rng);
  aib::DiffusionTrainOptions opt;
  opt.batch = B;
  opt.clip = 0;  // as the peer
  aib::DiffusionTrainerT<float> trainer(net, sch, opt);

  float last = 0;
  for (int i = 1; i <= 50; ++i) last = trainer.step(data, rng, i);  // warm-up (the peer: 20)
  aib::Stopwatch watch;
  const double cpu0 = aib::bench::cpu_seconds(RUSAGE_SELF);
  for (int i = 1; i <= steps; ++i) last = trainer.step(data, rng, 50 + i);
  const double ours = watch.seconds() / steps * 1e3;
  const double ours_cpu = (aib::bench::cpu_seconds(RUSAGE_SELF) - cpu0) / steps * 1e3;

  // The same step in its parts: the loss with every gradient, then AdamW alone.
  aib::AdamW adam(aib::tensors_of(net.parameters()), 1e-3);
  aib::EpsNetCacheT<float> cache;
  const aib::Mat x0 = aib::random_rows(data, B, rng);                    // (B, 2)
  const aib::Mat eps = aib::detail::diffusion_normal<float>(B, 2, rng);  // (B, 2)
  std::vector<aib::Index> t;
  for (aib::Index b = 0; b < B; ++b) t.push_back(1 + rng.uniform_index(sch.T));
  const int parts = steps;
  aib::Stopwatch sw;
  for (int i = 0; i < parts; ++i) aib::diffusion_loss(net, sch, x0, t, eps, cache, true);
  const double t_loss = sw.seconds() / parts * 1e3;
  sw = aib::Stopwatch();
  for (int i = 0; i < parts; ++i) adam.step();
  const double t_adam = sw.seconds() / parts * 1e3;

  // FLOPs of the matmuls: forward 2·B·Σ(in·out); backward twice that, less the first layer's
  // input gradient (the embedding has no parameters).
  const double fwd = 2.0 * B * (I * H + 3 * H * H + H * 2);
  const double flops = 3 * fwd - 2.0 * B * I * H;
  fmt::print(
      "DDPM step, tiny-diffusion's network (384-128, 3 residual blocks, GELU), batch {}, AdamW, "
      "float32, one thread, {} steps (loss now {:.3f})\n",
      B, steps, last);
  fmt::print(
      "  aibasics  {:8.3f} ms/step wall, {:.3f} CPU, {:.2f} GFLOP/s  (loss and gradients {:.3f}, "
      "AdamW {:.3f} ms)\n",
      ours, ours_cpu, flops / (ours * 1e6), t_loss, t_adam);
  if (peer) {
    // The peer's CPU time per step: its children's CPU in a run of 2·steps minus that of a run of
    // `steps` (start-up and warm-up cancel), over `steps`.
    const auto ddpm = [&](const std::string& env, int n) {
      return aib::bench::run_peer(
          fmt::format("env {} {}/tools/peer-torch-generative ddpm --steps {}", env,
                      aib::bench::shared_dir(), n));
    };
    for (const auto& [label, env] : aib::bench::openblas_kernel_sets()) {
      const double c0 = aib::bench::cpu_seconds(RUSAGE_CHILDREN);
      const aib::bench::PeerRun short_run = ddpm(env, steps);
      const double c1 = aib::bench::cpu_seconds(RUSAGE_CHILDREN);
      const aib::bench::PeerRun run = ddpm(env, 2 * steps);
      const double c2 = aib::bench::cpu_seconds(RUSAGE_CHILDREN);
      if (run.ms_per_step <= 0 || short_run.ms_per_step <= 0) {
        fmt::print("  PyTorch ({}) not available (peer-torch-generative; set AIB_SHARED_DIR)\n",
                   label);
        continue;
      }
      const double theirs = run.ms_per_step, theirs_cpu = ((c2 - c1) - (c1 - c0)) / steps * 1e3;
      fmt::print(
          "  PyTorch   {:8.3f} ms/step wall, {:.3f} CPU  {}\n"
          "            ours takes {:.2f}x its wall time, {:.2f}x its CPU time\n            {}\n",
          theirs, theirs_cpu, label, ours / theirs, ours_cpu / theirs_cpu, run.output);
    }
  }

  // Sampling: n samples in one batch, DDPM's T evaluations against DDIM's S.
  const auto sampling = [&](const char* what, const aib::EpsNet& model,
                            const aib::DiffusionSchedule& s, aib::Index n) {
    for (const aib::Index S : {aib::Index(0), aib::Index(10)}) {
      aib::DiffusionSampleOptions so;
      so.steps = S;
      aib::Stopwatch w;
      const aib::DiffusionSamplesT<float> r = aib::diffusion_sample(model, s, n, rng, so);
      const double sec = w.seconds();
      fmt::print(
          "  {} T = {:>3}, {} ({:>3} evaluations), {} samples in one batch: {:8.0f} samples/s\n",
          what, s.T, S == 0 ? "DDPM" : "DDIM", r.evaluations, n, n / sec);
    }
  };
  fmt::print("sampling (DDIM: S = 10, eta = 0):\n");
  sampling("2-D   ", net, sch, 2000);
  const aib::EpsNet glyph(aib::glyph_eps_config(), rng);
  const aib::DiffusionSchedule gsch = aib::cosine_schedule(100);
  sampling("glyphs", glyph, gsch, 100);
}
