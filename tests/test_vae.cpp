// Tests for aib/generative/vae.hpp: the loss and every gradient against PyTorch, the closed-form
// KL against a Monte-Carlo estimate, the importance-weighted bound against an exact
// log-likelihood, posterior collapse under a large β, and bad input.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Cholesky>

#include "aib/autograd/gradcheck.hpp"
#include "aib/generative/vae.hpp"
#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

using aib::Index;
using aib::MatD;
using aib::TensorD;
using aib::VaeD;
using aib::VaeLikelihood;

namespace {

constexpr double kLog2Pi = 1.8378770664093454836;  // log 2π

// A VAE with PyTorch's weights from tests/fixtures/torch/vae/<c>_<name>.npy.
VaeD torch_vae(const std::string& c, VaeLikelihood lik, double sigma_x) {
  aib::Rng rng(0);
  VaeD vae(12, {8}, 3, rng, lik, sigma_x);
  for (auto& p : vae.parameters()) {
    const MatD w = aib_test::torch_ref("vae", c + "_" + p.name);
    REQUIRE(w.rows() == p.tensor.rows());
    REQUIRE(w.cols() == p.tensor.cols());
    p.tensor.value() = w;
  }
  return vae;
}

// Data from a linear-Gaussian model: z ~ N(0, I_Z), x = z·W + b + σ·n, n ~ N(0, I_D).
MatD linear_gaussian_data(const MatD& W, const MatD& b, double sigma, Index n, aib::Rng& rng) {
  const MatD z = aib::detail::standard_normal<double>(n, W.rows(), rng);      // (N, Z)
  const MatD noise = aib::detail::standard_normal<double>(n, W.cols(), rng);  // (N, D)
  MatD x = z * W + sigma * noise;                                             // (N, D)
  x.rowwise() += b.row(0);
  return x;
}

}  // namespace

TEST_CASE("VAE: loss, its two terms and every gradient equal PyTorch's (double)", "[vae]") {
  struct Case {
    std::string name;
    VaeLikelihood lik;
    double beta, sigma_x;
  };
  for (const Case& c : {Case{"bernoulli", VaeLikelihood::bernoulli, 1.5, 1.0},
                        Case{"gaussian", VaeLikelihood::gaussian, 1.0, 0.5}}) {
    INFO(c.name);
    const VaeD vae = torch_vae(c.name, c.lik, c.sigma_x);
    const MatD x = aib_test::torch_ref("vae", c.name + "_x");      // (5, 12)
    const MatD eps = aib_test::torch_ref("vae", c.name + "_eps");  // (5, 3)
    const aib::VaeLossT<double> terms = vae.loss(x, eps, c.beta);
    CHECK(std::abs(terms.loss.item() - aib_test::torch_ref("vae", c.name + "_loss")(0, 0)) <=
          1e-10);
    CHECK(std::abs(terms.reconstruction.item() -
                   aib_test::torch_ref("vae", c.name + "_reconstruction")(0, 0)) <= 1e-10);
    CHECK(std::abs(terms.kl.item() - aib_test::torch_ref("vae", c.name + "_kl")(0, 0)) <= 1e-10);
    // The two terms really are separate: loss = reconstruction + β·KL with β ≠ 0 making a change.
    CHECK(terms.kl.item() > 0.01);
    CHECK(terms.loss.item() ==
          Approx(terms.reconstruction.item() + c.beta * terms.kl.item()).epsilon(1e-14));

    // Intermediate values: z, the decoder output, the KL of each latent dimension.
    const aib::VaePosteriorT<double> q = vae.encode(TensorD(x));
    const TensorD z = vae.reparameterize(q.mu, q.logvar, eps);  // (5, 3)
    CHECK(aib_test::max_diff(z.value(), aib_test::torch_ref("vae", c.name + "_z")) <= 1e-12);
    CHECK(aib_test::max_diff(vae.decode(z).value(), aib_test::torch_ref("vae", c.name + "_out")) <=
          1e-12);
    const aib::VecD kl_dim = vae.kl_per_dimension(x);  // (3)
    CHECK(aib_test::max_diff(kl_dim.transpose(),
                             aib_test::torch_ref("vae", c.name + "_kl_per_dim")) <= 1e-12);
    CHECK(kl_dim.sum() == Approx(terms.kl.item()).epsilon(1e-12));

    terms.loss.backward();
    Index checked = 0;
    for (const auto& p : vae.parameters()) {
      INFO(p.name);
      const MatD want = aib_test::torch_ref("vae", c.name + "_grad_" + p.name);
      REQUIRE(p.tensor.has_grad());
      CHECK(aib_test::max_diff(p.tensor.grad(), want) <= 1e-10);
      CHECK(want.cwiseAbs().maxCoeff() > 1e-3);  // a gradient that could be wrong
      ++checked;
    }
    CHECK(checked == 8);
  }
}

TEST_CASE("VAE: the two reconstruction ops by hand and by gradient check", "[vae]") {
  // One row, two pixels: ℓ = (0, 2), x = (1, 0): log 2 + (2 + log(1 + e^−2)) nats, a batch of 1.
  MatD l(1, 2), t(1, 2);
  l << 0, 2;
  t << 1, 0;
  CHECK(aib::bernoulli_nll(TensorD(l), TensorD(t)).item() ==
        Approx(std::log(2.0) + 2 + std::log1p(std::exp(-2.0))).epsilon(1e-14));
  // Gaussian, σ = 0.5, batch of 2: ((0.5² + 1²) + 0)/(2·0.25)/2 + (2/2)·log(2π·0.25)
  MatD m(2, 2), y = MatD::Zero(2, 2);
  m << 0.5, -1, 0, 0;
  CHECK(aib::gaussian_nll(TensorD(m), TensorD(y), 0.5).item() ==
        Approx(1.25 / 0.5 / 2 + std::log(2 * 3.141592653589793 * 0.25)).epsilon(1e-14));
  // Gradients with respect to both arguments (logits away from the kink of |ℓ| at 0).
  aib::Rng rng(5);
  MatD lg = aib::detail::standard_normal<double>(3, 4, rng);  // (3, 4)
  for (Index i = 0; i < lg.size(); ++i)
    if (std::abs(lg.data()[i]) < 0.1) lg.data()[i] = 0.3;
  const MatD tg = (aib::detail::standard_normal<double>(3, 4, rng).array() * 0.2 + 0.5).matrix();
  for (const bool bernoulli : {true, false}) {
    const aib::GradcheckResult r = aib::gradcheck(
        [bernoulli](const std::vector<TensorD>& v) {
          return bernoulli ? aib::bernoulli_nll(v[0], v[1]) : aib::gaussian_nll(v[0], v[1], 0.7);
        },
        {TensorD(lg, true), TensorD(tg, true)});
    INFO(r.failures);
    CHECK(r.checked == 24);
    CHECK(r.ok());
  }
  CHECK_THROWS_WITH(aib::gaussian_nll(TensorD(m), TensorD(y), -1.0), Catch::Contains("sigma = -1"));
  CHECK_THROWS_AS(aib::bernoulli_nll(TensorD(m), TensorD(MatD::Zero(2, 3))), aib::ShapeError);
}

TEST_CASE("VAE: the closed-form KL equals a Monte-Carlo estimate within its standard error",
          "[vae]") {
  aib::Rng rng(7);
  const VaeD vae(6, {10}, 4, rng);
  const MatD x = 2.0 * aib::detail::standard_normal<double>(3, 6, rng);  // (3, 6)
  const aib::VaePosteriorT<double> q = vae.encode(TensorD(x));
  const MatD& mu = q.mu.value();                     // (3, 4)
  const MatD& lv = q.logvar.value();                 // (3, 4)
  const double closed = vae.loss(x, rng).kl.item();  // (1/B) Σ_b Σ_z KL, closed form
  // KL(q ‖ p) = E_q[log q(z) − log p(z)]: per draw, −½Σ(ε² + log σ²) + ½Σ z² (the 2π cancel).
  const Index draws = 20000;
  double sum = 0, sum_sq = 0;
  for (Index s = 0; s < draws; ++s) {
    double f = 0;  // the batch mean of log q − log p for one draw per row
    for (Index b = 0; b < mu.rows(); ++b)
      for (Index i = 0; i < mu.cols(); ++i) {
        const double e = rng.normal_double();
        const double zi = mu(b, i) + std::exp(0.5 * lv(b, i)) * e;
        f += (-0.5 * (e * e + lv(b, i)) + 0.5 * zi * zi) / static_cast<double>(mu.rows());
      }
    sum += f;
    sum_sq += f * f;
  }
  const double mc = sum / draws;
  const double se = std::sqrt((sum_sq / draws - mc * mc) / (draws - 1));
  INFO("closed form " << closed << ", Monte Carlo " << mc << " ± " << se);
  CHECK(closed > 0.1);        // a KL far enough from 0 to be checked
  CHECK(se < 0.05 * closed);  // and an estimate precise enough to catch a wrong formula
  CHECK(std::abs(mc - closed) < 4 * se);
  // A mean over the latent dimensions (the old pytorch/examples bug) would be 4 times smaller:
  CHECK(std::abs(mc - closed / 4) > 20 * se);
}

TEST_CASE("VAE: the IWAE bound rises with k and stays below the exact log-likelihood", "[vae]") {
  // A linear-Gaussian decoder x = z·W + b + σ_x·n: the marginal is N(b, WᵀW + σ_x²I), so
  // log p(x) is exact (Cholesky). The encoder is left untrained: its posterior is poor, the gap
  // to log p(x) is wide, and the bound must close part of it as k grows.
  aib::Rng rng(11);
  const Index D = 5, Z = 2;
  const double sigma_x = 0.6;
  VaeD vae(D, {}, Z, rng, VaeLikelihood::gaussian, sigma_x);
  const MatD W = vae.decoder.layers[0].weight.value();           // (Z, D)
  const MatD b = vae.decoder.layers[0].bias.value();             // (1, D)
  const MatD x = linear_gaussian_data(W, b, sigma_x, 400, rng);  // (400, D)

  const MatD cov = W.transpose() * W + sigma_x * sigma_x * MatD::Identity(D, D);  // (D, D)
  const Eigen::LLT<Eigen::MatrixXd> llt(cov);
  REQUIRE(llt.info() == Eigen::Success);
  const double log_det = 2 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
  double exact = 0;  // mean over x of log N(x; b, cov)
  for (Index n = 0; n < x.rows(); ++n) {
    const Eigen::VectorXd d = (x.row(n) - b.row(0)).transpose();  // (D)
    exact += -0.5 * (d.dot(llt.solve(d)) + log_det + D * kLog2Pi) / static_cast<double>(x.rows());
  }

  std::vector<double> bounds;  // L_k for k = 1, 4, 16, 64, averaged over 3 seeds of ε
  for (const Index k : {1, 4, 16, 64}) {
    double mean = 0;
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      aib::Rng eps_rng(seed);
      mean += vae.iwae_bound(x, k, eps_rng) / 3;
    }
    bounds.push_back(mean);
  }
  INFO("L1 " << bounds[0] << ", L4 " << bounds[1] << ", L16 " << bounds[2] << ", L64 " << bounds[3]
             << ", exact log p(x) " << exact);
  CHECK(bounds[0] < bounds[1] - 0.05);
  CHECK(bounds[1] < bounds[2] - 0.05);
  CHECK(bounds[2] < bounds[3] - 0.05);
  CHECK(bounds[3] < exact);

  // k = 1 is a one-sample ELBO: with the same ε, minus the loss's reconstruction term plus the
  // one-sample estimate of −KL, log p(z) − log q(z|x) = −½Σ z² + ½Σ(ε² + log σ²).
  for (const VaeLikelihood lik : {VaeLikelihood::gaussian, VaeLikelihood::bernoulli}) {
    aib::Rng init(3);
    const VaeD v(D, {7}, Z, init, lik, 0.8);
    const MatD xb = (x.array() > 0.0).cast<double>().matrix().topRows(20);  // (20, D)
    aib::Rng a(5), c(5);
    const MatD eps = aib::detail::standard_normal<double>(20, Z, c);  // (20, Z), as a draws
    const aib::VaePosteriorT<double> q = v.encode(TensorD(xb));
    const MatD zs = v.reparameterize(q.mu, q.logvar, eps).value();  // (20, Z)
    const double neg_kl_1 =
        (-0.5 * zs.array().square() + 0.5 * (eps.array().square() + q.logvar.value().array()))
            .sum() /
        20;
    const double want = -v.loss(xb, eps, 1.0).reconstruction.item() + neg_kl_1;
    CHECK(v.iwae_bound(xb, 1, a) == Approx(want).epsilon(1e-12));
  }
}

TEST_CASE("VAE: active units show posterior collapse when beta is large", "[vae]") {
  // Data with two real factors in D = 6; a VAE with Z = 4 latent dimensions.
  aib::Rng rng(21);
  MatD W(2, 6);                 // (2, 6)
  W << 2, -1, 0.5, 0, 1, -1.5,  //
      0, 1.5, -1, 2, 0.5, 1;
  const aib::Mat data = linear_gaussian_data(W, MatD::Zero(1, 6), 0.1, 2000, rng).cast<float>();
  aib::VaeTrainOptions opt;
  opt.steps = 500;
  opt.batch = 64;
  opt.lr = 3e-3;
  std::vector<Index> active;
  for (const double beta : {1.0, 200.0}) {
    aib::Rng init(4);
    aib::Vae vae(6, {16}, 4, init, VaeLikelihood::gaussian, 0.3);
    opt.beta = beta;
    const aib::VaeHistory h = aib::train_vae(vae, data, init, opt);
    REQUIRE(h.loss.size() == 500);
    CHECK(h.loss.back() == Approx(h.reconstruction.back() + beta * h.kl.back()).epsilon(1e-5));
    const aib::VecD kl = vae.kl_per_dimension(data.topRows(500));  // (4)
    INFO("beta " << beta << ": KL per dimension " << kl.transpose());
    active.push_back(vae.active_units(data.topRows(500)));
    CHECK(vae.active_units(data.topRows(500), 0.0) >= active.back());
  }
  CHECK(active[0] >= 2);  // both factors are encoded
  CHECK(active[1] == 0);  // the posterior is the prior for every input
}

TEST_CASE("VAE: samples from the prior, reconstructions and shapes", "[vae]") {
  aib::Rng rng(1);
  const aib::Vae vae(16, {8}, 2, rng);
  const aib::Mat s = vae.sample(7, rng);  // (7, 16)
  CHECK(s.rows() == 7);
  CHECK(s.cols() == 16);
  CHECK(s.minCoeff() > 0.f);  // Bernoulli means σ(ℓ) are inside (0, 1)
  CHECK(s.maxCoeff() < 1.f);
  const aib::Mat r = vae.reconstruct(aib::Mat::Constant(3, 16, 0.5f));  // (3, 16)
  CHECK(r.rows() == 3);
  CHECK(vae.parameters().size() == 8);
  CHECK(vae.parameters()[0].name == "encoder.0.weight");
  CHECK(vae.parameters()[7].name == "decoder.2.bias");
  CHECK(vae.encoder.out_features() == 4);  // 2Z: μ and log σ²
}

TEST_CASE("VAE: bad input is an error naming the value", "[vae]") {
  aib::Rng rng(1);
  CHECK_THROWS_WITH(VaeD(12, {8}, 0, rng), Catch::Contains("latent size 0"));
  CHECK_THROWS_WITH(VaeD(12, {8}, 3, rng, VaeLikelihood::gaussian, 0.0),
                    Catch::Contains("sigma_x = 0"));
  const VaeD vae(12, {8}, 3, rng);
  const MatD wrong = MatD::Zero(5, 7), good = MatD::Constant(5, 12, 0.5);
  CHECK_THROWS_AS(vae.loss(wrong, rng), aib::ShapeError);
  CHECK_THROWS_WITH(vae.loss(wrong, rng),
                    Catch::Contains("expected (B, 12)") && Catch::Contains("(5, 7)"));
  CHECK_THROWS_WITH(vae.iwae_bound(wrong, 4, rng), Catch::Contains("width 7 != 12"));
  CHECK_THROWS_WITH(vae.loss(good, rng, -1.0), Catch::Contains("beta = -1"));
  CHECK_THROWS_WITH(vae.loss(good, rng, std::nan("")), Catch::Contains("beta = nan"));
  CHECK_THROWS_WITH(vae.loss(good, MatD::Zero(5, 2)), Catch::Contains("eps has shape (5, 2)"));
  CHECK_THROWS_WITH(vae.iwae_bound(good, 0, rng), Catch::Contains("k = 0"));
  CHECK_THROWS_WITH(vae.active_units(good, -0.5), Catch::Contains("threshold = -0.5"));
  CHECK_THROWS_WITH(vae.loss(MatD(0, 12), rng), Catch::Contains("batch is empty"));
  aib::VaeTrainOptions opt;
  opt.beta = -2;
  VaeD trained = vae;
  CHECK_THROWS_WITH(aib::train_vae(trained, good, rng, opt), Catch::Contains("beta = -2"));
  // A NaN in the data makes the loss NaN at the first step: the run stops there, naming it.
  opt.beta = 1;
  MatD bad = good;
  bad.setConstant(std::nan(""));
  CHECK_THROWS_AS(aib::train_vae(trained, bad, rng, opt), aib::DivergenceError);
  CHECK_THROWS_WITH(aib::train_vae(trained, bad, rng, opt), Catch::Contains("at step 1"));
}
