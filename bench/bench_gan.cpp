// bench_gan — one training step of a GAN at the WGAN-GP toy's width (caogang/wgan-gp, gan_toy.py:
// G 2 -> 512 -> 512 -> 512 -> 2 and D 2 -> 512 -> 512 -> 512 -> 1, ReLU, 2-D noise) on the
// 8-Gaussian ring, batch 256, non-saturating loss from logits, Adam lr 1e-4 betas (0.5, 0.9),
// float32: one D update then one G update, in aibasics and in PyTorch, one thread each, in the
// same run. The PyTorch side is ../shared/tools/peer-torch-generative gan, run with OpenBLAS's own
// kernel choice, with OPENBLAS_CORETYPE as the environment sets it (if it does) and with
// OPENBLAS_CORETYPE=SkylakeX; without it only our numbers are printed. Our step is also timed in
// its parts (G forward, D forward + backward, D's Adam, G's pass through D + backward, G's Adam).
// Wall-clock and CPU time per step, ours and PyTorch's (a busy machine inflates the first).
// Run: build/bin/bench_gan [steps] [--no-peer]   (the peer from $AIB_SHARED_DIR/tools, else
// ../shared/tools beside the source tree)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <sys/resource.h>

#include <fmt/core.h>

#include "aib/core/memory.hpp"
#include "aib/core/timing.hpp"
#include "aib/generative/gan.hpp"
#include "aib/generative/toy2d.hpp"
#include "peer.hpp"

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 300;
  const bool peer = !(argc > 2 && std::string(argv[2]) == "--no-peer");
  aib::keep_freed_memory();  // as a training program would (core/memory.hpp)
  const aib::Index B = 256, H = 512;
  aib::Rng rng(0);
  aib::Gan gan(aib::GanConfig::wgan_gp_toy(), rng);
  const aib::Mat data = aib::ring8(8192, rng);  // (8192, 2)
  const std::vector<aib::Tensor> d_params = aib::tensors_of(gan.discriminator_parameters());
  aib::Adam adam_d(d_params, 1e-4, 0.5, 0.9);
  aib::Adam adam_g(aib::tensors_of(gan.generator_parameters()), 1e-4, 0.5, 0.9);

  // The same step as train_gan's, with a stopwatch between its parts.
  double t_gen = 0, t_d = 0, t_adam_d = 0, t_g = 0, t_adam_g = 0;
  float last = 0;
  const auto step = [&] {
    aib::Stopwatch sw;
    const aib::Tensor real(aib::random_rows(data, B, rng));                 // (B, 2)
    const aib::Tensor fake = gan.generate(aib::Tensor(gan.noise(B, rng)));  // (B, 2)
    const double t1 = sw.seconds();
    const aib::Tensor d_loss =  // (1, 1)
        aib::gan_discriminator_loss(gan.discriminate(real), gan.discriminate(fake.detach()));
    adam_d.zero_grad();
    d_loss.backward();
    const double t2 = sw.seconds();
    adam_d.step();
    const double t3 = sw.seconds();
    aib::Tensor g_loss;  // (1, 1)
    {
      const aib::detail::FrozenT<float> frozen(d_params);
      g_loss = aib::gan_generator_loss(gan.discriminate(fake));
      adam_g.zero_grad();
      g_loss.backward();
    }
    const double t4 = sw.seconds();
    adam_g.step();
    const double t5 = sw.seconds();
    t_gen += t1, t_d += t2 - t1, t_adam_d += t3 - t2, t_g += t4 - t3, t_adam_g += t5 - t4;
    last = g_loss.item();
  };
  for (int i = 0; i < 20; ++i) step();  // warm-up, as the peer does
  t_gen = t_d = t_adam_d = t_g = t_adam_g = 0;
  aib::Stopwatch watch;
  const double cpu0 = aib::bench::cpu_seconds(RUSAGE_SELF);
  for (int i = 0; i < steps; ++i) step();
  const double ours = watch.seconds() / steps * 1e3;
  const double ours_cpu = (aib::bench::cpu_seconds(RUSAGE_SELF) - cpu0) / steps * 1e3;

  // FLOPs of the matmuls PyTorch's step does (2 per multiply-add), per sample: G's layers
  // g = 2·H + 2·H² + 2·H, D's d = 2·H + 2·H² + H. G forward g; D step: forward on 2B rows 2d,
  // backward 2·(2d − 2H) (no gradient into the data); G step: D forward d, D backward 2d (PyTorch
  // fills D's weight gradients too; we freeze D and skip those), G backward 2g − 2H.
  const double g = 2.0 * H + 2.0 * H * H + 2.0 * H, d = 2.0 * H + 2.0 * H * H + H;
  const double flops = 2.0 * B * (g + 2 * d + 2 * (2 * d - 2 * H) + d + 2 * d + 2 * g - 2 * H);
  const auto ms = [&](double t) { return t / steps * 1e3; };
  fmt::print(
      "GAN 2-512-512-512 (the WGAN-GP toy's width), batch {}, one D and one G update, Adam, "
      "float32, one thread, {} steps (G loss now {:.3f})\n",
      B, steps, last);
  fmt::print(
      "  aibasics  {:8.3f} ms/step wall, {:.3f} CPU, {:.2f} GFLOP/s\n"
      "    (wall: G forward {:.3f}, D forward+backward {:.3f}, D Adam {:.3f},\n"
      "     G through D+backward {:.3f}, G Adam {:.3f} ms)\n",
      ours, ours_cpu, flops / (ours * 1e6), ms(t_gen), ms(t_d), ms(t_adam_d), ms(t_g),
      ms(t_adam_g));
  if (!peer) return 0;
  // The peer's CPU time per step: the CPU its process used in a run of 2·steps minus that of a run
  // of `steps` (start-up and warm-up cancel). A busy machine inflates wall-clock times by what
  // the other processes take; CPU time does not count that.
  fmt::print("  (PyTorch's CPU time: a run of {} steps minus a run of {})\n", 2 * steps, steps);
  const auto gan_peer = [](const std::string& env, int n) {
    return aib::bench::run_peer(fmt::format("env {} {}/tools/peer-torch-generative gan --steps {}",
                                            env, aib::bench::shared_dir(), n));
  };
  for (const auto& [label, env] : aib::bench::openblas_kernel_sets()) {
    const double c0 = aib::bench::cpu_seconds(RUSAGE_CHILDREN);
    const aib::bench::PeerRun short_run = gan_peer(env, steps);
    const double c1 = aib::bench::cpu_seconds(RUSAGE_CHILDREN);
    const aib::bench::PeerRun run = gan_peer(env, 2 * steps);
    const double c2 = aib::bench::cpu_seconds(RUSAGE_CHILDREN);
    if (run.ms_per_step <= 0 || short_run.ms_per_step <= 0) {
      fmt::print("  PyTorch ({}) not available (../shared/tools/peer-torch-generative)\n", label);
      continue;
    }
    const double theirs = run.ms_per_step, theirs_cpu = ((c2 - c1) - (c1 - c0)) / steps * 1e3;
    fmt::print(
        "  PyTorch, {}: {:.3f} ms/step wall, {:.3f} CPU, {:.2f} GFLOP/s\n"
        "    ours takes {:.2f}x its wall time, {:.2f}x its CPU time\n    peer: {}\n",
        label, theirs, theirs_cpu, flops / (theirs * 1e6), ours / theirs, ours_cpu / theirs_cpu,
        run.output);
  }
}
