// Tests for aib/generative/gan.hpp: the theory as tests (the optimal discriminator on a 1-D toy
// with known densities, V(D, G) = −log 4 at the equilibrium), the losses and their gradients
// against PyTorch, losses from huge logits, PacGAN's packing, training, and bad input.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "aib/autograd/gradcheck.hpp"
#include "aib/generative/gan.hpp"
#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

namespace test_gan {

using aib::GanD;
using aib::GanLoss;
using aib::Index;
using aib::MatD;
using aib::TensorD;

constexpr double kLog4 = 1.3862943611198906;  // log 4

// The fixtures' GAN: G 3 -> 6 -> 2, D 2m -> 5 -> 1, ReLU, PyTorch's weights for case c.
GanD torch_gan(const std::string& c, Index m) {
  aib::GanConfig config;
  config.noise_dim = 3;
  config.g_hidden = {6};
  config.d_hidden = {5};
  config.pack = m;
  aib::Rng rng(0);
  GanD gan(config, rng);
  for (auto& p : gan.parameters()) {
    const MatD w = aib_test::torch_ref("gan", c + "_" + p.name);
    REQUIRE(w.rows() == p.tensor.rows());
    REQUIRE(w.cols() == p.tensor.cols());
    p.tensor.value() = w;
  }
  return gan;
}

double normal_pdf(double x, double mean, double sd) {
  const double u = (x - mean) / sd;
  return std::exp(-0.5 * u * u) / (sd * std::sqrt(2 * aib::pi));
}

TEST_CASE("GAN: D loss, both G losses and their gradients equal PyTorch's (double)", "[gan]") {
  for (const auto& c : {std::pair<std::string, Index>{"plain", 1}, {"pack2", 2}}) {
    const std::string name = c.first;
    const Index m = c.second;
    INFO(name);
    const GanD gan = torch_gan(name, m);
    const auto ref = [&](const std::string& what) {
      return aib_test::torch_ref("gan", name + "_" + what);
    };
    const TensorD real(ref("real"));                       // (6, 2)
    const TensorD fake = gan.generate(TensorD(ref("z")));  // (6, 2)
    CHECK(aib_test::max_diff(fake.value(), ref("fake")) <= 1e-12);
    const TensorD real_logits = gan.discriminate(real);           // (6/m, 1)
    const TensorD fake_logits = gan.discriminate(fake.detach());  // (6/m, 1)
    CHECK(aib_test::max_diff(real_logits.value(), ref("real_logits")) <= 1e-12);
    CHECK(aib_test::max_diff(fake_logits.value(), ref("fake_logits")) <= 1e-12);

    for (auto& p : gan.parameters()) p.tensor.zero_grad();
    const TensorD d_loss = aib::gan_discriminator_loss(real_logits, fake_logits);  // (1, 1)
    CHECK(std::abs(d_loss.item() - ref("d_loss")(0, 0)) <= 1e-12);
    CHECK(aib::gan_value(real_logits, fake_logits) == Approx(-d_loss.item()).epsilon(1e-15));
    d_loss.backward();
    for (const auto& p : gan.discriminator_parameters()) {
      INFO(p.name);
      CHECK(aib_test::max_diff(p.tensor.grad(), ref("grad_d_" + p.name)) <= 1e-12);
    }
    for (const auto& p : gan.generator_parameters()) CHECK_FALSE(p.tensor.has_grad());  // detached

    for (const auto& [kind, key] : {std::pair<GanLoss, std::string>{GanLoss::minimax, "minimax"},
                                    {GanLoss::non_saturating, "nonsat"}}) {
      INFO(key);
      for (auto& p : gan.parameters()) p.tensor.zero_grad();
      const TensorD g_loss = aib::gan_generator_loss(gan.discriminate(fake), kind);  // (1, 1)
      CHECK(std::abs(g_loss.item() - ref("g_" + key)(0, 0)) <= 1e-12);
      g_loss.backward();
      for (const auto& p : gan.generator_parameters()) {
        INFO(p.name);
        CHECK(aib_test::max_diff(p.tensor.grad(), ref("grad_" + key + "_" + p.name)) <= 1e-12);
      }
    }
  }
}

TEST_CASE("GAN: with p_g = p_data and D = 1/2 the value is -log 4, and no D does better", "[gan]") {
  aib::Rng rng(3);
  aib::GanConfig config;
  config.d_hidden = {16};
  GanD gan(config, rng);
  const MatD x = rng.normal_mat(64, 2).cast<double>();  // (64, 2) real and fake: the same rows
  // D = 1/2 everywhere: the last layer outputs logit 0 for every input.
  aib::LinearT<double>& last = gan.discriminator.layers.back();
  const MatD w_saved = last.weight.value(), b_saved = last.bias.value();  // (16, 1), (1, 1)
  last.weight.value().setZero();
  last.bias.value().setZero();
  const TensorD logits = gan.discriminate(TensorD(x));  // (64, 1) zeros
  const double v = aib::gan_value(logits, logits);
  CHECK(v == Approx(-kLog4).epsilon(1e-15));
  CHECK(std::abs(v - -1.386294) < 5e-7);
  // The generator's two losses at D = 1/2: log(1/2) and −log(1/2).
  CHECK(aib::gan_generator_loss(logits, GanLoss::minimax).item() == Approx(-std::log(2.0)));
  CHECK(aib::gan_generator_loss(logits, GanLoss::non_saturating).item() == Approx(std::log(2.0)));
  // Any other D scores lower on the same samples: log D + log(1 − D) <= log 1/4 pointwise.
  last.weight.value() = w_saved * 3.0;
  last.bias.value() = b_saved;
  const TensorD other = gan.discriminate(TensorD(x));  // (64, 1)
  CHECK(other.value().cwiseAbs().maxCoeff() > 0.1);
  CHECK(aib::gan_value(other, other) < -kLog4 - 1e-3);
}

TEST_CASE("GAN: a trained D approaches the optimal p_data / (p_data + p_g) on a 1-D toy", "[gan]") {
  // p_data = N(0, 1); G(z) = 1.5·z + 1 fixed (one linear layer, no hidden), so p_g = N(1, 1.5²).
  // D* = p_data / (p_data + p_g): its logit −x²/2 + (x − 1)²/4.5 + log 1.5 is quadratic in x.
  aib::Rng rng(11);
  aib::GanConfig config;
  config.data_dim = config.noise_dim = 1;
  config.g_hidden = {};
  config.d_hidden = {32, 32};
  GanD gan(config, rng);
  gan.generator.layers[0].weight.value().setConstant(1.5);
  gan.generator.layers[0].bias.value().setConstant(1.0);
  aib::AdamT<double> adam(aib::tensors_of(gan.discriminator_parameters()), 5e-3);
  for (Index step = 0; step < 600; ++step) {
    const TensorD real(rng.normal_mat(128, 1).cast<double>());  // (128, 1)
    const TensorD fake(gan.sample(128, rng));                   // (128, 1) G fixed
    const TensorD loss =
        aib::gan_discriminator_loss(gan.discriminate(real), gan.discriminate(fake));
    adam.zero_grad();
    loss.backward();
    adam.step();
  }
  MatD grid(41, 1);  // (41, 1) x from −2 to 2
  for (Index i = 0; i < grid.rows(); ++i) grid(i, 0) = -2.0 + 0.1 * static_cast<double>(i);
  const aib::VecD d = gan.probability_real(grid);  // (41)
  double worst = 0, spread = 0;
  for (Index i = 0; i < grid.rows(); ++i) {
    const double pd = normal_pdf(grid(i, 0), 0, 1), pg = normal_pdf(grid(i, 0), 1, 1.5);
    const double optimal = pd / (pd + pg);
    worst = std::max(worst, std::abs(d(i) - optimal));
    spread = std::max(spread, std::abs(optimal - 0.5));
  }
  INFO("max |D - D*| on the grid: " << worst);
  CHECK(spread > 0.25);  // D* is far from a constant, so matching it means something
  CHECK(worst < 0.05);
}

TEST_CASE("GAN: losses from huge logits stay finite, and the minimax loss saturates", "[gan]") {
  const aib::Mat big = (aib::Mat(4, 1) << 1e4f, -1e4f, 80.f, -80.f).finished();  // (4, 1)
  aib::Tensor logits(big, true);
  // Sigmoid then log fails where the losses from logits do not.
  CHECK(std::isinf(std::log(1.f - 1.f / (1.f + std::exp(-1e4f)))));
  const aib::Tensor d = aib::gan_discriminator_loss(logits, logits);  // (1, 1)
  CHECK(std::isfinite(d.item()));
  CHECK(d.item() == Approx(2 * (1e4 + 80) / 4).epsilon(1e-6));  // one softplus(|ℓ|) per entry pair
  for (const GanLoss kind : {GanLoss::minimax, GanLoss::non_saturating}) {
    logits.zero_grad();
    const aib::Tensor g = aib::gan_generator_loss(logits, kind);  // (1, 1)
    CHECK(std::isfinite(g.item()));
    g.backward();
    CHECK(logits.grad().allFinite());
  }
  // ∂/∂ℓ on a fake D rejects confidently (ℓ = −80): minimax −σ(ℓ)/N ≈ 0, non-saturating
  // (σ(ℓ) − 1)/N = −1/4: why Goodfellow et al. train G with −log D.
  TensorD rejected(MatD::Constant(4, 1, -80.0), true);  // (4, 1)
  aib::gan_generator_loss(rejected, GanLoss::minimax).backward();
  CHECK(std::abs(rejected.grad()(0, 0)) < 1e-30);
  rejected.zero_grad();
  aib::gan_generator_loss(rejected, GanLoss::non_saturating).backward();
  CHECK(rejected.grad()(0, 0) == Approx(-0.25));
}

TEST_CASE("GAN: PacGAN's packing puts m consecutive samples side by side", "[gan]") {
  const MatD x = (MatD(4, 2) << 1, 2, 3, 4, 5, 6, 7, 8).finished();  // (4, 2)
  const TensorD packed = aib::pack_samples(TensorD(x), 2);           // (2, 4)
  CHECK(packed.value() == (MatD(2, 4) << 1, 2, 3, 4, 5, 6, 7, 8).finished());
  CHECK(aib::pack_samples(TensorD(x), 4).value() ==
        (MatD(1, 8) << 1, 2, 3, 4, 5, 6, 7, 8).finished());
  aib::Rng rng(2);
  const aib::GradcheckResult r =
      aib::gradcheck([](const std::vector<TensorD>& v) { return aib::pack_samples(v[0], 3); },
                     {TensorD(rng.normal_mat(6, 2).cast<double>(), true)});
  INFO(r.failures);
  CHECK(r.checked == 12);
  CHECK(r.ok());

  CHECK_THROWS_WITH(aib::pack_samples(TensorD(x), 0), Catch::Contains("m = 0"));
  CHECK_THROWS_WITH(aib::pack_samples(TensorD(x), 3),
                    Catch::Contains("4 samples") && Catch::Contains("m = 3"));
  aib::GanConfig config;
  config.pack = -2;
  CHECK_THROWS_WITH(GanD(config, rng), Catch::Contains("m = -2"));
  config.pack = 2;
  config.g_hidden = config.d_hidden = {8};
  GanD gan(config, rng);
  CHECK(gan.discriminator.in_features() == 4);
  const MatD data = rng.normal_mat(32, 2).cast<double>();  // (32, 2)
  aib::GanTrainOptions opt;
  opt.batch = 7;
  CHECK_THROWS_WITH(aib::train_gan(gan, data, rng, opt),
                    Catch::Contains("batch = 7") && Catch::Contains("m = 2"));
}

TEST_CASE("GAN: training logs every step, stores snapshots, and stops naming a NaN step", "[gan]") {
  aib::Rng rng(4);
  aib::GanConfig config;
  config.g_hidden = config.d_hidden = {16};
  aib::Gan gan(config, rng);
  const aib::Mat data = rng.normal_mat(128, 2) * 0.5f;  // (128, 2)
  aib::GanTrainOptions opt;
  opt.steps = 30;
  opt.batch = 32;
  opt.snapshot_steps = {0, 10, 30};
  opt.snapshot_samples = 20;
  const aib::Mat w0 = gan.generator.layers[0].weight.value();  // (2, 16)
  const aib::GanHistory h = aib::train_gan(gan, data, rng, opt);
  CHECK(h.d_loss.size() == 30);
  CHECK(h.g_loss.size() == 30);
  CHECK(h.d_real.size() == 30);
  CHECK(h.d_fake.size() == 30);
  REQUIRE(h.snapshots.size() == 3);
  CHECK(h.snapshots[1].step == 10);
  CHECK(h.snapshots[2].samples.rows() == 20);
  CHECK((h.snapshots[0].samples - h.snapshots[2].samples).norm() > 0);  // G moved
  CHECK((gan.generator.layers[0].weight.value() - w0).norm() > 0);
  for (Index i = 0; i < 30; ++i) {
    CHECK(h.d_real[static_cast<std::size_t>(i)] > 0);
    CHECK(h.d_fake[static_cast<std::size_t>(i)] < 1);
  }
  // D's parameters take gradient again after G's step (the freeze is scoped).
  for (const auto& p : gan.discriminator_parameters()) CHECK(p.tensor.requires_grad());

  // A weight made NaN after step 3: step 4's loss is NaN, and the error says so.
  opt.snapshot_steps.clear();
  const auto poison = [&gan](Index step, const aib::Gan&, const aib::GanHistory&) {
    if (step == 3)
      gan.generator.layers.back().bias.value()(0, 0) = std::numeric_limits<float>::quiet_NaN();
  };
  CHECK_THROWS_WITH(aib::train_gan(gan, data, rng, opt, poison),
                    Catch::Contains("step 4") && Catch::Contains("nan"));
  CHECK_THROWS_AS(aib::train_gan(gan, data, rng, opt), aib::DivergenceError);

  aib::Gan fresh(config, rng);
  opt.lr_g = 0;
  CHECK_THROWS_WITH(aib::train_gan(fresh, data, rng, opt), Catch::Contains("learning rate 0"));
  opt.lr_g = 1e-3;
  opt.snapshot_steps = {31};
  CHECK_THROWS_WITH(aib::train_gan(fresh, data, rng, opt), Catch::Contains("snapshot step 31"));
  CHECK_THROWS_AS(aib::train_gan(fresh, aib::Mat(4, 3), rng, opt), aib::ShapeError);
  CHECK_THROWS_AS(fresh.discriminate(aib::Tensor(aib::Mat(4, 3))), aib::ShapeError);
}

}  // namespace test_gan
