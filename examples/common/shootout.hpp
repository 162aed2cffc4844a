// shootout.hpp — the generative families trained on the same 2-D data and scored by the same code:
// one function per family takes the training points (N, 2) and returns n samples with what they
// cost (training and sampling time, network passes per sample, weights) and, where the family has
// one, its held-out NLL (exact for the flow, the −ELBO upper bound for the VAE). Episode 36 (Why
// diffusion won) runs each over several seeds; score() gives every family the same metrics.
//   train_vae_2d, train_gan_2d (pack 1 or 2), train_flow_2d, train_diffusion_2d (DDPM + DDIM)
//   score          modes captured, high-quality share, MMD², precision and recall of samples
// Leaves out: the glyphs (only the 2-D toys), a diffusion likelihood bound.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "aib/core/timing.hpp"
#include "aib/generative/diffusion.hpp"
#include "aib/generative/flow.hpp"
#include "aib/generative/gan.hpp"
#include "aib/generative/metrics.hpp"
#include "aib/generative/toy2d.hpp"
#include "aib/generative/vae.hpp"
#include "aib/nn/module.hpp"

namespace aib::episode {

// The training budget of every family (the episode's default run; --full doubles the steps).
struct ShootoutBudget {
  Index hidden = 64;             // every network's hidden width
  Index samples = 2000;          // samples drawn for the metrics and the timing
  Index vae_steps = 2000;        // Adam, batch 64, lr 1e-3
  double vae_sigma = 0.05;       // the Gaussian decoder's fixed σ_x
  Index gan_steps = 2000;        // batch 64, lr 1e-3 both players
  Index flow_steps = 600;        // Adam, batch 128, lr 2e-3, 8 couplings
  Index diffusion_steps = 1500;  // AdamW, batch 32, lr 1e-3
  Index T = 50;                  // linear schedule, rescaled (ᾱ_T near 0)
  Index ddim_steps = 10;         // S, η = 0
};

// One trained model's samples and costs.
struct FamilyRun {
  std::string name;
  Mat samples;                                            // (n, 2)
  double train_seconds = 0;                               // wall-clock training time
  double sample_seconds = 0;                              // wall-clock time to draw the n samples
  Index evaluations = 1;                                  // sequential network passes per sample
  Index weights = 0;                                      // trained parameters (DDIM shares DDPM's)
  double nll = std::numeric_limits<double>::quiet_NaN();  // held-out nats; NaN: none
};

// The VAE: 2 -> h -> h -> Z = 2, Gaussian decoder with fixed σ_x; samples are the decoder's mean
// plus σ_x noise (the model's own p(x)); NLL bounded by the held-out −ELBO.
inline FamilyRun train_vae_2d(const Mat& data, const Mat& test, const ShootoutBudget& b, Rng& rng) {
  FamilyRun r;
  r.name = "VAE";
  Vae vae(2, {b.hidden, b.hidden}, 2, rng, VaeLikelihood::gaussian, b.vae_sigma);
  Stopwatch watch;
  train_vae(vae, data, rng, VaeTrainOptions{b.vae_steps, 64, 1e-3, 1.0});
  r.train_seconds = watch.seconds();
  watch.restart();
  r.samples = vae.sample(b.samples, rng);  // (n, 2) decoder means
  for (Index i = 0; i < r.samples.size(); ++i)
    r.samples.data()[i] += static_cast<float>(b.vae_sigma * rng.normal_double());
  r.sample_seconds = watch.seconds();
  r.weights = count_parameters(vae.parameters());
  r.nll = -vae.iwae_bound(test, 1, rng);  // −ELBO >= −log p(x)
  return r;
}

// The GAN 2 -> h -> h -> 2 against 2 -> h -> h -> 1, non-saturating loss; pack 2 is PacGAN2.
inline FamilyRun train_gan_2d(const Mat& data, Index pack, const ShootoutBudget& b, Rng& rng) {
  FamilyRun r;
  r.name = pack == 1 ? "GAN" : fmt::format("PacGAN{}", pack);
  GanConfig config;
  config.g_hidden = config.d_hidden = {b.hidden, b.hidden};
  config.pack = pack;
  Gan gan(config, rng);
  GanTrainOptions opt;
  opt.steps = b.gan_steps;
  opt.batch = 64;
  opt.lr_d = opt.lr_g = 1e-3;
  Stopwatch watch;
  train_gan(gan, data, rng, opt);
  r.train_seconds = watch.seconds();
  watch.restart();
  r.samples = gan.sample(b.samples, rng);  // (n, 2)
  r.sample_seconds = watch.seconds();
  r.weights = count_parameters(gan.generator_parameters()) +
              count_parameters(gan.discriminator_parameters());
  return r;
}

// RealNVP: 8 couplings of 1 -> h -> h -> 2; its exact held-out NLL.
inline FamilyRun train_flow_2d(const Mat& data, const Mat& test, const ShootoutBudget& b,
                               Rng& rng) {
  FamilyRun r;
  r.name = "RealNVP";
  RealNVPOptions opt;
  opt.hidden = {b.hidden, b.hidden};
  RealNVP flow(opt, rng);
  Stopwatch watch;
  train_flow(flow, data, rng, FlowTrainOptions{b.flow_steps, 128, 2e-3});
  r.train_seconds = watch.seconds();
  watch.restart();
  r.samples = flow.sample(b.samples, rng);  // (n, 2)
  r.sample_seconds = watch.seconds();
  r.weights = count_parameters(flow.parameters());
  r.nll = mean_nll(flow.log_prob(test));
  return r;
}

// DDPM (T ancestral steps) and DDIM (S deterministic steps) from one ε-network: tiny-diffusion's
// shape at width h (embeddings and MLP), linear schedule rescaled to T. Returns {DDPM, DDIM}.
inline std::vector<FamilyRun> train_diffusion_2d(const Mat& data, const ShootoutBudget& b,
                                                 Rng& rng) {
  EpsNetConfig config;
  config.input_embedding = config.time_embedding = config.hidden = b.hidden;
  EpsNet net(config, rng);
  const DiffusionSchedule sch = linear_schedule(b.T);
  Stopwatch watch;
  train_diffusion(net, sch, data, rng,
                  DiffusionTrainOptions{b.diffusion_steps, 32, 1e-3, 0.01, 1.0});
  const double train_seconds = watch.seconds();
  std::vector<FamilyRun> runs;
  for (const Index S : {Index(0), b.ddim_steps}) {
    FamilyRun r;
    r.name = S == 0 ? "DDPM" : fmt::format("DDIM, S={}", S);
    DiffusionSampleOptions opt;
    opt.steps = S;
    watch.restart();
    const DiffusionSamplesT<float> out = diffusion_sample(net, sch, b.samples, rng, opt);
    r.sample_seconds = watch.seconds();
    r.samples = out.x;  // (n, 2)
    r.evaluations = out.evaluations;
    r.train_seconds = train_seconds;
    r.weights = count_parameters(net.parameters());
    runs.push_back(r);
  }
  return runs;
}

// The same metrics for every family, samples (n, 2) against held-out ring points test (M, 2).
struct ShootoutScore {
  Index modes = 0;                   // of 8, mode_coverage (3σ)
  double high_quality = 0;           // share of samples within 3σ of a mode
  double mmd2 = 0;                   // RBF kernel, bandwidth 0.1
  double precision = 0, recall = 0;  // k = 3
};

inline ShootoutScore score(const Mat& samples, const Mat& test) {
  const GaussianMixture2D ring = ring8_mixture();
  const ModeCoverage c = mode_coverage(samples, ring.centres, ring.sigma);
  const PrecisionRecall pr = knn_precision_recall(test, samples, 3);
  return {c.modes_captured, c.high_quality_fraction, mmd2_rbf(samples, test, 0.1), pr.precision,
          pr.recall};
}

}  // namespace aib::episode
