// Tests for aib/generative/diffusion.hpp: the schedules' terminal values, the closed-form forward
// process against the iterated one (Monte Carlo), the posterior against a direct Gaussian
// computation, DDIM (η = 1, S = T) against DDPM, the loss and every gradient against PyTorch, a
// trained model covering the 8 ring modes, sampling's snapshots and counts, and bad input.
#include <cmath>
#include <string>
#include <vector>

#include "aib/generative/diffusion.hpp"
#include "aib/generative/metrics.hpp"
#include "aib/generative/toy2d.hpp"
#include "catch.hpp"
#include "torch_ref.hpp"

namespace test_diffusion {

// ---- Schedules ----------------------------------------------------------------------------------

TEST_CASE("diffusion: schedules reach noise, and one that does not is refused", "[diffusion]") {
  // the published terminal values (shared/research/generative.md, improved DDPM's recipes)
  const aib::DiffusionSchedule ddpm = aib::linear_schedule(1000);
  CHECK(ddpm.terminal_alpha_bar() == Approx(4.0e-5).epsilon(0.03));
  CHECK(ddpm.beta[1] == Approx(1e-4));
  CHECK(ddpm.beta[1000] == Approx(0.02));
  const aib::DiffusionSchedule short_linear = aib::linear_schedule(50);  // rescaled by 1000/50
  CHECK(short_linear.beta[1] == Approx(2e-3));
  CHECK(short_linear.beta[50] == Approx(0.4));
  CHECK(short_linear.terminal_alpha_bar() == Approx(7.7e-6).epsilon(0.03));
  const aib::DiffusionSchedule cosine = aib::cosine_schedule(50);
  CHECK(cosine.terminal_alpha_bar() == Approx(9.7e-7).epsilon(0.05));
  CHECK(cosine.beta[50] == Approx(0.999));  // clipped
  CHECK(cosine.terminal_snr() ==
        Approx(cosine.terminal_alpha_bar() / (1 - cosine.terminal_alpha_bar())));
  // ᾱ falls monotonically and SNR with it
  for (aib::Index t = 1; t <= 50; ++t) {
    CHECK(cosine.abar[static_cast<std::size_t>(t)] < cosine.abar[static_cast<std::size_t>(t - 1)]);
    if (t > 1) CHECK(cosine.snr(t) < cosine.snr(t - 1));
  }
  // tiny-diffusion's T = 50 without the rescale keeps 77 % of the signal: refused, unless allowed
  CHECK_THROWS_WITH(aib::linear_schedule(50, false), Catch::Contains("alpha-bar_T = 0.6") &&
                                                         Catch::Contains("T = 50") &&
                                                         Catch::Contains("allow"));
  const aib::DiffusionSchedule tiny = aib::linear_schedule(50, false, true);
  CHECK(tiny.terminal_alpha_bar() == Approx(0.60).margin(0.01));
  CHECK(tiny.terminal_snr() == Approx(1.5).margin(0.05));
}

// ---- The forward process --------------------------------------------------------------------

TEST_CASE("diffusion: q(x_t | x_0) in closed form equals t one-step noisings (Monte Carlo)",
          "[diffusion]") {
  const aib::DiffusionSchedule sch = aib::linear_schedule(50);
  const aib::Index N = 20000;
  aib::MatD x0(N, 2);  // (N, 2) the same point in every row
  x0.col(0).setConstant(1.5);
  x0.col(1).setConstant(-0.5);
  aib::Rng rng(7);
  for (const aib::Index t : {1, 10, 30}) {
    aib::MatD x = x0;  // (N, 2) x_s after s one-step noisings
    for (aib::Index s = 1; s <= t; ++s)
      x = aib::q_step(sch, x, s, aib::detail::diffusion_normal<double>(N, 2, rng));
    const double a = sch.abar[static_cast<std::size_t>(t)];
    const double var = 1 - a;  // the closed form's variance
    for (aib::Index j = 0; j < 2; ++j) {
      const double mean = x.col(j).mean();
      const double mc_var = (x.col(j).array() - mean).square().sum() / static_cast<double>(N - 1);
      const double se_mean = std::sqrt(var / static_cast<double>(N));
      const double se_var = var * std::sqrt(2.0 / static_cast<double>(N - 1));
      CHECK(std::abs(mean - std::sqrt(a) * x0(0, j)) < 4 * se_mean);
      CHECK(std::abs(mc_var - var) < 4 * se_var);
    }
  }
  // q_sample is the closed form itself: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, row by row
  const aib::MatD eps = aib::detail::diffusion_normal<double>(3, 2, rng);              // (3, 2)
  const aib::MatD xt = aib::q_sample(sch, aib::MatD(x0.topRows(3)), {0, 5, 50}, eps);  // (3, 2)
  CHECK((xt.row(0) - x0.row(0)).norm() == 0.0);  // t = 0: no noise
  const double a5 = sch.abar[5];
  CHECK((xt.row(1) - (std::sqrt(a5) * x0.row(1) + std::sqrt(1 - a5) * eps.row(1))).norm() < 1e-15);
}

TEST_CASE("diffusion: the posterior q(x_{t-1} | x_t, x_0) equals Bayes' rule on two Gaussians",
          "[diffusion]") {
  const aib::DiffusionSchedule sch = aib::cosine_schedule(40);
  aib::Rng rng(3);
  const aib::MatD x0 = aib::detail::diffusion_normal<double>(4, 3, rng);  // (4, 3)
  const aib::MatD xt = aib::detail::diffusion_normal<double>(4, 3, rng);  // (4, 3)
  for (const aib::Index t : {2, 9, 25, 40}) {
    const std::size_t i = static_cast<std::size_t>(t);
    // p(x_{t−1} | x_0) = N(√ᾱ_{t−1} x_0, 1 − ᾱ_{t−1}),  p(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t):
    // as a function of x_{t−1} the product is Gaussian with precision 1/(1 − ᾱ_{t−1}) + α_t/β_t.
    const double prior_var = 1 - sch.abar[i - 1];
    const double precision = 1 / prior_var + sch.alpha[i] / sch.beta[i];
    const aib::MatD mean = ((std::sqrt(sch.abar[i - 1]) / prior_var) * x0 +
                            (std::sqrt(sch.alpha[i]) / sch.beta[i]) * xt) /
                           precision;  // (4, 3)
    const aib::PosteriorT<double> q = aib::q_posterior(sch, xt, x0, t);
    CHECK(q.variance == Approx(1 / precision).epsilon(1e-12));
    CHECK((q.mean - mean).cwiseAbs().maxCoeff() < 1e-12);
  }
  // t = 1: x_0 is known exactly
  const aib::PosteriorT<double> first = aib::q_posterior(sch, xt, x0, 1);
  CHECK(first.variance == 0.0);
  CHECK((first.mean - x0).cwiseAbs().maxCoeff() < 1e-15);
}

// ---- Sampling -----------------------------------------------------------------------------------

TEST_CASE("diffusion: DDIM with eta = 1 and S = T takes DDPM's step given the same noise",
          "[diffusion]") {
  const aib::DiffusionSchedule sch = aib::linear_schedule(30);
  aib::Rng rng(11);
  const aib::MatD xt = aib::detail::diffusion_normal<double>(6, 2, rng);       // (6, 2)
  const aib::MatD eps_hat = aib::detail::diffusion_normal<double>(6, 2, rng);  // (6, 2)
  const aib::MatD z = aib::detail::diffusion_normal<double>(6, 2, rng);        // (6, 2)
  for (aib::Index t = 1; t <= 30; ++t) {
    const aib::MatD ddpm = aib::ddpm_update(sch, xt, eps_hat, t, z);              // (6, 2)
    const aib::MatD ddim = aib::ddim_update(sch, xt, eps_hat, t, t - 1, 1.0, z);  // (6, 2)
    CHECK((ddpm - ddim).cwiseAbs().maxCoeff() < 1e-12);
  }
  // η = 0 is deterministic: the noise does not enter
  const aib::MatD a = aib::ddim_update(sch, xt, eps_hat, 20, 10, 0.0, z);  // (6, 2)
  const aib::MatD b =                                                      // (6, 2)
      aib::ddim_update(sch, xt, eps_hat, 20, 10, 0.0, aib::MatD(z * 5.0));
  CHECK((a - b).cwiseAbs().maxCoeff() == 0.0);
  // the whole chains agree too: same seed, same draws
  aib::EpsNetConfig small;
  small.hidden = 16;
  small.blocks = 1;
  small.input_embedding = 8;
  small.time_embedding = 8;
  aib::Rng init(1);
  const aib::EpsNetD net(small, init);
  aib::DiffusionSampleOptions as_ddpm, as_ddim;
  as_ddim.steps = sch.T;
  as_ddim.eta = 1.0;
  aib::Rng r1(5), r2(5);
  const aib::MatD x1 = aib::diffusion_sample(net, sch, 50, r1, as_ddpm).x;  // (50, 2)
  const aib::MatD x2 = aib::diffusion_sample(net, sch, 50, r2, as_ddim).x;  // (50, 2)
  CHECK((x1 - x2).cwiseAbs().maxCoeff() < 1e-9);
}

TEST_CASE("diffusion: snapshots at the chosen steps, one network evaluation per step",
          "[diffusion]") {
  const aib::DiffusionSchedule sch = aib::linear_schedule(40);
  aib::EpsNetConfig small;
  small.hidden = 8;
  small.blocks = 1;
  small.input_embedding = 4;
  small.time_embedding = 4;
  aib::Rng rng(2);
  const aib::EpsNet net(small, rng);
  aib::DiffusionSampleOptions opt;
  opt.snapshots = {40, 30, 20, 10, 0};
  const aib::DiffusionSamplesT<float> ddpm = aib::diffusion_sample(net, sch, 3, rng, opt);
  CHECK(ddpm.evaluations == 40);
  CHECK(ddpm.snapshot_t == std::vector<aib::Index>{40, 30, 20, 10, 0});
  REQUIRE(ddpm.snapshots.size() == 5);
  CHECK((ddpm.snapshots.back() - ddpm.x).cwiseAbs().maxCoeff() == 0.0f);
  opt.steps = 4;  // DDIM visits 40, 30, 20, 10, 0: every snapshot
  const aib::DiffusionSamplesT<float> ddim = aib::diffusion_sample(net, sch, 3, rng, opt);
  CHECK(ddim.evaluations == 4);
  CHECK(ddim.snapshot_t == std::vector<aib::Index>{40, 30, 20, 10, 0});
  CHECK(aib::ddim_timesteps(1000, 10) ==
        std::vector<aib::Index>{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000});
  CHECK(aib::ddim_timesteps(50, 3) == std::vector<aib::Index>{17, 33, 50});  // ends at T
}

TEST_CASE("diffusion: a network that predicts x_0 is trained on x_0 and sampled through its noise",
          "[diffusion]") {
  const aib::DiffusionSchedule sch = aib::cosine_schedule(20);
  aib::Rng rng(4);
  const aib::MatD xt = aib::detail::diffusion_normal<double>(3, 4, rng);      // (3, 4)
  const aib::MatD x0_hat = aib::detail::diffusion_normal<double>(3, 4, rng);  // (3, 4)
  for (const aib::Index t : {1, 10, 20}) {  // the two conversions undo each other
    const aib::MatD eps_hat = aib::eps_from_x0(sch, xt, x0_hat, t);  // (3, 4)
    CHECK((aib::predict_x0(sch, xt, eps_hat, t) - x0_hat).cwiseAbs().maxCoeff() < 1e-9);
  }
  aib::EpsNetConfig c;
  c.data_dim = 4;
  c.input_embedding = 0;
  c.hidden = 8;
  c.blocks = 1;
  c.time_embedding = 8;
  c.predicts_x0 = true;
  const aib::EpsNetD net(c, rng);
  const aib::MatD x0 = aib::detail::diffusion_normal<double>(3, 4, rng);   // (3, 4)
  const aib::MatD eps = aib::detail::diffusion_normal<double>(3, 4, rng);  // (3, 4)
  aib::EpsNetCacheT<double> cache;
  const double loss = aib::diffusion_loss(net, sch, x0, {2, 9, 17}, eps, cache, false);
  CHECK(loss == Approx((cache.out - x0).squaredNorm() / 12.0).epsilon(1e-12));
  CHECK(loss != Approx((cache.out - eps).squaredNorm() / 12.0).epsilon(1e-3));
}

// ---- The loss and its gradients against PyTorch ---------------------------------------------

TEST_CASE("diffusion: the loss, the network's output and every gradient equal PyTorch's",
          "[diffusion]") {
  aib::EpsNetConfig c;  // tools/reference/diffusion.py: E = 8, H = 6, two blocks
  c.input_embedding = 8;
  c.time_embedding = 8;
  c.hidden = 6;
  c.blocks = 2;
  aib::Rng rng(0);
  aib::EpsNetD net(c, rng);
  const aib::ParametersT<double> params = net.parameters();
  REQUIRE(params.size() == 8);
  for (const auto& p : params) {
    const aib::MatD w = aib_test::torch_ref("diffusion", p.name);  // (in, out) or (1, out)
    REQUIRE(w.rows() == p.tensor.rows());
    REQUIRE(w.cols() == p.tensor.cols());
    p.tensor.node().value = w;
  }
  const aib::DiffusionSchedule sch = aib::linear_schedule(50);
  const aib::MatD x0 = aib_test::torch_ref("diffusion", "x0");    // (5, 2)
  const aib::MatD eps = aib_test::torch_ref("diffusion", "eps");  // (5, 2)
  const aib::MatD tm = aib_test::torch_ref("diffusion", "t");     // (1, 5)
  std::vector<aib::Index> t;
  for (aib::Index i = 0; i < tm.cols(); ++i) t.push_back(static_cast<aib::Index>(tm(0, i)));
  CHECK(aib_test::max_diff(aib::q_sample(sch, x0, t, eps), aib_test::torch_ref("diffusion", "xt")) <
        1e-12);
  aib::EpsNetCacheT<double> cache;
  const double loss = aib::diffusion_loss(net, sch, x0, t, eps, cache, true);
  CHECK(std::abs(loss - aib_test::torch_ref("diffusion", "loss")(0, 0)) < 1e-10);
  CHECK(aib_test::max_diff(cache.out, aib_test::torch_ref("diffusion", "out")) < 1e-10);
  for (const auto& p : params) {
    INFO(p.name);
    CHECK(aib_test::max_diff(p.tensor.node().grad,
                             aib_test::torch_ref("diffusion", "grad_" + p.name)) < 1e-10);
  }
}

// ---- Training -----------------------------------------------------------------------------------

TEST_CASE("diffusion: a trained model covers all 8 modes of the ring", "[diffusion]") {
  aib::Rng rng(1);
  const aib::Mat data = aib::ring8(4000, rng);  // (4000, 2)
  const aib::DiffusionSchedule sch = aib::linear_schedule(50);
  aib::EpsNetConfig c;  // tiny-diffusion's shape at half its widths, to train fast
  c.input_embedding = 64;
  c.time_embedding = 64;
  c.hidden = 64;
  c.blocks = 2;
  aib::EpsNet net(c, rng);
  aib::DiffusionTrainOptions opt;
  opt.steps = 1000;
  opt.batch = 64;
  const std::vector<double> losses = aib::train_diffusion(net, sch, data, rng, opt);
  REQUIRE(losses.size() == 1000);
  double first = 0, last = 0;  // mean loss of the first and the last 100 steps
  for (std::size_t i = 0; i < 100; ++i) first += losses[i] / 100, last += losses[900 + i] / 100;
  CHECK(last < 0.6 * first);
  const aib::DiffusionSamplesT<float> s = aib::diffusion_sample(net, sch, 800, rng);
  const aib::ModeCoverage cov = aib::mode_coverage(s.x, aib::ring8_mixture().centres, 0.02);
  CHECK(cov.modes_captured == 8);
  CHECK(cov.high_quality_fraction > 0.2);
  CHECK(cov.reverse_kl < 0.2);
}

TEST_CASE("diffusion: a diverging run stops naming its step", "[diffusion]") {
  aib::Rng rng(1);
  aib::Mat data = aib::ring8(100, rng);  // (100, 2)
  const aib::DiffusionSchedule sch = aib::linear_schedule(25);
  aib::EpsNetConfig c;
  c.hidden = 16;
  c.blocks = 1;
  aib::EpsNet net(c, rng);
  aib::DiffusionTrainOptions opt;
  opt.steps = 10;
  opt.lr = 1e30;  // the first update throws the weights to ±1e30
  opt.clip = 0;
  CHECK_THROWS_AS(aib::train_diffusion(net, sch, data, rng, opt), aib::DivergenceError);
  aib::EpsNet net2(c, rng);
  CHECK_THROWS_WITH(
      aib::train_diffusion(net2, sch, data, rng, opt),
      Catch::Contains("train_diffusion: the loss is") && Catch::Contains("at step 2;"));
  data(7, 0) = std::nanf("");  // every row a NaN: the very first step
  data.col(0).setConstant(std::nanf(""));
  aib::EpsNet net3(c, rng);
  CHECK_THROWS_WITH(aib::train_diffusion(net3, sch, data, rng, opt),
                    Catch::Contains("the loss is nan at step 1;"));
}

// ---- Bad input ----------------------------------------------------------------------------------

TEST_CASE("diffusion: bad input is an error naming the value", "[diffusion]") {
  CHECK_THROWS_WITH(aib::linear_schedule(0), Catch::Contains("T = 0"));
  CHECK_THROWS_WITH(aib::cosine_schedule(-3), Catch::Contains("T = -3"));
  CHECK_THROWS_WITH(aib::schedule_from_betas({0.1, 1.5}), Catch::Contains("beta_2 = 1.5"));
  CHECK_THROWS_WITH(aib::schedule_from_betas({0.0, 0.5}), Catch::Contains("beta_1 = 0"));
  // 1000/10 rescales β_1 … β_10 to 0.01 … 2: β_6 is the first >= 1
  CHECK_THROWS_WITH(aib::linear_schedule(10), Catch::Contains("beta_6 = 1.11"));
  CHECK_THROWS_WITH(aib::ddim_timesteps(50, 60), Catch::Contains("S = 60"));
  CHECK_THROWS_WITH(aib::ddim_timesteps(50, 0), Catch::Contains("S = 0"));
  const aib::DiffusionSchedule sch = aib::linear_schedule(50);
  aib::Rng rng(0);
  aib::EpsNetConfig c;
  c.hidden = 8;
  c.blocks = 1;
  aib::EpsNet net(c, rng);
  aib::DiffusionSampleOptions opt;
  opt.steps = 51;
  CHECK_THROWS_WITH(aib::diffusion_sample(net, sch, 4, rng, opt), Catch::Contains("S = 51"));
  opt.steps = 10;
  opt.eta = -0.5;
  CHECK_THROWS_WITH(aib::diffusion_sample(net, sch, 4, rng, opt), Catch::Contains("eta = -0.5"));
  const aib::MatD x = aib::MatD::Zero(2, 2);  // (2, 2)
  CHECK_THROWS_WITH(aib::ddim_update(sch, x, x, 10, 5, -1.0, x), Catch::Contains("eta = -1"));
  CHECK_THROWS_WITH(aib::ddpm_update(sch, x, x, 51, x), Catch::Contains("t = 51"));
  CHECK_THROWS_WITH(aib::q_posterior(sch, x, x, 0), Catch::Contains("t = 0"));
  aib::EpsNetConfig odd;
  odd.time_embedding = 7;
  CHECK_THROWS_WITH(aib::EpsNet(odd, rng), Catch::Contains("time_embedding = 7"));
  const aib::Mat wrong = aib::Mat::Zero(4, 3);  // (4, 3): the net takes 2 columns
  CHECK_THROWS_AS(aib::train_diffusion(net, sch, wrong, rng), aib::ShapeError);
}

}  // namespace test_diffusion
