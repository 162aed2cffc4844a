// Tests for aib/generative/autoencoder.hpp: shapes and parameter names, gradients in double, the
// linear autoencoder against PCA (Baldi & Hornik 1989), a nonlinear one below PCA, PCA itself,
// random latent points, and the errors. Sizes are small (8×8 glyphs) so the file stays quick
// under the sanitizers too.
#include <cmath>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/autograd/gradcheck.hpp"
#include "aib/generative/autoencoder.hpp"
#include "aib/generative/glyphs.hpp"

using aib::Index;
using aib_test::message_of;

namespace {

bool contains(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}

// 8×8 glyphs (D = 64): the smallest side the font draws.
aib::GlyphData small_glyphs(Index n, aib::Rng& rng) {
  aib::GlyphStyle style;
  style.side = 8;
  return aib::make_digits(n, rng, style);
}

}  // namespace

TEST_CASE("autoencoder: shapes, output range and parameter names", "[autoencoder]") {
  aib::Rng rng(1);
  aib::AutoencoderConfig config;
  config.input = 16;
  config.hidden = {8, 5};
  config.latent = 3;
  const aib::Autoencoder ae(config, rng);
  CHECK(ae.input_size() == 16);
  CHECK(ae.latent_size() == 3);

  const aib::Mat x = rng.uniform_mat(4, 16);  // (4, 16)
  const aib::Mat z = ae.encode(x);            // (4, 3)
  const aib::Mat xhat = ae.reconstruct(x);    // (4, 16)
  CHECK(z.rows() == 4);
  CHECK(z.cols() == 3);
  CHECK(xhat.rows() == 4);
  CHECK(xhat.cols() == 16);
  CHECK(xhat.minCoeff() > 0.f);  // a sigmoid output
  CHECK(xhat.maxCoeff() < 1.f);
  // The graph path gives the same numbers as the no-graph path.
  const aib::Tensor xt(x);  // (4, 16)
  CHECK((ae.reconstruct(xt).value() - xhat).cwiseAbs().maxCoeff() == 0.f);
  CHECK((ae.decode(ae.encode(xt)).value() - ae.decode(z)).cwiseAbs().maxCoeff() == 0.f);

  // Encoder 16 -> 8 -> 5 -> 3, decoder 3 -> 5 -> 8 -> 16, named as nn.Sequential would be.
  const std::vector<std::pair<std::string, std::pair<Index, Index>>> expected = {
      {"encoder.0.weight", {16, 8}}, {"encoder.0.bias", {1, 8}},    {"encoder.2.weight", {8, 5}},
      {"encoder.2.bias", {1, 5}},    {"encoder.4.weight", {5, 3}},  {"encoder.4.bias", {1, 3}},
      {"decoder.0.weight", {3, 5}},  {"decoder.0.bias", {1, 5}},    {"decoder.2.weight", {5, 8}},
      {"decoder.2.bias", {1, 8}},    {"decoder.4.weight", {8, 16}}, {"decoder.4.bias", {1, 16}}};
  const aib::Parameters params = ae.parameters();
  REQUIRE(params.size() == expected.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    INFO(params[i].name);
    CHECK(params[i].name == expected[i].first);
    CHECK(params[i].tensor.rows() == expected[i].second.first);
    CHECK(params[i].tensor.cols() == expected[i].second.second);
  }
}

TEST_CASE("autoencoder: the linear one is one affine map each way", "[autoencoder]") {
  aib::Rng rng(2);
  const aib::Autoencoder ae(aib::AutoencoderConfig::linear(6, 2), rng);
  const aib::Parameters params = ae.parameters();
  REQUIRE(params.size() == 4);
  CHECK(params[0].name == "encoder.0.weight");
  CHECK(params[2].name == "decoder.0.weight");
  const aib::Mat we = params[0].tensor.value(), be = params[1].tensor.value();  // (6, 2), (1, 2)
  const aib::Mat wd = params[2].tensor.value(), bd = params[3].tensor.value();  // (2, 6), (1, 6)
  const aib::Mat x = rng.normal_mat(5, 6);                                      // (5, 6)
  const aib::Mat z = (x * we).rowwise() + be.row(0);                            // (5, 2)
  const aib::Mat xhat = (z * wd).rowwise() + bd.row(0);                         // (5, 6)
  // Values outside [0, 1] come back unchanged: no sigmoid.
  CHECK((ae.reconstruct(x) - xhat).cwiseAbs().maxCoeff() < 1e-6f);
  // Its loss is the MSE.
  const aib::Tensor loss = ae.loss(aib::Tensor(x));
  CHECK(loss.value()(0, 0) == Approx((xhat - x).squaredNorm() / 30.0).epsilon(1e-5));
}

TEST_CASE("autoencoder: gradients of both losses match central differences (double)",
          "[autoencoder]") {
  aib::Rng rng(3);
  for (const auto output : {aib::AutoencoderOutput::sigmoid, aib::AutoencoderOutput::linear}) {
    aib::AutoencoderConfig config;
    config.input = 7;
    config.hidden = {5};
    config.latent = 2;
    config.act = aib::Activation::tanh;  // smooth: no kink for the differences to straddle
    config.output = output;
    const aib::AutoencoderD ae(config, rng);
    const aib::MatD x = rng.uniform_mat(4, 7).cast<double>();  // (4, 7) in [0, 1]
    const aib::ParametersT<double> params = ae.parameters();
    // The inputs are the model's own parameter tensors, so loss() builds its graph from them.
    const aib::GradcheckResult r =
        aib::gradcheck([&](const std::vector<aib::TensorD>&) { return ae.loss(aib::TensorD(x)); },
                       aib::tensors_of(params), {1e-6, 1e-8, 1e-6});
    INFO(r.failures);
    CHECK(r.ok());
    CHECK(r.checked == aib::count_parameters(params));  // every weight and bias compared
  }
}

TEST_CASE("autoencoder: PCA's error is the sum of the dropped variances", "[autoencoder][pca]") {
  aib::Rng rng(4);
  // Points on a line in 3-D: one component explains everything.
  aib::Mat line(50, 3);  // (50, 3)
  for (Index i = 0; i < 50; ++i) {
    const float t = rng.normal();
    line.row(i) << 1 + 2 * t, -1 + t, 0.5f - 2 * t;
  }
  CHECK(aib::pca_reconstruction_error(line, 1) < 1e-10);
  const aib::Pca on_line = aib::fit_pca(line, 1);
  // The direction (2, 1, −2)/3, up to sign.
  CHECK(std::abs(on_line.components(0, 0) * on_line.components(1, 0)) ==
        Approx(2.0 / 9).epsilon(1e-6));

  // Two ways to the same number: the reconstructions' error, and (λ_{Z+1} + … + λ_D) / D.
  const aib::GlyphData g = small_glyphs(200, rng);
  const aib::Pca pca = aib::fit_pca(g.images, 64);
  for (const Index z : {1, 4, 16}) {
    const double dropped = pca.variances.tail(64 - z).sum() / 64.0;
    CHECK(aib::pca_reconstruction_error(g.images, z) == Approx(dropped).epsilon(1e-4));
    // truncated(z) is the fit with z components.
    const aib::Mat a = pca.truncated(z).reconstruct(g.images);
    const aib::Mat b = aib::fit_pca(g.images, z).reconstruct(g.images);
    CHECK((a - b).cwiseAbs().maxCoeff() < 1e-4f);
  }
  CHECK(aib::pca_reconstruction_error(g.images, 64) < 1e-10);  // Z = D keeps everything
  for (Index k = 1; k < 64; ++k) CHECK(pca.variances(k) <= pca.variances(k - 1));
}

TEST_CASE("autoencoder: a linear autoencoder converges to PCA's error (Baldi & Hornik)",
          "[autoencoder][pca]") {
  aib::Rng rng(5);
  const aib::GlyphData g = small_glyphs(400, rng);  // (400, 64)
  const Index Z = 4;
  const aib::Pca pca = aib::fit_pca(g.images, 64);
  const double pca_error = aib::pca_reconstruction_error(g.images, Z);

  aib::Autoencoder ae(aib::AutoencoderConfig::linear(64, Z), rng);
  aib::AutoencoderTraining opt;
  opt.steps = 1500;
  opt.batch = 0;  // the whole data every step: the error PCA minimises, no minibatch noise
  opt.lr = 0.1;   // cosine decay to 0; a smaller rate lingers longer near the saddle points
  const std::vector<double> curve = aib::train_autoencoder(ae, g.images, rng, opt);
  REQUIRE(curve.size() == 1500);
  const double ae_error = ae.reconstruction_mse(g.images);

  // PCA is the optimum over every rank-Z affine map (Eckart–Young), so no linear autoencoder can
  // go below it (up to float rounding of the reconstructions).
  CHECK(ae_error >= pca_error * (1 - 1e-4));
  // The tolerance: the nearest wrong answer, the best map through components 1 … Z−1 and Z+1,
  // costs (λ_Z − λ_{Z+1}) / D more, here 3.5 % of PCA's error. 1 % sits well inside that gap
  // yet far above the residual of 1500 full-batch Adam steps (measured < 0.001 %, seeds 1–5).
  const double wrong_subspace = pca_error + (pca.variances(Z - 1) - pca.variances(Z)) / 64.0;
  CAPTURE(pca_error, ae_error, wrong_subspace);
  REQUIRE(wrong_subspace > pca_error * 1.02);
  CHECK(ae_error <= pca_error * 1.01);

  // And the decoder's Z directions span PCA's top-Z subspace: the part of its rows outside it
  // (W − W·V·Vᵀ) is small compared with the rows themselves.
  const aib::MatD wd = ae.decoder.layers[0].weight.value().cast<double>();  // (Z, D)
  const aib::MatD v = pca.components.leftCols(Z);                           // (D, Z)
  const double outside = (wd - wd * v * v.transpose()).norm() / wd.norm();
  CAPTURE(outside);
  CHECK(outside < 0.02);  // measured 0.0005
  // The curve falls: the last loss is far below the first.
  CHECK(curve.back() < 0.25 * curve.front());
}

TEST_CASE("autoencoder: a nonlinear autoencoder beats PCA at Z = 2 on held-out glyphs",
          "[autoencoder][pca]") {
  aib::Rng rng(6);
  const aib::GlyphData train = small_glyphs(500, rng), test = small_glyphs(200, rng);
  const Index Z = 2;
  const aib::Pca pca = aib::fit_pca(train.images, Z);
  const double pca_test =
      (pca.reconstruct(test.images) - test.images).cast<double>().squaredNorm() /
      static_cast<double>(test.images.size());

  aib::AutoencoderConfig config;
  config.input = 64;
  config.hidden = {64};
  config.latent = Z;
  aib::Autoencoder ae(config, rng);
  aib::AutoencoderTraining opt;
  opt.steps = 1500;
  opt.batch = 64;
  opt.lr = 1e-2;
  aib::train_autoencoder(ae, train.images, rng, opt);
  const double ae_test = ae.reconstruction_mse(test.images);
  CAPTURE(pca_test, ae_test);
  // Measured over seeds 1–3: 0.81–0.86 of PCA's error. A curved two-number code of the ten digits
  // holds more than the best flat plane does.
  CHECK(ae_test < 0.93 * pca_test);
}

TEST_CASE("autoencoder: random latent points", "[autoencoder]") {
  aib::Rng rng(7);
  aib::Mat codes(300, 2);  // (300, 2): x in [−1, 3], y = 0.5·x + noise
  for (Index i = 0; i < 300; ++i) {
    const float x = rng.uniform(-1.f, 3.f);
    codes.row(i) << x, 0.5f * x + 0.1f * rng.normal();
  }
  const aib::Mat box = aib::sample_latent_box(codes, 2000, rng);  // (2000, 2)
  REQUIRE(box.rows() == 2000);
  REQUIRE(box.cols() == 2);
  const aib::RowVec lo = codes.colwise().minCoeff(), hi = codes.colwise().maxCoeff();
  for (Index j = 0; j < 2; ++j) {
    CHECK(box.col(j).minCoeff() >= lo(j));
    CHECK(box.col(j).maxCoeff() <= hi(j));
    // Uniform: the mean sits at the centre of the box (sd of the mean (hi − lo)/√(12·2000)).
    const double se = (hi(j) - lo(j)) / std::sqrt(12.0 * 2000);
    CHECK(std::abs(box.col(j).mean() - 0.5 * (lo(j) + hi(j))) < 4 * se);
  }

  const aib::Mat gauss = aib::sample_latent_gaussian(codes, 4000, rng);  // (4000, 2)
  const auto moments = [](const aib::Mat& m) {
    const aib::RowVecD mu = m.cast<double>().colwise().mean();
    const aib::MatD c = m.cast<double>().rowwise() - mu;
    return std::make_pair(mu, aib::MatD(c.transpose() * c / static_cast<double>(m.rows())));
  };
  const auto [mu_codes, cov_codes] = moments(codes);
  const auto [mu_gauss, cov_gauss] = moments(gauss);
  CHECK((mu_gauss - mu_codes).norm() < 0.1);
  CHECK((cov_gauss - cov_codes).norm() < 0.1 * cov_codes.norm());
  // The fit follows the cloud's slope: correlation near the codes' (about 0.98).
  CHECK(cov_gauss(0, 1) / std::sqrt(cov_gauss(0, 0) * cov_gauss(1, 1)) > 0.9);
}

TEST_CASE("autoencoder: bad input is an error naming the value", "[autoencoder][errors]") {
  aib::Rng rng(8);
  aib::AutoencoderConfig config;
  config.input = 10;
  config.hidden = {6};
  config.latent = 0;
  CHECK(contains(message_of([&] { aib::Autoencoder(config, rng); }), "latent size Z = 0"));
  config.latent = 11;
  CHECK(contains(message_of([&] { aib::Autoencoder(config, rng); }),
                 "latent size Z = 11 must be in [1, D = 10]"));
  config.latent = 3;
  aib::Autoencoder ae(config, rng);

  // A batch of the wrong width, on either side.
  CHECK(contains(message_of([&] { ae.encode(aib::Mat(aib::Mat::Zero(4, 9))); }),
                 "x has shape (4, 9), expected (B, 10)"));
  CHECK(contains(message_of([&] { ae.decode(aib::Mat(aib::Mat::Zero(2, 4))); }),
                 "z has shape (2, 4), expected (B, 3)"));
  CHECK(contains(message_of([&] { ae.loss(aib::Tensor(aib::Mat::Zero(3, 12))); }),
                 "x has shape (3, 12)"));

  // Training: empty data, wrong width, data a sigmoid cannot reach, bad options.
  aib::Mat empty(0, 10);
  CHECK(contains(message_of([&] { aib::train_autoencoder(ae, empty, rng); }),
                 "the data is empty (shape (0, 10))"));
  aib::Mat wide = aib::Mat::Zero(5, 11);
  CHECK(contains(message_of([&] { aib::train_autoencoder(ae, wide, rng); }),
                 "data has shape (5, 11), expected (N, 10)"));
  aib::Mat outside = aib::Mat::Constant(5, 10, 0.5f);
  outside(2, 7) = 1.5f;
  CHECK(contains(message_of([&] { aib::train_autoencoder(ae, outside, rng); }),
                 "data(2, 7) = 1.5 is outside [0, 1]"));
  aib::Mat ok = aib::Mat::Constant(5, 10, 0.5f);
  aib::AutoencoderTraining bad;
  bad.steps = 0;
  CHECK(contains(message_of([&] { aib::train_autoencoder(ae, ok, rng, bad); }), "steps = 0"));
  bad.steps = 10;
  bad.batch = -2;
  CHECK(contains(message_of([&] { aib::train_autoencoder(ae, ok, rng, bad); }), "batch = -2"));

  // PCA and the latent samplers.
  CHECK(contains(message_of([&] { aib::fit_pca(ok, 0); }), "latent size Z = 0"));
  CHECK(contains(message_of([&] { aib::pca_reconstruction_error(ok, 11); }),
                 "latent size Z = 11 must be in [1, D = 10]"));
  CHECK(contains(message_of([&] { aib::fit_pca(empty, 2); }), "the data is empty"));
  CHECK(contains(message_of([&] { aib::fit_pca(ok, 3).truncated(4); }), "latent size 4"));
  CHECK(contains(message_of([&] { aib::sample_latent_box(aib::Mat(0, 2), 5, rng); }),
                 "latents are empty"));
  CHECK(contains(message_of([&] { aib::sample_latent_gaussian(ok, -1, rng); }), "n = -1"));
}

TEST_CASE("autoencoder: a diverging run stops naming the step", "[autoencoder][errors]") {
  aib::Rng rng(9);
  aib::Autoencoder ae(aib::AutoencoderConfig::linear(8, 2), rng);
  const aib::Mat data = rng.normal_mat(20, 8);  // (20, 8)
  aib::AutoencoderTraining opt;
  opt.steps = 20;
  opt.lr = 1e30;  // Adam moves every weight by about lr: the next products overflow float
  opt.lr_min = 1e30;
  std::string message;
  try {
    aib::train_autoencoder(ae, data, rng, opt);
  } catch (const aib::DivergenceError& e) {
    message = e.what();
  }
  CAPTURE(message);  // inf − inf makes the loss nan (printed "-nan" by some C libraries)
  CHECK(contains(message, "train_autoencoder: the loss is "));
  CHECK(contains(message, "nan at step 2; training diverged"));  // the first step is 1
}
