// Tests for aib/generative/superres.hpp and conditional_gan.hpp: PSNR and the gradient energy on
// hand-computed images, the bilinear upsampling against PyTorch's interpolate (values computed
// by hand and checked with torch 1.13), exact on constants and ramps, downsampling undoing the
// nearest upsampling, the L1 upsampler beating bilinear, the conditional GAN's class checks and
// its conditioning, and bad input.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "aib/generative/conditional_gan.hpp"
#include "aib/generative/glyphs.hpp"
#include "aib/generative/superres.hpp"
#include "catch.hpp"

namespace test_superres {

using aib::Index;
using aib::Mat;

// (1, side²) with pixel (r, c) = f(r, c).
template <class F>
Mat image_of(int side, F f) {
  Mat m(1, static_cast<Index>(side) * side);  // (1, side²)
  for (int r = 0; r < side; ++r)
    for (int c = 0; c < side; ++c) m(0, static_cast<Index>(r) * side + c) = f(r, c);
  return m;
}

TEST_CASE("psnr: 10 log10(1 / MSE) per image, averaged", "[superres]") {
  Mat a = Mat::Constant(2, 4, 0.5f);  // (2, 4)
  Mat b(2, 4);                        // (2, 4): errors 0.1 everywhere, then 0.2 everywhere
  b.row(0).setConstant(0.6f);
  b.row(1).setConstant(0.7f);
  // MSE 0.01 -> 20 dB, MSE 0.04 -> 10 log10(25) = 13.9794 dB
  CHECK(aib::psnr(a, b) == Approx((20.0 + 10.0 * std::log10(25.0)) / 2).epsilon(1e-5));
  CHECK(aib::psnr(a.topRows(1), b.topRows(1), 2.0) == Approx(20.0 + 20.0 * std::log10(2.0)));
  CHECK(std::isinf(aib::psnr(a, a)));
  CHECK_THROWS_WITH(aib::psnr(a, b.leftCols(3)), Catch::Contains("(2, 3)"));
  CHECK_THROWS_WITH(aib::psnr(a, b, -1.0), Catch::Contains("peak = -1"));
}

TEST_CASE("gradient_energy: a vertical 0|1 edge through 16x16 is 16 of 480 pairs", "[superres]") {
  const Mat edge = image_of(16, [](int, int c) { return c < 8 ? 0.f : 1.f; });  // (1, 256)
  CHECK(aib::gradient_energy(edge) == Approx(1.0 / 30.0));
  const Mat flat = Mat::Constant(3, 64, 0.4f);  // (3, 8²)
  CHECK(aib::gradient_energy(flat) == 0.0);
  // A checkerboard: every one of the 2·4·3 = 24 pairs of a 4x4 image differs by 1.
  const Mat checker =  // (1, 4²)
      image_of(4, [](int r, int c) { return static_cast<float>((r + c) % 2); });
  CHECK(aib::gradient_energy(checker) == Approx(1.0));
  CHECK_THROWS_WITH(aib::gradient_energy(Mat::Zero(2, 250)), Catch::Contains("width 250"));
}

TEST_CASE("bilinear upsampling: PyTorch's values, exact on constants and ramps", "[superres]") {
  // F.interpolate([[0, 1], [2, 3]], scale_factor=2, mode='bilinear', align_corners=False)
  Mat small(1, 4);  // (1, 2²)
  small << 0, 1, 2, 3;
  Mat expected(1, 16);  // (1, 4²)
  expected << 0, 0.25f, 0.75f, 1, 0.5f, 0.75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2, 2.25f,
      2.75f, 3;
  CHECK((aib::upsample_bilinear(small) - expected).cwiseAbs().maxCoeff() < 1e-6f);

  const Mat flat = Mat::Constant(2, 64, 0.3f);  // (2, 8²)
  CHECK((aib::upsample_bilinear(flat).array() - 0.3f).abs().maxCoeff() < 1e-6f);

  // A ramp f(r, c) = 0.1 + 0.02c + 0.03r at 16x16, averaged down to 8x8 (the 8x8 pixels are f at
  // the block centres), then back up: exact wherever the interpolation needs no clamp (rows and
  // columns 1 … 14); the border pixels hold the edge's value.
  auto ramp = [](double r, double c) { return 0.1 + 0.02 * c + 0.03 * r; };
  const Mat high =  // (1, 16²)
      image_of(16, [&](int r, int c) { return static_cast<float>(ramp(r, c)); });
  const Mat up = aib::upsample_bilinear(aib::downsample_2x(high));  // (1, 16²)
  for (int r = 1; r < 15; ++r)
    for (int c = 1; c < 15; ++c) CHECK(up(0, r * 16 + c) == Approx(high(0, r * 16 + c)));
  CHECK(up(0, 5 * 16 + 0) == Approx(ramp(5, 0.5)));  // column 0 reads the block centre 0.5
  const Mat u = aib::bilinear_matrix(8);             // (64, 256)
  CHECK((u.colwise().sum().array() - 1.f).abs().maxCoeff() < 1e-6f);
}

TEST_CASE("downsampling undoes the nearest upsampling; 2x2 means", "[superres]") {
  aib::Rng rng(3);
  const Mat low = rng.uniform_mat(4, 64, 0.f, 1.f);  // (4, 8²)
  const Mat up = aib::upsample_nearest(low);         // (4, 16²)
  REQUIRE(up.cols() == 256);
  CHECK(up(1, 2 * 16 + 3) == low(1, 1 * 8 + 1));
  CHECK((aib::downsample_2x(up) - low).cwiseAbs().maxCoeff() == 0.f);
  Mat block(1, 4);  // (1, 2²)
  block << 0, 1, 2, 5;
  CHECK(aib::downsample_2x(block)(0, 0) == 2.f);
  CHECK_THROWS_WITH(aib::downsample_2x(Mat::Zero(1, 250)), Catch::Contains("width 250"));
  CHECK_THROWS_WITH(aib::downsample_2x(Mat::Zero(1, 49)), Catch::Contains("even"));
}

TEST_CASE("l1_loss: the mean |pred - target| and its sign gradient", "[superres]") {
  const aib::Tensor pred =  // (1, 4)
      aib::Tensor::parameter((Mat(1, 4) << 1, -2, 3, 0.5f).finished());
  const aib::Tensor target(Mat::Constant(1, 4, 1.5f));  // (1, 4)
  const aib::Tensor loss = aib::l1_loss(pred, target);  // (1, 1)
  CHECK(loss.item() == Approx((0.5 + 3.5 + 1.5 + 1.0) / 4));
  loss.backward();
  const Mat g = pred.grad();  // (1, 4)
  CHECK(g(0, 0) == -0.25f);
  CHECK(g(0, 2) == 0.25f);
}

TEST_CASE("the L1 upsampler beats bilinear in PSNR after a short training", "[superres]") {
  aib::Rng rng(1);
  aib::GlyphStyle clean;
  clean.noise = 0;
  const aib::GlyphData train = aib::make_digits(1000, rng, clean);  // images (1000, 16²)
  const aib::GlyphData test = aib::make_digits(200, rng, clean);    // images (200, 16²)
  const Mat low = aib::downsample_2x(test.images);                  // (200, 8²)
  aib::Upsampler up(8, {128}, rng);                                 // (B, 8²) -> (B, 16²)
  aib::UpsamplerTrainOptions opt;
  opt.steps = 150;
  const aib::UpsamplerHistory h = aib::train_upsampler(up, train.images, rng, opt);
  REQUIRE(h.l1.size() == 150);
  CHECK(h.generator.empty());
  const double learned = aib::psnr(up.upsample(low), test.images);
  const double bilinear = aib::psnr(aib::upsample_bilinear(low), test.images);
  CHECK(learned > bilinear + 2.0);

  opt.steps = 5;
  opt.adversarial = 0.1;  // the adversarial term runs: both players' losses recorded
  const aib::UpsamplerHistory adv = aib::train_upsampler(up, train.images, rng, opt);
  CHECK(adv.generator.size() == 5);
  CHECK(adv.discriminator.size() == 5);
}

TEST_CASE("superres bad input: widths, weights, non-finite losses", "[superres]") {
  aib::Rng rng(2);
  aib::Upsampler up(8, {16}, rng);  // (B, 8²) -> (B, 16²)
  CHECK_THROWS_WITH(up.upsample(Mat::Zero(2, 60)), Catch::Contains("width 60"));
  const Mat high = Mat::Zero(4, 256);  // (4, 16²)
  aib::UpsamplerTrainOptions opt;
  opt.adversarial = -0.5;
  CHECK_THROWS_WITH(aib::train_upsampler(up, high, rng, opt), Catch::Contains("-0.5"));
  opt.adversarial = 0;
  CHECK_THROWS_WITH(aib::train_upsampler(up, Mat::Zero(4, 100), rng, opt),
                    Catch::Contains("width 100"));
  opt.steps = 3;
  Mat bad = high;  // (4, 16²)
  bad(0, 0) = std::numeric_limits<float>::quiet_NaN();
  bad.row(1) = bad.row(0);
  bad.row(2) = bad.row(0);
  bad.row(3) = bad.row(0);
  CHECK_THROWS_WITH(aib::train_upsampler(up, bad, rng, opt), Catch::Contains("at step 1"));
  CHECK_THROWS_WITH(aib::Upsampler(1, {8}, rng), Catch::Contains("side 1"));
}

TEST_CASE("conditional GAN: a class outside 0-9 is an error naming it", "[superres][cgan]") {
  aib::Rng rng(4);
  aib::ConditionalGanConfig cfg;
  cfg.hidden = 8;
  const aib::ConditionalGan gan(cfg, rng);
  CHECK_THROWS_WITH(gan.sample(10, 3, rng), Catch::Contains("digit 10"));
  CHECK_THROWS_WITH(gan.sample(-1, 3, rng), Catch::Contains("digit -1"));
  CHECK(gan.sample(7, 3, rng).rows() == 3);
  CHECK_THROWS_WITH(aib::one_hot_digits({1, 12}), Catch::Contains("class 12"));
  const Mat oh = aib::one_hot_digits({3, 0});  // (2, 10)
  CHECK(oh(0, 3) == 1.f);
  CHECK(oh.sum() == 2.f);
  aib::GlyphData data = aib::make_digits(10, rng);  // images (10, 16²)
  data.labels[4] = 11;
  aib::ConditionalGan trainee(cfg, rng);
  CHECK_THROWS_WITH(aib::train_conditional_gan(trainee, data, rng), Catch::Contains("class 11"));
  CHECK(aib::mean_pairwise_distance(Mat::Constant(3, 4, 0.2f)) == 0.0);
  CHECK(aib::mean_pairwise_distance((Mat(2, 4) << 0, 0, 0, 0, 1, 1, 1, 1).finished()) == 1.0);
}

TEST_CASE("conditional GAN: samples of class k are read as k far above chance",
          "[superres][cgan]") {
  aib::Rng rng(1);
  aib::ClassifierOptions small;  // a lighter reader than the default, for the sanitizer runs
  small.train_size = 1000;
  small.steps = 200;
  small.batch = 32;
  const aib::GlyphClassifier reader = aib::train_glyph_classifier(rng, small);
  const aib::GlyphData data = aib::make_digits(1000, rng);  // images (1000, 16²)
  aib::ConditionalGan gan(aib::ConditionalGanConfig{}, rng);
  aib::ConditionalGanTrainOptions opt;
  opt.steps = 300;
  opt.batch = 16;
  const aib::ConditionalGanHistory h = aib::train_conditional_gan(gan, data, rng, opt);
  REQUIRE(h.generator.size() == 300);
  const aib::ClassFidelity f = aib::class_fidelity(gan, reader, 40, rng);
  INFO("mean read-as-requested share " << f.mean);
  // Chance is 0.1 and 400 reads put its standard error at 0.015: 0.15 is over 3 of them. Over
  // seeds 1-4 this short run reads 0.28-0.36 (600 steps of 64 reach 0.8-1.0).
  CHECK(f.mean > 0.15);
}

}  // namespace test_superres
